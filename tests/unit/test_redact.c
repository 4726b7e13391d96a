/* test_redact.c — a corpus of realistic secrets: each must disappear from
 * values, while ordinary text stays untouched. */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "unit.h"

static void assert_redacted(const char *in, const char *secret) {
  int changed = 0;
  char *out = mp_redact_value(in, &changed);
  assert_non_null(out);
  if (strstr(out, secret)) fail_msg("secret survived: '%s' -> '%s'", in, out);
  assert_true(changed);
  assert_true(mp_redact_value_changes(in)); /* the check without a copy agrees */
  assert_non_null(strstr(out, MP_REDACTED));
  free(out);
}

static void secrets_in_values(void **state) {
  (void)state;
  assert_redacted("hf_abcdefghijklmnopqrstuvwxyzABCDEF123456", "hf_abcdefghijklmnop");
  assert_redacted("token=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB end", "ghp_0123456789");
  assert_redacted("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABC");
  assert_redacted("glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-xxxxxxxx");
  assert_redacted("key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE");
  assert_redacted("sk-proj-abcdefghijklmnopqrstuvwxyz012345", "sk-proj-abcdefghij");
  assert_redacted("xoxb-1234567890-abcdefghij", "xoxb-1234567890");
  assert_redacted("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_-xyz", "eyJhbGciOiJIUzI1NiJ9");
  assert_redacted("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
                  "b3BlbnNzaC1rZXktdjEAAAAA");
  assert_redacted("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n", "MIGHAgEAMBMGByqGSM49");
  assert_redacted("https://user:hunter2@example.com/repo.git", "hunter2");
  assert_redacted("postgresql://trainer:p%40ss@db:5432/x", "p%40ss");
  assert_redacted("see s3://bucket and https://oauth2:glpat-secretsecretsecret@gitlab.com/x", "secretsecret");
}

static void ordinary_text_untouched(void **state) {
  (void)state;
  static const char *plain[] = {"/usr/local/cuda", "https://example.com/path?q=1", "lr=0.001",
                                "hf_", "shard-00001-of-00004.safetensors", "user@example.com",
                                "pkg:pypi/torch@2.1.0", "git@github.com:org/repo.git"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
    int changed = 1;
    char *out = mp_redact_value(plain[i], &changed);
    assert_string_equal(out, plain[i]);
    assert_false(changed);
    assert_false(mp_redact_value_changes(plain[i]));
    free(out);
  }
}

static void names(void **state) {
  (void)state;
  static const char *secret[] = {"HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "GITHUB_TOKEN",
                                 "WANDB_API_KEY", "MY_PASSWORD", "db_passwd", "OPENAI_API_KEY",
                                 "--api-key", "--hf-token", "CREDENTIALS_FILE", "SESSION_COOKIE"};
  for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
    if (!mp_redact_name_is_secret(secret[i])) fail_msg("%s should be secret", secret[i]);
  static const char *plain[] = {"PATH", "HOME", "PWD", "OLDPWD", "CUDA_VISIBLE_DEVICES", "LANG", "--epochs"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    if (mp_redact_name_is_secret(plain[i])) fail_msg("%s should not be secret", plain[i]);
  char *v = mp_redact_named("HF_TOKEN", "anything");
  assert_string_equal(v, MP_REDACTED);
  free(v);
}

static void argv_redaction(void **state) {
  (void)state;
  const char *argv[] = {"python", "train.py", "--api-key", "abc123", "--token=xyz", "--epochs", "3",
                        "hf_abcdefghijklmnopqrstuvwxyzABCDEF123456", NULL};
  char **out = mp_redact_argv(argv);
  assert_string_equal(out[0], "python");
  assert_string_equal(out[2], "--api-key");
  assert_string_equal(out[3], MP_REDACTED);
  assert_string_equal(out[4], "--token=" MP_REDACTED);
  assert_string_equal(out[5], "--epochs");
  assert_string_equal(out[6], "3");
  assert_string_equal(out[7], MP_REDACTED);
  assert_null(out[8]);
  mp_strv_free(out);
}

static void json_members_and_values(void **state) {
  (void)state;
  json_error_t je;
  json_t *in = json_loads("{\"lr\":0.5,\"db\":{\"password\":\"pw\",\"host\":\"h\"},"
                          "\"urls\":[\"https://u:hunter2@h/x\",3],\"hf_token\":{\"nested\":1}}", 0, &je);
  assert_non_null(in);
  json_t *out = mp_redact_json(in, NULL);
  char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text, "{\"db\":{\"host\":\"h\",\"password\":\"[REDACTED]\"},\"hf_token\":\"[REDACTED]\","
                            "\"lr\":0.5,\"urls\":[\"https://u:[REDACTED]@h/x\",3]}");
  json_t *again = mp_redact_json(out, NULL); /* idempotent */
  assert_true(json_equal(again, out));
  /* under a secret name, any value goes */
  json_t *named = mp_redact_json(in, "API_KEY");
  assert_string_equal(json_string_value(named), MP_REDACTED);
  free(text);
  json_decref(in);
  json_decref(out);
  json_decref(again);
  json_decref(named);
}

