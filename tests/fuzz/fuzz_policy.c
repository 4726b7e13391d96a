/* fuzz_policy.c — libFuzzer target for the promotion-policy parser
 * (mp_policy_parse: YAML through libyaml into JSON, then every section with
 * its allowed keys, version ranges, package URLs, inline PEM keys). Policies
 * are written by people, often copied from elsewhere: a malformed one must
 * be an error message, never a crash. Key files are not read (no directory
 * is given, so a relative `file:` fails to load like a missing file). */
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp_policy *p = NULL;
  mp_err e;
  mp_err_clear(&e);
  if (mp_policy_parse("fuzz", (const char *)data, size, "/nonexistent", &p, &e) == 0) {
    size_t n = 0;
    free(mp_policy_trusted_keys(p, 0, &n));
    free(mp_policy_model_keys(p, 0, &n));
    mp_policy_free(p);
  } else if (!e.msg[0]) {
    abort(); /* every refusal says why */
  }
  return 0;
}
