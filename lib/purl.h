/* purl.h — package URLs (github.com/package-url/purl-spec):
 *   pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH
 * parsed into components (percent-decoded) and reduced to the "base" the
 * index keys packages by: "pkg:TYPE/NAMESPACE/NAME" without version,
 * qualifiers or subpath. Normalisation as the spec asks: the type is
 * lowercase; pypi names are lowercase with runs of "-", "_", "." folded to
 * "-" (PEP 503); github, bitbucket and npm namespaces and names are lowercase.
 * The same normalisation is applied to what is stored and to what is asked,
 * so "pkg:PyPI/Torch_Triton" finds "pkg:pypi/torch-triton@2.0.0".
 */
#ifndef MP_PURL_H
#define MP_PURL_H

#include "err.h"

typedef struct mp_purl {
  char *type;      /* lowercase */
  char *ns;        /* NULL when absent */
  char *name;
  char *version;   /* NULL when absent */
  char *base;      /* "pkg:type/ns/name", normalised */
} mp_purl;

/* MP_EPARSE when s is not a package URL. */
int mp_purl_parse(const char *s, mp_purl *out, mp_err *e);
void mp_purl_clear(mp_purl *p);

/* Lowercase, runs of "-", "_", "." folded to "-" (malloc'd): how package
 * names are compared when no package URL is given. */
char *mp_pkg_name_normalize(const char *name);

#endif
