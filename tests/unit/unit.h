/* unit.h — what every cmocka unit test includes. Tests run with TAP output
 * (tests/run sets CMOCKA_MESSAGE_OUTPUT=TAP). */
#ifndef MP_UNIT_H
#define MP_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

/* A scratch directory for a group of tests: made in the group setup
 * (/tmp/mlprov-TAG-XXXXXX into dir), removed with everything in it in the
 * group teardown. 0 on success. */
static inline int unit_tmpdir_make(char *dir, size_t len, const char *tag) {
  snprintf(dir, len, "/tmp/mlprov-%s-XXXXXX", tag);
  return mkdtemp(dir) ? 0 : -1;
}

static inline int unit_tmpdir_remove(const char *dir) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

#endif
