/* test_version.c — version ordering and ranges (PEP 440 flavoured), package
 * URLs, and the YAML reader used for policies. */
#include <stdlib.h>
#include <string.h>

#include "purl.h"
#include "unit.h"
#include "version.h"
#include "yamljson.h"

static void ordering(void **state) {
  (void)state;
  /* each strictly less than the next */
  static const char *chain[] = {"0.9", "1.0.dev1", "1.0a1", "1.0a2", "1.0b1", "1.0rc1", "1.0",
                                "1.0+local.1", "1.0.post1", "1.1", "1.10", "2.0.0", "2.0.0+0d5d1e0bb2",
                                "1!0.1"};
  size_t n = sizeof chain / sizeof chain[0];
  for (size_t i = 0; i + 1 < n; i++) {
    if (mp_version_cmp(chain[i], chain[i + 1]) >= 0) fail_msg("%s should sort before %s", chain[i], chain[i + 1]);
    if (mp_version_cmp(chain[i + 1], chain[i]) <= 0) fail_msg("%s should sort after %s", chain[i + 1], chain[i]);
  }
  assert_int_equal(mp_version_cmp("1.2", "1.2.0"), 0);
  assert_int_equal(mp_version_cmp("v1.2.0", "1.2"), 0);
  assert_true(mp_version_cmp("1.0.0-beta.2", "1.0.0-beta.11") < 0);
  assert_true(mp_version_cmp("1.0.0-rc.1", "1.0.0") < 0);
  /* numbers of any length compare exactly, leading zeros aside (found by fuzz_policy) */
  assert_true(mp_version_cmp("1.99999999999999999999", "1.99999999999999999998") > 0);
  assert_true(mp_version_cmp("1.99999999999999999999", "1.100000000000000000000") < 0);
  assert_int_equal(mp_version_cmp("1.007", "1.7"), 0);
  assert_true(mp_version_cmp("2.0rc99999999999999999999", "2.0rc99999999999999999998") > 0);
  assert_true(mp_version_cmp("99999999999999999999!1.0", "99999999999999999998!9.0") > 0);
  assert_true(mp_version_cmp("1.0+99999999999999999999", "1.0+99999999999999999998") > 0);
  assert_int_equal(mp_version_match("2111111111111111111111.5", "~=2111111111111111111111.0", NULL), 1);
  assert_int_equal(mp_version_match("2111111111111111111112.0", "==2111111111111111111111.*", NULL), 0);
}

static void ranges(void **state) {
  (void)state;
  static const struct { const char *v, *range; int want; } cases[] = {
      {"2.0.0+0d5d1e0bb2", "*", 1},      {NULL, "*", 1},                {NULL, ">=1", 0},
      {"2.1.0", ">=2.0,<2.2", 1},        {"2.2.0", ">=2.0,<2.2", 0},    {"1.9", ">=2.0,<2.2", 0},
      {"1.2.3", "==1.2.3", 1},           {"1.2.3", "1.2.3", 1},         {"1.2.4", "!=1.2.3", 1},
      {"2.0.5", "==2.0.*", 1},           {"2.1.0", "==2.0.*", 0},       {"2.1.0", "!=2.0.*", 1},
      {"2.2.5", "~=2.2", 1},             {"3.0", "~=2.2", 0},           {"1.4.5", "~=1.4.2", 1},
      {"1.5.0", "~=1.4.2", 0},           {"2.0.0rc1", "<2.0.0", 1},     {"2.0.0.post1", ">2.0.0", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = mp_version_match(cases[i].v, cases[i].range, NULL);
    if (got != cases[i].want)
      fail_msg("%s in %s: got %d want %d", cases[i].v ? cases[i].v : "(none)", cases[i].range, got, cases[i].want);
  }
  static const char *bad[] = {"", ">>1", ">=", ">= 1 2", "=<1", "<2.*"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mp_err e;
    if (mp_version_range_check(bad[i], &e) == 0) fail_msg("range \"%s\" accepted", bad[i]);
  }
}

static void purls(void **state) {
  (void)state;
  mp_purl p;
  mp_err e;
  assert_int_equal(mp_purl_parse("pkg:pypi/Torch_Triton@2.0.0%2B0d5d1e0bb2?repository_url=https%3A%2F%2Fdownload.pytorch.org%2Fwhl%2Fnightly", &p, &e), 0);
  assert_string_equal(p.type, "pypi");
  assert_null(p.ns);
  assert_string_equal(p.name, "torch-triton");
  assert_string_equal(p.version, "2.0.0+0d5d1e0bb2");
  char *repo = mp_purl_qualifier(&p, "repository_url");
  assert_string_equal(repo, "https://download.pytorch.org/whl/nightly");
  free(repo);
  mp_purl q;
  assert_int_equal(mp_purl_parse("pkg:PYPI/torch.triton", &q, &e), 0);
  assert_true(mp_purl_same_package(&p, &q));
  mp_purl_free(&q);
  assert_int_equal(mp_purl_parse("pkg:npm/%40scope/left-pad@1.3.0", &q, &e), 0);
  assert_string_equal(q.ns, "@scope");
  assert_string_equal(q.name, "left-pad");
  assert_false(mp_purl_same_package(&p, &q));
  mp_purl_free(&q);
  mp_purl_free(&p);
  static const char *bad[] = {"torch", "pkg:", "pkg:pypi", "pkg:pypi/", "pkg:/torch"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (mp_purl_parse(bad[i], &p, &e) == 0) fail_msg("purl \"%s\" accepted", bad[i]);
}

static void yaml(void **state) {
  (void)state;
  const char *doc = "a: 1\nb: [x, 'y', true, null, 2.5]\nc: {d: \"quoted 1\", e: no}\n# comment\nf: |\n  two\n  lines\n";
  json_t *j = NULL;
  mp_err e;
  assert_int_equal(mp_yaml_to_json("t", doc, strlen(doc), &j, &e), 0);
  assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
  json_t *b = json_object_get(j, "b");
  assert_string_equal(json_string_value(json_array_get(b, 1)), "y");
  assert_true(json_is_true(json_array_get(b, 2)));
  assert_true(json_is_null(json_array_get(b, 3)));
  assert_true(json_is_real(json_array_get(b, 4)));
  assert_string_equal(json_string_value(json_object_get(json_object_get(j, "c"), "d")), "quoted 1");
  assert_true(json_is_false(json_object_get(json_object_get(j, "c"), "e")));
  assert_string_equal(json_string_value(json_object_get(j, "f")), "two\nlines\n");
  json_decref(j);
  static const char *bad[] = {"a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: [1, 2\n", "? [1]\n: 2\n", "a: 1\n---\nb: 2\n", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    j = NULL;
    mp_err_clear(&e);
    if (mp_yaml_to_json("t", bad[i], strlen(bad[i]), &j, &e) == 0) fail_msg("YAML \"%s\" accepted", bad[i]);
    assert_true(strlen(e.msg) > 0);
  }
  /* nesting bomb */
  char deep[400];
  memset(deep, '[', 300);
  deep[300] = '\0';
  assert_int_not_equal(mp_yaml_to_json("t", deep, 300, &j, &e), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ordering), cmocka_unit_test(ranges), cmocka_unit_test(purls), cmocka_unit_test(yaml)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
