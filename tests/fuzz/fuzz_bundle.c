/* fuzz_bundle.c — libFuzzer target for OpenSSF Model Signing bundles as
 * they come from a model hub: mp_bundle_parse (Sigstore bundle JSON, the
 * three verification-material kinds, the DSSE envelope), then the OMS
 * manifest parser on the envelope's payload (what verify parses once the
 * signature holds; a fuzzer cannot forge one, so it is called directly). */
#include <stdint.h>
#include <stdlib.h>

#include "bundle.h"
#include "oms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp_bundle *b = NULL;
  mp_err e;
  mp_err_clear(&e);
  if (mp_bundle_parse("fuzz", data, size, &b, &e) != 0) {
    if (!e.msg[0]) abort();
    return 0;
  }
  mp_oms_manifest *mf = NULL;
  if (mp_oms_manifest_parse(b->env->payload, b->env->payload_len, &mf, &e) == 0) mp_oms_manifest_free(mf);
  mp_bundle_free(b);
  /* the payload alone, as a statement the manifest parser must survive */
  if (mp_oms_manifest_parse(data, size, &mf, NULL) == 0) mp_oms_manifest_free(mf);
  return 0;
}
