/* fuzz_attest.c — libFuzzer target for the attestation parser used by
 * `mlprov verify` (mp_attest_parse: a JSON envelope, JSON Lines, a Sigstore
 * bundle, mlprov's protobuf Attestation), then what verify does next with
 * what it parsed: re-encode the envelope (JSON and protobuf) and parse its
 * payload as a Statement, and the compact envelope reader agrees with the
 * general JSON one on everything it accepts. Signatures are not checked (a fuzzer cannot forge
 * one); the parser is what must survive any input. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "dsse.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compact reader (no JSON tree) must agree with the general one on
 * everything it accepts: same payload type, payload, signatures, key ids;
 * and when it takes the text's SHA-256 for the envelope's, the text must be
 * exactly what mp_dsse_to_json writes. */
static void compact_agrees(const uint8_t *data, size_t size) {
  mp_dsse *fast = NULL;
  if (mp_dsse_from_compact_json((const char *)data, size, &fast) != 1) return;
  json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  mp_dsse *slow = NULL;
  if (!v || mp_dsse_from_json_value(v, &slow, NULL) != 0) abort();
  json_decref(v);
  if (strcmp(fast->payload_type, slow->payload_type) != 0 || fast->payload_len != slow->payload_len ||
      memcmp(fast->payload, slow->payload, fast->payload_len) != 0 || fast->nsigs != slow->nsigs)
    abort();
  for (size_t i = 0; i < fast->nsigs; i++) {
    const mp_dsse_sig *a = &fast->sigs[i], *b = &slow->sigs[i];
    if (a->sig_len != b->sig_len || memcmp(a->sig, b->sig, a->sig_len) != 0 || !a->keyid != !b->keyid ||
        (a->keyid && strcmp(a->keyid, b->keyid) != 0))
      abort();
  }
  uint8_t cached[32], encoded[32];
  if (fast->has_json_sha256) {
    if (mp_dsse_json_sha256(fast, cached, NULL) != 0) abort();
    fast->has_json_sha256 = 0;
    if (mp_dsse_json_sha256(fast, encoded, NULL) != 0) abort();
    if (memcmp(cached, encoded, 32) != 0) abort();
  }
  mp_dsse_free(fast);
  mp_dsse_free(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  compact_agrees(data, size);
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
