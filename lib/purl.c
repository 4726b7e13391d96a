/* purl.c — see purl.h. */
#include "purl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *decode(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      out[o++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return out;
}

void mp_purl_free(mp_purl *p) {
  if (!p) return;
  free(p->type);
  free(p->ns);
  free(p->name);
  free(p->version);
  free(p->qualifiers);
  free(p->subpath);
  memset(p, 0, sizeof *p);
}

static void pep503(char *name) {
  char *o = name;
  for (char *p = name; *p;) {
    if (*p == '-' || *p == '_' || *p == '.') {
      while (*p == '-' || *p == '_' || *p == '.') p++;
      *o++ = '-';
    } else {
      *o++ = (char)tolower((unsigned char)*p++);
    }
  }
  *o = '\0';
}

int mp_purl_parse(const char *s, mp_purl *out, mp_err *e) {
  memset(out, 0, sizeof *out);
  if (strncmp(s, "pkg:", 4) != 0) return mp_err_set(e, MP_EPARSE, "package URL \"%s\": does not start with pkg:", s);
  const char *p = s + 4;
  while (*p == '/') p++;
  const char *hash = strchr(p, '#');
  const char *end = hash ? hash : p + strlen(p);
  const char *q = memchr(p, '?', (size_t)(end - p));
  const char *body_end = q ? q : end;
  const char *slash = memchr(p, '/', (size_t)(body_end - p));
  if (!slash || slash == p) return mp_err_set(e, MP_EPARSE, "package URL \"%s\": missing type", s);
  out->type = strndup(p, (size_t)(slash - p));
  if (!out->type) goto nomem;
  for (char *c = out->type; *c; c++) *c = (char)tolower((unsigned char)*c);
  const char *rest = slash + 1;
  /* version: after the last '@' of the name part */
  const char *at = NULL;
  for (const char *c = rest; c < body_end; c++)
    if (*c == '@') at = c;
  const char *path_end = at ? at : body_end;
  const char *last = path_end;
  while (last > rest && last[-1] != '/') last--;
  if (last == path_end) {
    mp_purl_free(out);
    return mp_err_set(e, MP_EPARSE, "package URL \"%s\": missing name", s);
  }
  if (last > rest && !(out->ns = decode(rest, (size_t)(last - 1 - rest)))) goto nomem;
  if (!(out->name = decode(last, (size_t)(path_end - last)))) goto nomem;
  if (at && !(out->version = decode(at + 1, (size_t)(body_end - at - 1)))) goto nomem;
  if (q && !(out->qualifiers = strndup(q + 1, (size_t)(end - q - 1)))) goto nomem;
  if (hash && !(out->subpath = decode(hash + 1, strlen(hash + 1)))) goto nomem;
  if (strcmp(out->type, "pypi") == 0) pep503(out->name);
  return 0;
nomem:
  mp_purl_free(out);
  return mp_err_set(e, MP_ENOMEM, "out of memory");
}

char *mp_purl_qualifier(const mp_purl *p, const char *key) {
  if (!p->qualifiers) return NULL;
  size_t kl = strlen(key);
  for (const char *c = p->qualifiers; *c;) {
    const char *amp = strchr(c, '&');
    size_t len = amp ? (size_t)(amp - c) : strlen(c);
    if (len > kl && strncmp(c, key, kl) == 0 && c[kl] == '=') return decode(c + kl + 1, len - kl - 1);
    c += len + (amp ? 1 : 0);
    if (!amp) break;
  }
  return NULL;
}

static int streq_null(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

int mp_purl_same_package(const mp_purl *a, const mp_purl *b) {
  return strcmp(a->type, b->type) == 0 && streq_null(a->ns, b->ns) && strcmp(a->name, b->name) == 0;
}

char *mp_purl_base(const mp_purl *p) {
  size_t n = strlen(p->type) + (p->ns ? strlen(p->ns) + 1 : 0) + strlen(p->name) + 6;
  char *s = malloc(n);
  if (s) snprintf(s, n, "pkg:%s/%s%s%s", p->type, p->ns ? p->ns : "", p->ns ? "/" : "", p->name);
  return s;
}

char *mp_pkg_name_normalize(const char *name) {
  char *s = strdup(name);
  if (s) pep503(s);
  return s;
}
