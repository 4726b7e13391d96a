/* test_record.c — how the run record merges package reports from several
 * hook connections: Dependency.loaded is sticky (a later report from a
 * process that did not load the package must not clear it), the last report
 * of a package otherwise wins, and HookStats drops add up. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "unit.h"

static mp_record *new_record(void) {
  char *argv[] = {(char *)"python3", (char *)"train.py", NULL};
  mp_record *r = NULL;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_record_new(argv, &r, &e), 0);
  return r;
}

static void report_dependency(mp_record *r, const char *version, int loaded) {
  Mlprov__Event__V1__Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Dependency d = MLPROV__EVENT__V1__DEPENDENCY__INIT;
  d.name = (char *)"torch";
  d.version = (char *)version;
  d.purl = (char *)"pkg:pypi/torch@2.1.0";
  d.loaded = loaded;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_DEPENDENCY;
  ev.dependency = &d;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_record_event(r, &ev, NULL, 0, &e), 0);
}

static json_t *torch(const mp_record *r) {
  json_t *d = json_object_get(r->dependencies, "pkg:pypi/torch@2.1.0");
  assert_non_null(d);
  return d;
}

static void loaded_is_sticky(void **state) {
  (void)state;
  mp_record *r = new_record();
  report_dependency(r, "2.1.0", 0);
  assert_null(json_object_get(torch(r), "loaded"));
  report_dependency(r, "2.1.0", 1);
  assert_true(json_is_true(json_object_get(torch(r), "loaded")));
  report_dependency(r, "2.1.0-later", 0); /* another process, which did not import it */
  assert_true(json_is_true(json_object_get(torch(r), "loaded")));
  assert_string_equal(json_string_value(json_object_get(torch(r), "version")), "2.1.0-later");
  assert_int_equal(json_object_size(r->dependencies), 1);
  mp_record_free(r);
}

static void hook_stats_drops_add_up(void **state) {
  (void)state;
  mp_record *r = new_record();
  uint64_t deltas[] = {3, 0, 39};
  for (size_t i = 0; i < 3; i++) {
    Mlprov__Event__V1__Event ev = MLPROV__EVENT__V1__EVENT__INIT;
    Mlprov__Event__V1__HookStats st = MLPROV__EVENT__V1__HOOK_STATS__INIT;
    st.events_dropped = deltas[i];
    ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_HOOK_STATS;
    ev.hook_stats = &st;
    mp_err e;
    mp_err_clear(&e);
    assert_int_equal(mp_record_event(r, &ev, NULL, 0, &e), 0);
  }
  assert_int_equal(r->stats.dropped_by_hooks, 42);
  mp_record_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loaded_is_sticky),
      cmocka_unit_test(hook_stats_drops_add_up),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
