/* dstree.h — a dataset's commitment: two RFC 9162 trees over its records'
 * leaf hashes (schema/dataset-transparency.md is the specification):
 *
 *   the record tree   every record in the order it was seen (duplicates kept):
 *                     root = recordsMerkleRoot, size = recordsTreeSize;
 *                     proves that a record was in the data, and where
 *   the sorted tree   the distinct leaf hashes in increasing byte order:
 *                     root = recordsSortedMerkleRoot, size =
 *                     recordsSortedTreeSize; proves that a record was not in
 *                     the data (two adjacent leaves around its hash)
 *
 * and the compact tree file that keeps the record tree's leaves so that proofs
 * can be made later (the sorted tree is rebuilt from them):
 *
 *   offset  size  field (integers big-endian)
 *   0       4     magic "MPTR"
 *   4       1     version = 1
 *   5       1     record format (dsrecord.h: 0 records, 1 lines, 2 files, 3 jsonl)
 *   6       2     L = length of the dataset name (1..65535, UTF-8, no NUL)
 *   8       8     N = number of records (>= 1)
 *   16      8     M = number of distinct records (1..N)
 *   24      32    record tree root
 *   56      32    sorted tree root
 *   88      L     dataset name
 *   88+L    32*N  leaf hashes, in record order
 *
 * Loading a tree file checks its length and recomputes the record tree root
 * (a corrupt file is refused before it can yield a proof that fails later);
 * the sorted tree and its root are checked when first needed.
 */
#ifndef MP_DSTREE_H
#define MP_DSTREE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "dsrecord.h"
#include "err.h"

#define MP_DSTREE_MAGIC "MPTR"
#define MP_DSTREE_HEADER 88
#define MP_DSTREE_SUFFIX ".mptree"

typedef struct mp_dscommit {
  uint64_t size;                    /* records: the record tree's size */
  uint8_t root[MP_SHA256_LEN];
  uint64_t distinct;                /* the sorted tree's size */
  uint8_t sorted_root[MP_SHA256_LEN];
} mp_dscommit;

/* The distinct leaves in increasing order: *sorted is malloc'd (NULL when
 * n == 0), *m their count. */
int mp_dstree_sort(const uint8_t *leaves, size_t n, unsigned threads, uint8_t **sorted, size_t *m,
                   mp_err *e);
/* Both roots over n leaves (threads: 0 = one per CPU). When sorted is not
 * NULL the sorted leaves are handed over (free them). */
int mp_dstree_commit(const uint8_t *leaves, size_t n, unsigned threads, mp_dscommit *c,
                     uint8_t **sorted, mp_err *e);

/* Writes a tree file atomically. exclusive: an existing path is MP_EEXISTS. */
int mp_dstree_write(const char *path, const char *name, mp_dsformat fmt, const uint8_t *leaves,
                    size_t n, const mp_dscommit *c, int exclusive, mp_err *e);

typedef struct mp_dstree {
  char *name;
  mp_dsformat format;
  mp_dscommit commit;
  const uint8_t *leaves;            /* N leaf hashes, record order (in buf) */
  uint8_t *sorted;                  /* distinct leaves, NULL until mp_dstree_sorted */
  unsigned threads;
  uint8_t *buf;                     /* the file */
} mp_dstree;

int mp_dstree_load(const char *path, unsigned threads, mp_dstree **out, mp_err *e);
/* A tree over n leaves, in memory (as if written and loaded again). */
int mp_dstree_new(const char *name, mp_dsformat fmt, const uint8_t *leaves, size_t n, unsigned threads,
                  mp_dstree **out, mp_err *e);
/* Parses a tree file already in memory (takes ownership of buf). */
int mp_dstree_parse(const char *what, uint8_t *buf, size_t len, unsigned threads, mp_dstree **out,
                    mp_err *e);
/* Builds the sorted leaves once and checks them against the header. */
int mp_dstree_sorted(mp_dstree *t, mp_err *e);
void mp_dstree_free(mp_dstree *t);

#endif
