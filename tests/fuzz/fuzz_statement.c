/* fuzz_statement.c — libFuzzer target for the statement/provenance parser
 * used by verify: mp_statement_parse (strict JSON, then the in-toto and SLSA
 * checks through the typed protobuf messages) and the protobuf path
 * (mp_statement_from_pb, as for a .pb attestation). A statement that checks
 * must survive the JSON -> protobuf -> JSON round trip and check again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const json_t *st) {
  uint8_t *pb = NULL;
  size_t n = 0;
  if (mp_statement_to_pb(st, &pb, &n, NULL) != 0) abort(); /* it checked */
  json_t *back = NULL;
  if (mp_statement_from_pb(pb, n, &back, NULL) != 0) abort();
  if (mp_statement_check(back, NULL) != 0) abort();
  json_decref(back);
  free(pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *st = NULL;
  if (mp_statement_parse(data, size, &st, NULL) == 0) {
    round_trip(st);
    char *c = mp_json_canonical(st, NULL);
    free(c);
    json_decref(st);
  }
  st = NULL;
  if (mp_statement_from_pb(data, size, &st, NULL) == 0) {
    if (mp_statement_check(st, NULL) == 0) round_trip(st);
    json_decref(st);
  }
  return 0;
}
