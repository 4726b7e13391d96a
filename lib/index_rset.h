/* index_rset.h — what the query modules share (index_query.c runs the SQL,
 * index_lineage.c walks lineage, index_answer.c turns the answer into
 * JSON): sets of result records in result order with a hash from record id
 * to position, the rows read for them kept as text in one arena (a record
 * becomes JSON only when it is printed, one at a time, so a large answer
 * never exists as a tree of thousands of small allocations), the id-list
 * condition both backends read cheaply, and the lineage walk.
 *
 * Invariants: an id is in a set at most once; a record keeps its position
 * once its level is complete; record ids come from the database, never from
 * the user, so they may be written into SQL text. */
#ifndef MP_INDEX_RSET_H
#define MP_INDEX_RSET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "index_int.h"

/* What is kept of a record, each a list of rows (columns as selected in
 * index_query.c, without the leading record id). */
enum { MP_IK_ATT, MP_IK_SUBJECT, MP_IK_SIGNER, MP_IK_DATASET, MP_IK_BASE, MP_IK_MATCH, MP_IK_KINDS };

typedef struct mp_irec {
  int64_t id;
  int depth;          /* 0: direct match; n: n lineage edges away */
  int64_t via;        /* lineage: the record it was reached from (0: none) */
  char *via_base;     /* lineage: the base digest of that edge, as stored */
  json_t *statement;  /* --model records: the signed statement */
  uint32_t first[MP_IK_KINDS], last[MP_IK_KINDS]; /* rows: mp_istore handles, 0: none */
} mp_irec;

typedef struct mp_irset {
  mp_irec *v;
  size_t n, cap;
  int64_t *keys;      /* open addressing, 0 = empty (ids start at 1) */
  size_t *pos;
  size_t mcap;
} mp_irset;

void mp_irset_free(mp_irset *s);
/* Position of id, or (size_t)-1. */
size_t mp_irset_find(const mp_irset *s, int64_t id);
/* Appends id at depth (it must not be there yet); its position, or
 * (size_t)-1 when out of memory. */
size_t mp_irset_add(mp_irset *s, int64_t id, int depth);

/* Rows as text: values NUL-terminated in one arena; a row is its next row,
 * its column count and the offsets of its values in cells. */
typedef struct mp_istore {
  char *text;
  size_t tlen, tcap;
  uint32_t *cells;
  size_t clen, ccap;
} mp_istore;

void mp_istore_free(mp_istore *s);
/* Appends a row of n values (NULL for SQL NULL) to rec's list of kind. */
int mp_istore_add(mp_istore *s, mp_irec *rec, int kind, const char *const *vals, int n);
/* Row handle -> its next row (0: none), its n values (NULL for SQL NULL). */
uint32_t mp_istore_next(const mp_istore *s, uint32_t row);
int mp_istore_cols(const mp_istore *s, uint32_t row);
const char *mp_istore_val(const mp_istore *s, uint32_t row, int i);

/* A query's answer: the JSON head (query, backend, counts), and the
 * records of its lists (one, "results"; three for --model). */
struct mp_index_answer {
  json_t *head;
  int kind;                 /* mp_index_query_kind: what a match row holds */
  size_t nlists;
  const char *name[3];      /* "results" | "records", "ancestors", "descendants" */
  const char *peer[3];      /* what via names: "parent" or "child" */
  mp_irset set[3];
  mp_istore store;
};

/* The whole answer as one JSON object: the head's keys, then the lists. */
json_t *mp_index_answer_json(const mp_index_answer *a);

/* A digest as stored -> "sha256:HEX" or "ALG:HEX" (null when empty). */
json_t *mp_index_digest_json(const char *stored);

/* SQL text fmt whose one %s is the condition "col IN (1,2,3)" for SQLite
 * and "col = ANY('{1,2,3}'::bigint[])" for PostgreSQL (one constant to parse
 * and plan instead of thousands), for v[0..n) (malloc'd, NULL when out of
 * memory). */
char *mp_index_id_sql(const mp_index *idx, const char *fmt, const char *col, const int64_t *v, size_t n);

/* The lineage walk. Breadth first from the records `from` (ids, in result
 * order): down to the records whose base model is a subject of the frontier
 * (children), or up to the records with a subject that is a base model of
 * the frontier (parents). A record already in `into` or `skip` is not added
 * again (a forged cycle ends the walk). Records of `into` already at depth 1
 * are part of the first level (the model query puts the records that name
 * the model's digest there). Each level is appended to `into` in id order,
 * after those, with via = the frontier record it was first reached from (in
 * result order) and the smallest base digest of that edge. The reachable
 * edges are read first — on SQLite in one recursive CTE, on PostgreSQL one
 * statement a level — and the levels worked out in C. At most 1000 levels. */
int mp_index_lineage_walk(mp_index *idx, const int64_t *from, size_t nfrom, int down, mp_irset *into,
                          const mp_irset *skip, mp_err *e);

#endif
