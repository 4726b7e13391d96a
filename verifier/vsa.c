/* vsa.c — see vsa.h. */
#include "vsa.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "statement.h"

int mp_vsa_build(const json_t *r, const char *resource_uri, json_t **out, mp_err *e) {
  if (strcmp(json_string_value(json_object_get(r, "verdict")), "PASS") != 0)
    return mp_err_set(e, MP_EUSAGE, "a verification summary is only written for a passing model");
  json_t *gens = json_object_get(r, "generations");
  json_t *g0 = json_array_get(gens, 0);
  const char *model = json_string_value(json_object_get(r, "model"));
  const char *sha = json_string_value(json_object_get(g0, "sha256"));
  json_t *inputs = json_array();
  size_t i;
  json_t *g;
  json_array_foreach(gens, i, g) {
    const char *prov = json_string_value(json_object_get(g, "provenance"));
    if (!prov) continue;
    mp_file_digest d;
    if (mp_digest_file(prov, "sha256", &d, e) != 0) {
      json_decref(inputs);
      return mp_err_prefix(e, "hashing input attestation");
    }
    char *uri = prov[0] == '/' ? mp_file_uri(prov) : NULL;
    json_array_append_new(inputs, json_pack("{s:s, s:{s:s}}", "uri", uri ? uri : prov, "digest", "sha256", d.hex));
    free(uri);
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  now.tv_nsec = 0;
  char ts[64];
  mp_time_format(&now, ts, sizeof ts);
  const char *base = strrchr(model, '/');
  json_t *policy = json_object_get(r, "policy");
  json_t *st = json_pack(
      "{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:{s:s, s:{s:s}}, s:s, s:s, s:{s:O, s:{s:O}}, s:o, s:s, s:[s], s:s}}",
      "_type", MP_STATEMENT_TYPE, "subject", "name", base && base[1] ? base + 1 : model, "digest", "sha256", sha,
      "predicateType", MP_VSA_PREDICATE, "predicate", "verifier", "id", MP_VERIFIER_ID, "version", "mlprov",
      MLPROV_VERSION, "timeVerified", ts, "resourceUri", resource_uri ? resource_uri : model, "policy", "uri",
      json_object_get(policy, "path"), "digest", "sha256", json_object_get(policy, "sha256"), "inputAttestations",
      inputs, "verificationResult", "PASSED", "verifiedLevels", "SLSA_BUILD_LEVEL_1", "slsaVersion", "1.0");
  if (!st) return mp_err_set(e, MP_ENOMEM, "out of memory building the verification summary");
  *out = st;
  return 0;
}
