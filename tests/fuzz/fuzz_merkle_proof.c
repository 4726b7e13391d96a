/* fuzz_merkle_proof.c — libFuzzer target for the dataset transparency
 * parsers: the proof file (dsproof.c) and the tree file (dstree.c); the first
 * input byte picks which (even: proof, odd: tree).
 *
 * Besides crashes and sanitizer reports it checks two properties:
 *   - one encoding per proof: a proof that parses encodes back to exactly
 *     the bytes it was parsed from;
 *   - soundness against a fixed commitment (the records "r0".."r6" of dataset
 *     "fuzz", format lines, as `mlprov dataset commit` builds it): a proof
 *     that verifies says "included" exactly when its record is one of them.
 *     A mutated proof that verified for the wrong answer would be a forgery.
 * Seeds: tests/fuzz/corpus/merkle_proof (make_seeds.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsclaim.h"
#include "merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NREC 7

static json_t *statement;            /* built once; the fuzzer never frees it */
static uint8_t committed[NREC][32];

static void setup(void) {
  for (int i = 0; i < NREC; i++) {
    char rec[4] = {'r', (char)('0' + i), 0, 0};
    mp_merkle_leaf_hash(rec, 2, committed[i]);
  }
  mp_dstree *t = NULL;
  if (mp_dstree_new("fuzz", MP_DSFMT_LINES, committed[0], NREC, 1, &t, NULL) != 0) abort();
  statement = mp_dsclaim_statement("fuzz", NULL, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 0,
                                   &t->commit, t->format);
  mp_dstree_free(t);
  if (!statement) abort();
}

static int is_committed(const uint8_t leaf[32]) {
  for (int i = 0; i < NREC; i++)
    if (memcmp(committed[i], leaf, 32) == 0) return 1;
  return 0;
}

static void fuzz_proof(const uint8_t *data, size_t size) {
  mp_dsproof *p = NULL;
  if (mp_dsproof_parse(data, size, &p, NULL) != 0) return;
  uint8_t *again = NULL;
  size_t len = 0;
  if (mp_dsproof_encode(p, &again, &len, NULL) != 0 || len != size || memcmp(again, data, size) != 0) abort();
  free(again);
  if (mp_dsclaim_verify(statement, p, p->record, NULL, NULL) == 0 &&
      (p->kind == MP_DSPROOF_INCLUDED) != is_committed(p->record))
    abort();
  mp_dsproof_free(p);
}

static void fuzz_tree(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return;
  memcpy(buf, data, size);
  mp_dstree *t = NULL;
  if (mp_dstree_parse("fuzz", buf, size, 1, &t, NULL) != 0) return; /* buf is freed either way */
  if (mp_dstree_sorted(t, NULL) == 0) {
    uint8_t probe[32] = {0};
    mp_dsproof *p = NULL;
    if (mp_dsproof_make(t, probe, &p, NULL) == 0) mp_dsproof_free(p);
  }
  mp_dstree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!statement) setup();
  if (size < 1) return 0;
  if (data[0] & 1) fuzz_tree(data + 1, size - 1);
  else fuzz_proof(data + 1, size - 1);
  return 0;
}
