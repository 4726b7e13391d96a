/* test_pyhook.c — finding the Python hook next to the binary (build tree and
 * installed layout, in that order), the explicit override and its errors,
 * partial copies refused, and the PYTHONPATH built from it. Layouts are made
 * in a scratch directory; exe is a fake binary path inside them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "pyhook.h"
#include "unit.h"

static char scratch[512]; /* short: the layouts below fit in PATH_MAX */

static void mkdirs(const char *path) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s", path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0700);
      *s = '/';
    }
  mkdir(p, 0700);
}

static void touch(const char *dir, const char *rel) {
  char p[PATH_MAX], d[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  snprintf(d, sizeof d, "%s", p);
  *strrchr(d, '/') = '\0';
  mkdirs(d);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
}

/* A hook directory at ROOT/rel (both marker files). */
static void make_hook(const char *rel) {
  char d[PATH_MAX];
  snprintf(d, sizeof d, "%s/%s", scratch, rel);
  touch(d, "mlprov/__init__.py");
  touch(d, "mlprov/_boot/sitecustomize.py");
}

static char *path_in(const char *rel) {
  static char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", scratch, rel);
  return p;
}

static int setup(void **state) {
  (void)state;
  snprintf(scratch, sizeof scratch, "%s/mlprov-pyhook-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(scratch)) return -1;
  char *real = realpath(scratch, NULL); /* /tmp may be a symlink: compare canonical paths */
  snprintf(scratch, sizeof scratch, "%s", real);
  free(real);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
  return system(cmd) == 0 ? 0 : -1;
}

/* The binary is SCRATCH/exe_rel; the hook must be found at SCRATCH/want_rel. */
static void expect_found(const char *exe_rel, const char *override, const char *want_rel) {
  char exe[PATH_MAX];
  snprintf(exe, sizeof exe, "%s", path_in(exe_rel));
  char *dir = NULL;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_pyhook_find(exe, override, &dir, &e), 0);
  assert_string_equal(dir, path_in(want_rel));
  free(dir);
}

static void finds_build_tree_first(void **state) {
  (void)state;
  make_hook("tree/hooks/python");
  make_hook("tree/share/mlprov/python");
  touch(path_in("tree"), "build/mlprov");
  expect_found("tree/build/mlprov", NULL, "tree/hooks/python");
}

static void finds_installed_layout(void **state) {
  (void)state;
  make_hook("prefix/share/mlprov/python");
  touch(path_in("prefix"), "bin/mlprov");
  expect_found("prefix/bin/mlprov", "", "prefix/share/mlprov/python");
}

static void partial_copy_is_not_a_hook(void **state) {
  (void)state;
  touch(path_in("partial/hooks/python"), "mlprov/__init__.py"); /* no _boot/sitecustomize.py */
  touch(path_in("partial"), "bin/mlprov");
  char *dir = (char *)"unchanged";
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_pyhook_find(path_in("partial/bin/mlprov"), NULL, &dir, &e), MP_ENOTFOUND);
  assert_null(dir);
  assert_non_null(strstr(e.msg, "Python hook not found"));
  assert_non_null(strstr(e.msg, "share/mlprov/python"));
  assert_non_null(strstr(e.msg, MP_PYHOOK_ENV));
}

static void override_wins_and_is_checked(void **state) {
  (void)state;
  make_hook("custom");
  make_hook("tree2/hooks/python");
  touch(path_in("tree2"), "build/mlprov");
  char over[PATH_MAX];
  snprintf(over, sizeof over, "%s/custom/", scratch);
  expect_found("tree2/build/mlprov", over, "custom");
  char *dir = NULL;
  mp_err e;
  mp_err_clear(&e);
  /* a wrong override is an error even though the build tree has a hook */
  snprintf(over, sizeof over, "%s/tree2", scratch);
  assert_int_equal(mp_pyhook_find(path_in("tree2/build/mlprov"), over, &dir, &e), MP_ENOTFOUND);
  assert_null(dir);
  assert_non_null(strstr(e.msg, over));
  assert_non_null(strstr(e.msg, "is not a Python hook directory"));
  assert_int_equal(mp_pyhook_find(path_in("tree2/build/mlprov"), "/nonexistent/dir", &dir, &e), MP_ENOTFOUND);
}

static void colon_in_path_is_refused(void **state) {
  (void)state;
  make_hook("a:b");
  char *dir = NULL;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_pyhook_find(NULL, path_in("a:b"), &dir, &e), MP_EUNSUPPORTED);
  assert_null(dir);
  assert_non_null(strstr(e.msg, "PYTHONPATH"));
}

static void missing_binary_is_an_error(void **state) {
  (void)state;
  char *dir = NULL;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_pyhook_find(path_in("nope/bin/mlprov"), NULL, &dir, &e), MP_ENOTFOUND);
  assert_non_null(strstr(e.msg, "nope/bin/mlprov"));
}

static void pythonpath_order(void **state) {
  (void)state;
  char *s = mp_pyhook_pythonpath("/h", NULL);
  assert_string_equal(s, "PYTHONPATH=/h/mlprov/_boot:/h");
  free(s);
  s = mp_pyhook_pythonpath("/h", "");
  assert_string_equal(s, "PYTHONPATH=/h/mlprov/_boot:/h");
  free(s);
  s = mp_pyhook_pythonpath("/h", "/u1:/u2");
  assert_string_equal(s, "PYTHONPATH=/h/mlprov/_boot:/h:/u1:/u2");
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(finds_build_tree_first),
      cmocka_unit_test(finds_installed_layout),
      cmocka_unit_test(partial_copy_is_not_a_hook),
      cmocka_unit_test(override_wins_and_is_checked),
      cmocka_unit_test(colon_in_path_is_refused),
      cmocka_unit_test(missing_binary_is_an_error),
      cmocka_unit_test(pythonpath_order),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