static void secrets_in_binary_data(void **state) {
  (void)state;
  uint8_t frame[80] = {0x08, 0x01, 0x9a, 0x06, 0x28, 0x00, 0x00};
  memcpy(frame + 7, "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", 42);
  assert_true(mp_redact_bytes_have_secret(frame, 7 + 42));
  static const uint8_t clean[] = {0x08, 0x01, 0x9a, 0x06, 0x06, 'f', 'u', 't', 'u', 'r', 'e', 0x00, 0xff};
  assert_false(mp_redact_bytes_have_secret(clean, sizeof clean));
  assert_false(mp_redact_bytes_have_secret(clean, 0));
}

/* mp_redact_value_changes says what mp_redact_value does, on strings made
 * of pieces of every pattern, separators and bytes above 0x7f. */
static void check_agrees_with_copy(void **state) {
  (void)state;
  static const char *const pieces[] = {"hf_", "ghp_", "github_pat_", "glpat-", "xoxb-", "sk-", "sk_live_", "rk_live_",
                                       "npm_", "pypi-", "AIza", "AKIA", "ASIA", "eyJ", ".", "-----BEGIN ",
                                       "PRIVATE KEY", "-----", "://", "@", ":", "/", " ", "_", "-", "abcdefghij",
                                       "ABCDEFGHIJ0123456789", "\xc3\xa9", "\n", "x"};
  unsigned seed = 7;
  int changed_seen = 0, unchanged_seen = 0;
  char s[512];
  for (int round = 0; round < 200000; round++) {
    size_t n = 0;
    int k = 1 + rand_r(&seed) % 12;
    for (int i = 0; i < k; i++) {
      const char *p = pieces[(unsigned)rand_r(&seed) % (sizeof pieces / sizeof pieces[0])];
      size_t l = strlen(p);
      if (n + l >= sizeof s) break;
      memcpy(s + n, p, l);
      n += l;
    }
    s[n] = '\0';
    int changed = -1;
    char *out = mp_redact_value(s, &changed);
    assert_non_null(out);
    if (mp_redact_value_changes(s) != changed) fail_msg("'%s': the check says %d, the copy %d", s, !changed, changed);
    changed ? changed_seen++ : unchanged_seen++;
    free(out);
  }
  assert_true(changed_seen > 1000 && unchanged_seen > 1000);
  assert_false(mp_redact_value_changes(NULL));
  assert_false(mp_redact_value_changes(""));
}

/* The scan skips ordinary text with a character table: every pattern's
 * first character, after every possible byte, at the start and after a run
 * of plain path text, is found exactly when the byte before it is not a
 * token character (letter, digit, '_', '-'); a URL password after any byte. */
static void every_pattern_after_every_byte(void **state) {
  (void)state;
  static const char *const secrets[] = {
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n",
      "AKIAIOSFODNN7EXAMPLE", "AIzaSyA0123456789abcdefghijklmnopqrstu",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
      "hf_abcdefghijklmnopqrstuvwxyzABCDEF", "npm_abcdefghijklmnopqrstuvwxyz0123456789",
      "pypi-abcdefghijklmnopqrstuvwxyz0123456789", "rk_live_abcdefghijklmnop", "sk-abcdefghijklmnopqrstuvwxyz",
      "xoxb-1234567890-abcdefghij"};
  char s[256];
  for (size_t k = 0; k < sizeof secrets / sizeof *secrets; k++)
    for (int c = 1; c < 256; c++)
      for (int lead = 0; lead < 2; lead++) {
        snprintf(s, sizeof s, "%s%c%s", lead ? "/data/train/shard-0001/" : "", c, secrets[k]);
        int tok = (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') || c == '_' || c == '-';
        if (mp_redact_value_changes(s) != !tok) fail_msg("byte %d before '%.12s...': expected %d", c, secrets[k], !tok);
      }
  for (int c = 1; c < 256; c++) {
    snprintf(s, sizeof s, "/x/%chttps://u:hunter2@h/y", c);
    if (!mp_redact_value_changes(s)) fail_msg("byte %d before a URL with a password", c);
  }
  assert_false(mp_redact_value_changes("/data/train/shard-0001/f-000123.jsonl"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(secrets_in_values),
      cmocka_unit_test(ordinary_text_untouched),
      cmocka_unit_test(names),
      cmocka_unit_test(argv_redaction),
      cmocka_unit_test(json_members_and_values),
      cmocka_unit_test(secrets_in_binary_data),
      cmocka_unit_test(check_agrees_with_copy),
      cmocka_unit_test(every_pattern_after_every_byte),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
