/* dsproof.h — proofs that a record was, or was not, in a dataset, checkable by
 * anyone who holds the signed roots (schema/dataset-transparency.md):
 *
 *   included      one RFC 9162 inclusion proof of the record's leaf hash in
 *                 the record tree
 *   not included  inclusion proofs in the sorted tree of the two adjacent
 *                 leaves whose hashes enclose the record's hash (index i and
 *                 i+1, leaf_i < h < leaf_i+1), or of the first leaf when h is
 *                 smaller than all (index 0) or of the last when it is larger
 *                 than all (index M-1)
 *
 * The proof file (integers big-endian, exact length, nothing else):
 *
 *   offset  size  field
 *   0       4     magic "MPRF"
 *   4       1     version = 1
 *   5       1     kind: 1 included, 2 not included
 *   6       1     record format (dsrecord.h)
 *   7       1     C = number of leaf entries (included: 1; not included: 1 or 2)
 *   8       8     tree size (record tree when included, sorted tree when not)
 *   16      32    that tree's root
 *   48      32    the record's leaf hash SHA-256(0x00 || record)
 *   80      2     L = dataset name length (1..65535)
 *   82      L     dataset name
 *   then C entries:
 *           8     leaf index
 *           32    leaf hash at that index
 *           1     P = inclusion path length (0..64)
 *           32*P  inclusion path, RFC 9162 order (the leaf's sibling first)
 *
 * An inclusion proof is 32*ceil(log2 n) + L + 123 bytes at most. The roots
 * and size in a proof file are claims: mp_dsproof_verify checks them against
 * the trusted ones, which the caller takes from a signed statement.
 */
#ifndef MP_DSPROOF_H
#define MP_DSPROOF_H

#include <stddef.h>
#include <stdint.h>

#include "dstree.h"
#include "err.h"
#include "merkle.h"

#define MP_DSPROOF_MAGIC "MPRF"
#define MP_DSPROOF_MAX (1u << 17)

enum { MP_DSPROOF_INCLUDED = 1, MP_DSPROOF_ABSENT = 2 };

typedef struct mp_dsproof_leaf {
  uint64_t index;
  uint8_t leaf[MP_SHA256_LEN];
  size_t pathlen;
  mp_hash32 path[MP_MERKLE_MAX_PATH];
} mp_dsproof_leaf;

typedef struct mp_dsproof {
  int kind;                          /* MP_DSPROOF_INCLUDED or MP_DSPROOF_ABSENT */
  mp_dsformat format;
  char *name;                        /* dataset name */
  uint64_t size;                     /* of the tree the proof is in */
  uint8_t root[MP_SHA256_LEN];
  uint8_t record[MP_SHA256_LEN];     /* the record's leaf hash */
  size_t nleaves;                    /* 1 or 2 */
  mp_dsproof_leaf leaves[2];
  uint64_t occurrences;              /* made by mp_dsproof_make: times the record occurs */
} mp_dsproof;

/* Proves the record with leaf hash `record` in or out of tree t. */
int mp_dsproof_make(mp_dstree *t, const uint8_t record[MP_SHA256_LEN], mp_dsproof **out, mp_err *e);

/* Serializes a proof (malloc'd buffer). */
int mp_dsproof_encode(const mp_dsproof *p, uint8_t **buf, size_t *len, mp_err *e);
/* Parses a proof file; MP_EPARSE with the reason when it is malformed. */
int mp_dsproof_parse(const uint8_t *buf, size_t len, mp_dsproof **out, mp_err *e);
void mp_dsproof_free(mp_dsproof *p);

/* Checks p for the record whose leaf hash is `record` against the trusted
 * size and root of the tree p->kind names (record tree when included, sorted
 * tree when not). 0 when the proof holds, MP_EVERIFY with the reason. */
int mp_dsproof_verify(const mp_dsproof *p, const uint8_t record[MP_SHA256_LEN],
                      uint64_t trusted_size, const uint8_t trusted_root[MP_SHA256_LEN], mp_err *e);

#endif
