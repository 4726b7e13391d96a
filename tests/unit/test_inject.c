/* test_inject.c — composing LD_PRELOAD for `mlprov run --preload` and finding
 * the library. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inject.h"
#include "unit.h"

static void env_appends_once(void **state) {
  (void)state;
  char *s = mp_inject_env(NULL, "/l/libmlprov-preload.so");
  assert_string_equal(s, "LD_PRELOAD=/l/libmlprov-preload.so");
  free(s);
  s = mp_inject_env("", "/l/p.so");
  assert_string_equal(s, "LD_PRELOAD=/l/p.so");
  free(s);
  s = mp_inject_env("libfaketime.so", "/l/p.so");
  assert_string_equal(s, "LD_PRELOAD=libfaketime.so:/l/p.so");
  free(s);
  /* already there (space or colon separated): unchanged */
  s = mp_inject_env("a.so /l/p.so", "/l/p.so");
  assert_string_equal(s, "LD_PRELOAD=a.so /l/p.so");
  free(s);
  s = mp_inject_env("/l/p.so.1:b.so", "/l/p.so");
  assert_string_equal(s, "LD_PRELOAD=/l/p.so.1:b.so:/l/p.so");
  free(s);
}

static void locate_honours_override(void **state) {
  (void)state;
  mp_err e;
  mp_err_clear(&e);
  char *path = NULL;
  setenv("MLPROV_PRELOAD_LIB", "/nonexistent/libmlprov-preload.so", 1);
  assert_int_equal(mp_inject_locate(&path, &e), MP_ENOTFOUND);
  assert_null(path);
  assert_non_null(strstr(e.msg, "/nonexistent/libmlprov-preload.so"));
  setenv("MLPROV_PRELOAD_LIB", "/etc/../etc/hostname", 1);
  assert_int_equal(mp_inject_locate(&path, &e), 0);
  assert_string_equal(path, "/etc/hostname"); /* absolute, normalised */
  free(path);
  unsetenv("MLPROV_PRELOAD_LIB");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(env_appends_once),
      cmocka_unit_test(locate_honours_override),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
