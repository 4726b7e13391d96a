/* test_job.c — a node's ranks from its hooks' Hellos: de-duplicated and
 * sorted, the launcher environment as fallback, every inconsistency a
 * conflict. */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "record.h"
#include "unit.h"

static mp_record *new_record(void) {
  char *argv[] = {"train", NULL};
  mp_record *r = NULL;
  mp_err e;
  assert_int_equal(mp_record_new(argv, &r, &e), 0);
  r->job_id = strdup("job-7");
  strcpy(r->launcher.node, "node-a");
  return r;
}

static void hello(mp_record *r, int pid, int rank, int world, const char *job) {
  Mlprov__Event__V1__Hello h = MLPROV__EVENT__V1__HELLO__INIT;
  Mlprov__Event__V1__Rank rk = MLPROV__EVENT__V1__RANK__INIT;
  h.protocol_version = 1;
  h.pid = pid;
  h.hook_kind = MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_PRELOAD;
  h.hook_version = "t";
  if (rank >= 0) {
    rk.rank = rank;
    rk.world_size = world;
    rk.node = "node-a";
    rk.job_id = (char *)job;
    h.rank = &rk;
  }
  mp_record_hello(r, &h, pid);
}

static void ranks_from_hooks(void **state) {
  (void)state;
  mp_record *r = new_record();
  hello(r, 10, 3, 8, "job-7");
  hello(r, 11, 2, 8, "");     /* no job id in that process's environment */
  hello(r, 12, 3, 8, "job-7"); /* a child of rank 3 */
  hello(r, 13, -1, 0, NULL);  /* an unranked helper */
  json_t *w = json_array();
  json_t *j = mp_job_node(r, w);
  assert_non_null(j);
  char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
  assert_string_equal(s, "{\"id\":\"job-7\",\"node\":\"node-a\",\"rankSource\":\"hooks\",\"ranks\":[2,3],\"worldSize\":8}");
  free(s);
  assert_int_equal(json_array_size(w), 0);
  json_decref(j);
  json_decref(w);
  mp_record_free(r);
}

static void conflicts_are_recorded(void **state) {
  (void)state;
  mp_record *r = new_record();
  hello(r, 10, 0, 8, "job-7");
  hello(r, 11, 1, 4, "job-7");     /* another world size */
  hello(r, 12, 5, 8, "other-job"); /* another job: not counted */
  hello(r, 13, 9, 8, "job-7");     /* outside the world */
  json_t *w = json_array();
  json_t *j = mp_job_node(r, w);
  json_t *c = json_object_get(j, "conflicts");
  assert_int_equal(json_array_size(c), 3);
  assert_int_equal(json_array_size(w), 3);
  assert_non_null(strstr(json_string_value(json_array_get(c, 0)), "world size 4"));
  assert_non_null(strstr(json_string_value(json_array_get(c, 1)), "other-job"));
  assert_non_null(strstr(json_string_value(json_array_get(c, 2)), "rank 9 is outside"));
  assert_int_equal(json_array_size(json_object_get(j, "ranks")), 3); /* 0, 1, 9 */
  json_decref(j);
  json_decref(w);
  mp_record_free(r);
}

static void launcher_environment_as_fallback(void **state) {
  (void)state;
  mp_record *r = new_record();
  json_t *w = json_array();
  json_t *j = mp_job_node(r, w);
  assert_string_equal(json_string_value(json_object_get(j, "rankSource")), "none");
  assert_int_equal(json_array_size(w), 1); /* nothing to merge on */
  json_decref(j);
  r->launcher.have_rank = 1;
  r->launcher.rank = 4;
  r->launcher.world_size = 16;
  j = mp_job_node(r, w);
  assert_string_equal(json_string_value(json_object_get(j, "rankSource")), "environment");
  assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "ranks"), 0)), 4);
  assert_int_equal(json_integer_value(json_object_get(j, "worldSize")), 16);
  json_decref(j);
  free(r->job_id);
  r->job_id = NULL;
  assert_null(mp_job_node(r, w));
  json_decref(w);
  mp_record_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ranks_from_hooks),
      cmocka_unit_test(conflicts_are_recorded),
      cmocka_unit_test(launcher_environment_as_fallback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
