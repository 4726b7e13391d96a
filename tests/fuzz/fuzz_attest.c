/* fuzz_attest.c — libFuzzer target for the attestation parser used by
 * `mlprov verify` (mp_attest_parse: a JSON envelope, JSON Lines, a Sigstore
 * bundle, mlprov's protobuf Attestation), then what verify does next with
 * what it parsed: re-encode the envelope (JSON and protobuf) and parse its
 * payload as a Statement. Signatures are not checked (a fuzzer cannot forge
 * one); the parser is what must survive any input. */
#include <stdint.h>
#include <stdlib.h>

#include "attest.h"
#include "dsse.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp_attest_file *f = NULL;
  if (mp_attest_parse("fuzz", data, size, &f, NULL) != 0) return 0;
  for (size_t i = 0; i < f->n; i++) {
    const mp_dsse *env = f->entries[i].env;
    char *json = NULL;
    size_t jlen = 0;
    if (mp_dsse_to_json(env, &json, &jlen, NULL) == 0) {
      mp_dsse *back = NULL;
      if (mp_dsse_from_json(json, jlen, &back, NULL) != 0) abort(); /* what we write, we read */
      mp_dsse_free(back);
    }
    free(json);
    uint8_t *pb = NULL;
    size_t pblen = 0;
    if (mp_dsse_to_pb(env, &pb, &pblen, NULL) == 0) {
      mp_dsse *back = NULL;
      if (mp_dsse_from_pb(pb, pblen, &back, NULL) == 0) mp_dsse_free(back);
    }
    free(pb);
    json_t *st = NULL;
    if (mp_statement_parse(env->payload, env->payload_len, &st, NULL) == 0) json_decref(st);
  }
  mp_attest_file_free(f);
  return 0;
}
