/* test_jsonflat.c — the flat strict JSON reader: values and walking, every
 * rule it shares with jansson (json_loadb with JSON_REJECT_DUPLICATES),
 * checked against jansson on each case, and error positions. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonflat.h"
#include "unit.h"

static mp_jflat *parse_ok(const char *text) {
  mp_jflat *d = NULL;
  mp_err e;
  mp_err_clear(&e);
  if (mp_jflat_parse("t", (const uint8_t *)text, strlen(text), &d, &e) != 0) fail_msg("refused %s: %s", text, e.msg);
  return d;
}

static void values_and_walking(void **state) {
  (void)state;
  mp_jflat *d = parse_ok(" {\"a\": [1, -2.5e1, \"x\\u00e9\\ud83d\\ude00\", true, false, null, {}],"
                         " \"b\": {\"c\": \"\"}, \"\": 9223372036854775807}\n");
  mp_jv root = mp_jflat_root(d);
  assert_int_equal(mp_jflat_type(d, root), MP_JF_OBJECT);
  assert_int_equal(mp_jflat_size(d, root), 3);
  mp_jv a = mp_jflat_get(d, root, "a");
  assert_int_equal(mp_jflat_type(d, a), MP_JF_ARRAY);
  assert_int_equal(mp_jflat_size(d, a), 7);
  static const mp_jf_type types[] = {MP_JF_INTEGER, MP_JF_REAL, MP_JF_STRING, MP_JF_TRUE,
                                     MP_JF_FALSE,   MP_JF_NULL, MP_JF_OBJECT};
  size_t i = 0;
  mp_jflat_foreach(d, a, v) {
    assert_true(i < 7);
    assert_int_equal(mp_jflat_type(d, v), types[i]);
    assert_null(mp_jflat_key(d, v));
    i++;
  }
  assert_int_equal(i, 7);
  mp_jv one = mp_jflat_first(d, a);
  assert_int_equal(mp_jflat_int(d, one), 1);
  mp_jv real = mp_jflat_next(d, one);
  assert_true(mp_jflat_real(d, real) == -25.0);
  mp_jv s = mp_jflat_next(d, real);
  assert_string_equal(mp_jflat_str(d, s), "x\xc3\xa9\xf0\x9f\x98\x80");
  assert_int_equal(mp_jflat_len(d, s), 7);
  /* after the array's last element comes nothing, not the next member of root */
  mp_jv last = s;
  while (mp_jflat_next(d, last)) last = mp_jflat_next(d, last);
  assert_int_equal(mp_jflat_type(d, last), MP_JF_OBJECT);
  assert_int_equal(mp_jflat_first(d, last), 0);
  mp_jv b = mp_jflat_next(d, a);
  assert_string_equal(mp_jflat_key(d, b), "b");
  assert_string_equal(mp_jflat_str(d, mp_jflat_get(d, b, "c")), "");
  mp_jv empty_key = mp_jflat_get(d, root, "");
  assert_int_equal(mp_jflat_int(d, empty_key), INT64_MAX);
  assert_int_equal(mp_jflat_next(d, empty_key), 0);
  /* lookups of what is not there, and on what is not an object */
  assert_int_equal(mp_jflat_get(d, root, "zz"), 0);
  assert_int_equal(mp_jflat_get(d, a, "a"), 0);
  assert_int_equal(mp_jflat_get(d, 0, "a"), 0);
  assert_int_equal(mp_jflat_type(d, 0), MP_JF_NONE);
  assert_null(mp_jflat_str(d, one));
  assert_int_equal(mp_jflat_size(d, s), 0);
  mp_jflat_free(d);
}

