/* purl.c — package URL parsing and normalisation (see purl.h). Parsing goes
 * right to left as the spec's reference algorithm does: #subpath, ?qualifiers,
 * @version, then type/namespace/name. */
#include "purl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) into a malloc'd string; NULL if malformed or it
 * decodes to a NUL byte. */
static char *pct_decode(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      int a = i + 1 < n ? hexval(s[i + 1]) : -1, b = i + 2 < n ? hexval(s[i + 2]) : -1;
      int h = (a < 0 || b < 0) ? -1 : a * 16 + b;
      if (h <= 0) {
        free(out);
        return NULL;
      }
      out[o++] = (char)h;
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return out;
}

static void lower(char *s) {
  for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}

char *mp_pkg_name_normalize(const char *name) {
  size_t n = strlen(name);
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (c == '-' || c == '_' || c == '.') {
      if (o == 0 || out[o - 1] != '-') out[o++] = '-';
    } else {
      out[o++] = (char)tolower((unsigned char)c);
    }
  }
  out[o] = '\0';
  return out;
}

void mp_purl_clear(mp_purl *p) {
  if (!p) return;
  free(p->type);
  free(p->ns);
  free(p->name);
  free(p->version);
  free(p->base);
  memset(p, 0, sizeof *p);
}

int mp_purl_parse(const char *s, mp_purl *out, mp_err *e) {
  memset(out, 0, sizeof *out);
  if (strncasecmp(s, "pkg:", 4) != 0) return mp_err_set(e, MP_EPARSE, "\"%s\" is not a package URL (pkg:TYPE/NAME)", s);
  const char *p = s + 4;
  while (*p == '/') p++;
  size_t end = strlen(p);
  const char *hash = memchr(p, '#', end);
  if (hash) end = (size_t)(hash - p);
  const char *q = memchr(p, '?', end);
  if (q) end = (size_t)(q - p);
  /* version: after the last '@' that follows the last '/' */
  const char *slash = NULL;
  for (size_t i = 0; i < end; i++)
    if (p[i] == '/') slash = p + i;
  const char *at = NULL;
  for (const char *c = slash ? slash : p; c < p + end; c++)
    if (*c == '@') at = c;
  int rc = 0;
  if (at) {
    if (!(out->version = pct_decode(at + 1, (size_t)(p + end - at - 1))) || !*out->version) {
      rc = mp_err_set(e, MP_EPARSE, "package URL \"%s\": malformed version", s);
      goto fail;
    }
    end = (size_t)(at - p);
  }
  while (end > 0 && p[end - 1] == '/') end--;
  const char *tslash = memchr(p, '/', end);
  if (!tslash || tslash == p) {
    rc = mp_err_set(e, MP_EPARSE, "package URL \"%s\": want pkg:TYPE/NAME", s);
    goto fail;
  }
  out->type = pct_decode(p, (size_t)(tslash - p));
  const char *rest = tslash + 1;
  size_t rlen = (size_t)(p + end - rest);
  const char *last = NULL;
  for (size_t i = 0; i < rlen; i++)
    if (rest[i] == '/') last = rest + i;
  if (last) {
    out->ns = pct_decode(rest, (size_t)(last - rest));
    out->name = pct_decode(last + 1, (size_t)(rest + rlen - last - 1));
  } else {
    out->name = pct_decode(rest, rlen);
  }
  if (!out->type || !out->name || (last && (!out->ns || !*out->ns || strstr(out->ns, "//"))) ||
      !*out->type || !*out->name) {
    rc = mp_err_set(e, MP_EPARSE, "package URL \"%s\": empty or malformed type or name", s);
    goto fail;
  }
  for (const char *c = out->type; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '.' && *c != '+' && *c != '-') {
      rc = mp_err_set(e, MP_EPARSE, "package URL \"%s\": bad character in type", s);
      goto fail;
    }
  lower(out->type);
  if (strcmp(out->type, "pypi") == 0) {
    char *n = mp_pkg_name_normalize(out->name);
    free(out->name);
    out->name = n;
  } else if (strcmp(out->type, "github") == 0 || strcmp(out->type, "bitbucket") == 0 ||
             strcmp(out->type, "npm") == 0) {
    lower(out->ns);
    lower(out->name);
  }
  if (!out->name) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto fail;
  }
  size_t bn = strlen(out->type) + (out->ns ? strlen(out->ns) + 1 : 0) + strlen(out->name) + 6;
  if (!(out->base = malloc(bn))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto fail;
  }
  snprintf(out->base, bn, "pkg:%s/%s%s%s", out->type, out->ns ? out->ns : "", out->ns ? "/" : "", out->name);
  return 0;
fail:
  mp_purl_clear(out);
  return rc;
}
