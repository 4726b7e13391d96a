/* purl.h — package URLs (github.com/package-url/purl-spec):
 *   pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH
 * Parsing is strict about the scheme and the presence of type and name;
 * percent-encoding is decoded; type is lowercased, and for pypi the name is
 * normalised as PEP 503 says (lowercase, runs of "-_." become "-"), so that
 * "pkg:pypi/Torch_Triton" and "pkg:pypi/torch-triton" compare equal. */
#ifndef MP_PURL_H
#define MP_PURL_H

#include "err.h"

typedef struct mp_purl {
  char *type;
  char *ns;          /* namespace, NULL if none */
  char *name;
  char *version;     /* NULL if none */
  char *qualifiers;  /* raw "k=v&k2=v2", NULL if none */
  char *subpath;
  char *mem;         /* the one block every part above lives in */
} mp_purl;

int mp_purl_parse(const char *s, mp_purl *out, mp_err *e);
void mp_purl_free(mp_purl *p);
/* The value of qualifier key (malloc'd, decoded) or NULL. */
char *mp_purl_qualifier(const mp_purl *p, const char *key);
/* Same package (type, namespace, name), versions not compared. */
int mp_purl_same_package(const mp_purl *a, const mp_purl *b);
/* "pkg:TYPE/NAMESPACE/NAME" (normalised as parsed; malloc'd): the package
 * without version, qualifiers or subpath, as the index keys packages. */
char *mp_purl_base(const mp_purl *p);
/* The same into dst, which has room for mp_purl_base_size(p) bytes. */
size_t mp_purl_base_size(const mp_purl *p);
void mp_purl_base_into(const mp_purl *p, char *dst);
/* A package name compared without a package URL: lowercase, runs of "-_."
 * folded to "-" (PEP 503), malloc'd. */
char *mp_pkg_name_normalize(const char *name);
/* The same into dst (strlen(name) + 1 bytes; dst may be name). */
void mp_pkg_name_normalize_into(char *dst, const char *name);

#endif
