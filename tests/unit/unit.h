/* unit.h — what every cmocka unit test includes, and scratch-directory
 * helpers. Tests run with TAP output (tests/run sets
 * CMOCKA_MESSAGE_OUTPUT=TAP). */
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

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Scratch directories for tests that need files: ut_tmpdir() makes one
 * (malloc'd name), ut_write() creates a file (and its parent directories)
 * under it, ut_rmtree() removes it all. */
static inline char *ut_tmpdir(void) {
  char *d = strdup("/tmp/mlprov-unit.XXXXXX");
  assert_non_null(d);
  assert_non_null(mkdtemp(d));
  return d;
}

static inline char *ut_path(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  assert_non_null(p);
  snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

static inline void ut_write(const char *dir, const char *rel, const void *data, size_t len) {
  char *p = ut_path(dir, rel);
  for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  if (len) assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
  free(p);
}

static inline int ut_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

static inline void ut_rmtree(char *dir) {
  nftw(dir, ut_rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

/* An index file in a scratch directory of its own ("DIR/i.db", malloc'd),
 * and its removal with its WAL files and the directory. */
static inline char *ut_temp_db(void) {
  char *d = ut_tmpdir();
  char *db = ut_path(d, "i.db");
  free(d);
  return db;
}

static inline void ut_remove_db(char *db) {
  *strrchr(db, '/') = '\0';
  ut_rmtree(db);
}

#endif
