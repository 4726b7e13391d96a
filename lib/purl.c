/* purl.c — see purl.h. */
#include "purl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Percent-decodes s[0..n) at *w (NUL-terminated) and moves *w past it. */
static char *decode_into(char **w, const char *s, size_t n) {
  char *out = *w;
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
  *w = out + o + 1;
  return out;
}

static char *decode(const char *s, size_t n) {
  char *out = malloc(n + 1);
  char *w = out;
  return out ? decode_into(&w, s, n) : NULL;
}

void mp_purl_free(mp_purl *p) {
  if (!p) return;
  free(p->mem);
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
  const char *rest = slash + 1;
  /* version: after the last '@' of the name part */
  const char *at = NULL;
  for (const char *c = rest; c < body_end; c++)
    if (*c == '@') at = c;
  const char *path_end = at ? at : body_end;
  const char *last = path_end;
  while (last > rest && last[-1] != '/') last--;
  if (last == path_end) return mp_err_set(e, MP_EPARSE, "package URL \"%s\": missing name", s);
  /* every part is at most as long as its text: one block holds them all */
  char *w = out->mem = malloc(strlen(s) + 8);
  if (!w) return mp_err_set(e, MP_ENOMEM, "out of memory");
  out->type = w;
  for (const char *c = p; c < slash; c++) *w++ = (char)tolower((unsigned char)*c);
  *w++ = '\0';
  if (last > rest) out->ns = decode_into(&w, rest, (size_t)(last - 1 - rest));
  out->name = decode_into(&w, last, (size_t)(path_end - last));
  if (at) out->version = decode_into(&w, at + 1, (size_t)(body_end - at - 1));
  if (q) {
    out->qualifiers = w;
    memcpy(w, q + 1, (size_t)(end - q - 1));
    w += end - q - 1;
    *w++ = '\0';
  }
  if (hash) out->subpath = decode_into(&w, hash + 1, strlen(hash + 1));
  if (strcmp(out->type, "pypi") == 0) pep503(out->name);
  return 0;
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

size_t mp_purl_base_size(const mp_purl *p) {
  return strlen(p->type) + (p->ns ? strlen(p->ns) + 1 : 0) + strlen(p->name) + 6;
}

static char *put(char *w, const char *s) {
  size_t n = strlen(s);
  memcpy(w, s, n);
  return w + n;
}

void mp_purl_base_into(const mp_purl *p, char *dst) {
  char *w = put(dst, "pkg:");
  w = put(w, p->type);
  *w++ = '/';
  if (p->ns) {
    w = put(w, p->ns);
    *w++ = '/';
  }
  w = put(w, p->name);
  *w = '\0';
}

char *mp_purl_base(const mp_purl *p) {
  char *s = malloc(mp_purl_base_size(p));
  if (s) mp_purl_base_into(p, s);
  return s;
}

char *mp_pkg_name_normalize(const char *name) {
  char *s = strdup(name);
  if (s) pep503(s);
  return s;
}

void mp_pkg_name_normalize_into(char *dst, const char *name) {
  if (dst != name) strcpy(dst, name);
  pep503(dst);
}
