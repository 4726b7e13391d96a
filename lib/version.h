/* version.h — comparing package versions and matching version ranges.
 *
 * Ordering (PEP 440 flavoured, and sane for semver and most ecosystems):
 * an optional epoch "N!", dot-separated release numbers compared numerically
 * (missing parts are 0: 1.2 == 1.2.0), then pre-releases before the release
 * (dev < a/alpha < b/beta < rc/c < release < post), then the local part after
 * '+' ("2.0.0+0d5d1e0" sorts after "2.0.0"), compared segment by segment
 * (numbers numerically, numbers before words). A leading 'v' is ignored.
 *
 * Ranges: comma-separated clauses that must all hold: "==V", "!=V", ">=V",
 * ">V", "<=V", "<V", "~=V" (compatible release), a bare "V" (== V), "*"
 * (any version, including none). "==2.0.*" matches a prefix of the release.
 */
#ifndef MP_VERSION_H
#define MP_VERSION_H

#include "err.h"

/* <0, 0, >0 like strcmp. */
int mp_version_cmp(const char *a, const char *b);
/* 1 if version satisfies range, 0 if not; MP_EPARSE (message in e) when the
 * range is malformed. A NULL/empty version matches only "*". */
int mp_version_match(const char *version, const char *range, mp_err *e);
/* Checks a range without a version (for validating configuration). */
int mp_version_range_check(const char *range, mp_err *e);

#endif
