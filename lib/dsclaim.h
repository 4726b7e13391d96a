/* dsclaim.h — a dataset commitment inside a signed in-toto statement: where
 * mlprov puts the roots (so they are signed with the provenance) and where a
 * verifier finds them again. A dataset is a ResourceDescriptor named after
 * the dataset, either in an SLSA v1 provenance's resolvedDependencies
 * (annotations.kind = "dataset", written by `mlprov run`) or a subject of a
 * dataset commitment statement (predicateType MP_DSCLAIM_PREDICATE, written
 * by `mlprov dataset commit --key`). Its annotations:
 *
 *   recordsTreeType          "rfc9162-sha256" (the only one; absent = that)
 *   recordsMerkleRoot        hex root of the record tree
 *   recordsTreeSize          number of records
 *   recordsSortedMerkleRoot  hex root of the sorted tree of distinct records
 *   recordsSortedTreeSize    number of distinct records
 *   recordFormat             records | lines | files | jsonl (absent = records)
 */
#ifndef MP_DSCLAIM_H
#define MP_DSCLAIM_H

#include <jansson.h>

#include "dsproof.h"
#include "dsrecord.h"
#include "dstree.h"
#include "err.h"

#define MP_DSCLAIM_PREDICATE "https://mlprov.dev/dataset-commitment/v1"
#define MP_DSCLAIM_TREE_TYPE "rfc9162-sha256"

typedef struct mp_dsclaim {
  const char *name;           /* borrowed from the statement */
  mp_dsformat format;
  mp_dscommit commit;
  int has_sorted;             /* the sorted tree is committed too */
} mp_dsclaim;

/* Sets the annotations above on rd. */
int mp_dsclaim_annotate(json_t *rd, const mp_dscommit *c, mp_dsformat fmt);

/* Finds dataset `name` with a records commitment in a (verified) statement.
 * MP_EVERIFY naming the datasets that are there when it is absent or when its
 * annotations are malformed. */
int mp_dsclaim_find(const json_t *statement, const char *name, mp_dsclaim *out, mp_err *e);

/* Checks proof p for the record with leaf hash `record` against the dataset
 * it names in the statement: same record format, then mp_dsproof_verify with
 * the signed size and root of the proof's tree. */
int mp_dsclaim_verify(const json_t *statement, const mp_dsproof *p,
                      const uint8_t record[MP_SHA256_LEN], mp_dsclaim *used, mp_err *e);

/* A dataset commitment statement: one subject (the dataset: name, uri, its
 * sha256 -- a file's, or a directory's OMS files root when is_dir), annotated
 * with the commitment; predicate {recorder: {version}, committedOn}. */
json_t *mp_dsclaim_statement(const char *name, const char *uri, const char *sha256_hex, int is_dir,
                             const mp_dscommit *c, mp_dsformat fmt);

#endif
