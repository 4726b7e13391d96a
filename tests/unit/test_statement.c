/* test_statement.c — Statement/SLSA checks (every required field, wrong
 * types, digests), JSON <-> protobuf round trips, RFC 3339 times. */
#include <stdlib.h>
#include <string.h>

#include "statement.h"
#include "unit.h"

static const char *valid =
    "{\"_type\":\"https://in-toto.io/Statement/v1\","
    "\"subject\":[{\"name\":\"model.bin\",\"digest\":{\"sha256\":\"" "aa" "bb" "\"}}],"
    "\"predicateType\":\"https://slsa.dev/provenance/v1\","
    "\"predicate\":{\"buildDefinition\":{\"buildType\":\"https://x/t\",\"externalParameters\":{\"a\":[1,2.5,null,true,\"s\"]},"
    "\"resolvedDependencies\":[{\"uri\":\"pkg:pypi/torch@2.1.0\",\"annotations\":{\"kind\":\"package\"}}]},"
    "\"runDetails\":{\"builder\":{\"id\":\"https://b\",\"version\":{\"mlprov\":\"1\"}},"
    "\"metadata\":{\"invocationId\":\"i\",\"startedOn\":\"2026-01-02T03:04:05Z\",\"finishedOn\":\"2026-01-02T03:04:06.5+01:00\"},"
    "\"byproducts\":[{\"name\":\"log\",\"content\":\"aGVsbG8=\"}]}}}";

static json_t *load(const char *s) {
  json_t *j = NULL;
  assert_int_equal(mp_json_parse("test", (const uint8_t *)s, strlen(s), &j, NULL), 0);
  return j;
}

static void valid_statement_passes(void **state) {
  (void)state;
  json_t *j = load(valid);
  mp_err e;
  assert_int_equal(mp_statement_check(j, &e), 0);
  json_decref(j);
}

/* Each mutation (JSON pointer-ish edit) must be rejected with a message. */
static void invalid_statements_rejected(void **state) {
  (void)state;
  static const struct { const char *from, *to; } edits[] = {
      {"https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"},
      {"\"subject\":[{\"name\":\"model.bin\",\"digest\":{\"sha256\":\"aabb\"}}]", "\"subject\":[]"},
      {"\"sha256\":\"aabb\"", "\"sha256\":\"AABB\""},
      {"\"sha256\":\"aabb\"", "\"sha256\":\"xyz\""},
      {",\"digest\":{\"sha256\":\"aabb\"}", ""},
      {"\"buildType\":\"https://x/t\",", ""},
      {"\"externalParameters\":{\"a\":[1,2.5,null,true,\"s\"]}", "\"externalParameters\":[]"},
      {"\"id\":\"https://b\",", ""},
      {"\"version\":{\"mlprov\":\"1\"}", "\"version\":{\"mlprov\":1}"},
      {"2026-01-02T03:04:05Z", "yesterday"},
      {"\"content\":\"aGVsbG8=\"", "\"content\":\"!!\""},
      {"\"uri\":\"pkg:pypi/torch@2.1.0\",", ""},
      {"\"predicateType\":\"https://slsa.dev/provenance/v1\",", ""},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    const char *at = strstr(valid, edits[i].from);
    assert_non_null(at);
    size_t n = strlen(valid) - strlen(edits[i].from) + strlen(edits[i].to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - valid), valid, edits[i].to, at + strlen(edits[i].from));
    json_t *j = load(s);
    mp_err e;
    mp_err_clear(&e);
    if (mp_statement_check(j, &e) == 0) fail_msg("edit %zu accepted: %s", i, s);
    assert_true(strlen(e.msg) > 0);
    json_decref(j);
    free(s);
  }
}

static void protobuf_round_trip(void **state) {
  (void)state;
  json_t *j = load(valid);
  uint8_t *pb;
  size_t len;
  assert_int_equal(mp_statement_to_pb(j, &pb, &len, NULL), 0);
  json_t *back = NULL;
  assert_int_equal(mp_statement_from_pb(pb, len, &back, NULL), 0);
  assert_true(json_equal(j, back));
  uint8_t *pb2;
  size_t len2;
  assert_int_equal(mp_statement_to_pb(back, &pb2, &len2, NULL), 0);
  assert_int_equal(len, len2);
  assert_memory_equal(pb, pb2, len); /* deterministic */
  free(pb);
  free(pb2);
  json_decref(j);
  json_decref(back);
}

static void times(void **state) {
  (void)state;
  struct timespec ts;
  assert_int_equal(mp_time_parse("1970-01-01T00:00:01.5Z", &ts), 0);
  assert_int_equal(ts.tv_sec, 1);
  assert_int_equal(ts.tv_nsec, 500000000);
  assert_int_equal(mp_time_parse("2026-11-25T12:00:00+01:00", &ts), 0);
  char buf[64];
  mp_time_format(&ts, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-25T11:00:00Z");
  ts.tv_nsec = 123000000;
  mp_time_format(&ts, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-25T11:00:00.123Z");
  assert_int_equal(mp_time_parse("2026-11-25 12:00:00Z", &ts), -1);
  assert_int_equal(mp_time_parse("2026-11-25T12:00:00", &ts), -1);
  assert_int_equal(mp_time_parse("2026-13-25T12:00:00Z", &ts), -1);
}

static void file_uri(void **state) {
  (void)state;
  char *u = mp_file_uri("/data/my set/ä.csv");
  assert_string_equal(u, "file:///data/my%20set/%C3%A4.csv");
  free(u);
}

/* Found by tests/fuzz/fuzz_statement: a protobuf Statement whose predicate
 * Struct has a map entry without its value (was a NULL dereference). It is
 * read (the value as null) and then refused by the checks, never a crash. */
static void pb_struct_entry_without_value(void **state) {
  (void)state;
  /* Statement{predicate (4) = Struct{fields (1) = entry{key (1) = "k"}}} */
  static const uint8_t pb[] = {0x22, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'k'};
  json_t *st = NULL;
  mp_err e;
  assert_int_equal(mp_statement_from_pb(pb, sizeof pb, &st, &e), 0);
  assert_true(json_is_null(json_object_get(json_object_get(st, "predicate"), "k")));
  assert_int_not_equal(mp_statement_check(st, &e), 0);
  json_decref(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_statement_passes), cmocka_unit_test(invalid_statements_rejected),
      cmocka_unit_test(protobuf_round_trip),    cmocka_unit_test(times),
      cmocka_unit_test(file_uri),               cmocka_unit_test(pb_struct_entry_without_value),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