/* Every case: the flat reader's verdict is jansson's. */
static void same_verdict_as_jansson(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int ok;
  } cases[] = {
      {"{}", 1},
      {"[]", 1},
      {"  [ ]  \r\n\t", 1},
      {"", 0},
      {"   ", 0},
      {"1", 0},          /* a scalar at the top */
      {"\"s\"", 0},
      {"{} {}", 0},      /* two documents */
      {"[1,]", 0},
      {"[,1]", 0},
      {"{\"a\":1,}", 0},
      {"{\"a\" 1}", 0},
      {"{1:1}", 0},
      {"[01]", 0},
      {"[-]", 0},
      {"[1.]", 0},
      {"[.5]", 0},
      {"[1e]", 0},
      {"[1e+]", 0},
      {"[-0, 0.0, 1E+2, 1e-2]", 1},
      {"[9223372036854775807, -9223372036854775808]", 1},
      {"[9223372036854775808]", 0},
      {"[-9223372036854775809]", 0},
      {"[1e308, 1e-400]", 1},
      {"[1e309]", 0},
      {"[tru]", 0},
      {"[truex]", 0},
      {"[nul]", 0},
      {"[True]", 0},
      {"[\"\\u0000\"]", 0},
      {"[\"\\ud800\"]", 0},
      {"[\"\\udc00\"]", 0},
      {"[\"\\ud800\\u0041\"]", 0},
      {"[\"\\ud83d\\ude00\"]", 1},
      {"[\"\\x\"]", 0},
      {"[\"\\u12\"]", 0},
      {"[\"\\u12G4\"]", 0},
      {"[\"a\tb\"]", 0},  /* raw control character */
      {"[\"\x7f\"]", 1},
      {"[\"\xc3\xa9\"]", 1},
      {"[\"\xc3\"]", 0},
      {"[\"\xc0\xaf\"]", 0},         /* overlong */
      {"[\"\xed\xa0\x80\"]", 0},     /* UTF-8 surrogate */
      {"[\"\xf4\x90\x80\x80\"]", 0}, /* above U+10FFFF */
      {"[\xc3\xa9]", 0},
      {"[\"abc", 0},
      {"{\"a\":1,\"a\":2}", 0},
      {"{\"a\":1,\"b\":{\"a\":2}}", 1},
      {"{\"\\u0061\":1,\"a\":2}", 0}, /* same key once unescaped */
      {"\xef\xbb\xbf{}", 0},           /* a byte order mark */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *t = cases[i].text;
    json_t *j = json_loadb(t, strlen(t), JSON_REJECT_DUPLICATES, NULL);
    mp_jflat *d = NULL;
    int rc = mp_jflat_parse("t", (const uint8_t *)t, strlen(t), &d, NULL);
    if ((rc == 0) != cases[i].ok) fail_msg("flat %s %s", rc == 0 ? "took" : "refused", t);
    if ((j != NULL) != cases[i].ok) fail_msg("jansson %s %s", j ? "took" : "refused", t);
    json_decref(j);
    mp_jflat_free(d);
  }
}

/* Object with more members than the pairwise duplicate search handles. */
static void duplicates_in_large_objects(void **state) {
  (void)state;
  char buf[4096];
  size_t n = 0;
  n += (size_t)snprintf(buf + n, sizeof buf - n, "{");
  for (int i = 0; i < 100; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"k%d\":%d", i ? "," : "", i, i);
  size_t open_end = n;
  snprintf(buf + n, sizeof buf - n, "}");
  mp_jflat *d = parse_ok(buf);
  assert_int_equal(mp_jflat_size(d, mp_jflat_root(d)), 100);
  assert_int_equal(mp_jflat_int(d, mp_jflat_get(d, mp_jflat_root(d), "k77")), 77);
  mp_jflat_free(d);
  snprintf(buf + open_end, sizeof buf - open_end, ",\"k42\":0}");
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_jflat_parse("t", (const uint8_t *)buf, strlen(buf), &d, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "duplicate object key \"k42\""));
}

static void depth_limit(void **state) {
  (void)state;
  size_t n = MP_JF_MAX_DEPTH + 1;
  char *t = malloc(2 * n + 1);
  assert_non_null(t);
  for (int extra = 0; extra <= 1; extra++) {
    size_t k = MP_JF_MAX_DEPTH + (size_t)extra;
    memset(t, '[', k);
    memset(t + k, ']', k);
    mp_jflat *d = NULL;
    int rc = mp_jflat_parse("t", (const uint8_t *)t, 2 * k, &d, NULL);
    json_t *j = json_loadb(t, 2 * k, 0, NULL);
    assert_int_equal(rc == 0, !extra);
    assert_int_equal(j != NULL, !extra);
    json_decref(j);
    mp_jflat_free(d);
  }
  free(t);
}

static void error_names_the_place(void **state) {
  (void)state;
  const char *t = "{\n  \"a\": [1,\n  2 3]}";
  mp_err e;
  mp_err_clear(&e);
  mp_jflat *d = NULL;
  assert_int_equal(mp_jflat_parse("policy.json", (const uint8_t *)t, strlen(t), &d, &e), MP_EPARSE);
  assert_null(d);
  assert_string_equal(e.msg, "policy.json: invalid JSON at line 3 column 5: ']' expected");
  /* a NUL byte is never JSON (jansson lets one follow a number) */
  static const uint8_t nul[] = {'[', '1', 0, ']'};
  assert_int_equal(mp_jflat_parse("t", nul, sizeof nul, &d, &e), MP_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(values_and_walking),
      cmocka_unit_test(same_verdict_as_jansson),
      cmocka_unit_test(duplicates_in_large_objects),
      cmocka_unit_test(depth_limit),
      cmocka_unit_test(error_names_the_place),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
