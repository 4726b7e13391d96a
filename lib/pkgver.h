/* pkgver.h — package versions and version ranges for `mlprov index query
 * --dependency PURL --version RANGE`.
 *
 * Versions are parsed and ordered as PEP 440 does (packaging's ordering):
 *   epoch "N!", release "1.2.3" (trailing zeros ignored: 1.2 == 1.2.0),
 *   pre-releases a < b < rc ("alpha", "beta", "c", "pre", "preview" and
 *   separators "-", "_", "." accepted), ".postN" (and "-N"), ".devN",
 *   "+local" (sorts after the same version without it).
 *   1.0.dev1 < 1.0a1.dev1 < 1.0a1 < 1.0b2 < 1.0rc1 < 1.0 < 1.0+abc < 1.0.post1.dev1 < 1.0.post1
 * Semver pre-releases parse too ("2.0.0-beta.1" == 2.0.0b1).
 *
 * A range is a comma-separated list of clauses that must all hold:
 *   ==V  !=V  <V  <=V  >V  >=V  ~=V (compatible release)  ===S (exact text)
 *   ==V.* / !=V.* (release prefix), and a bare V meaning ==V.
 * Unlike pip, ordered clauses never exclude pre-, post- or dev releases: a
 * forensic query wants every version that orders inside the range
 * (">=2.0,<2.1" matches 2.1.0rc1 and 2.0.0.dev5). A candidate with a local
 * label compares as its public version unless the clause has a local label.
 * A version that does not parse (not PEP 440, e.g. "nightly") only matches
 * ===S, ==S with the same text, and !=.
 */
#ifndef MP_PKGVER_H
#define MP_PKGVER_H

#include "err.h"

/* Compares two versions: *out = -1, 0 or 1. MP_EPARSE if either does not
 * parse as PEP 440. */
int mp_pkgver_cmp(const char *a, const char *b, int *out, mp_err *e);
/* 1 if s parses as a PEP 440 version. */
int mp_pkgver_valid(const char *s);

typedef struct mp_verspec mp_verspec;

/* Parses a range; MP_EUSAGE naming the bad clause. */
int mp_verspec_parse(const char *spec, mp_verspec **out, mp_err *e);
/* 1 if version satisfies every clause of s, 0 otherwise. */
int mp_verspec_match(const mp_verspec *s, const char *version);
void mp_verspec_free(mp_verspec *s);

#endif
