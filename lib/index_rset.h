/* index_rset.h — what the query modules share (index_query.c,
 * index_lineage.c): a set of result records in result order with a hash from
 * record id to position, the id-list condition both backends read cheaply,
 * and the lineage walk.
 *
 * Invariants: an id is in a set at most once; positions only grow (a record
 * keeps its place); record ids come from the database, never from the user,
 * so they may be written into SQL text. */
#ifndef MP_INDEX_RSET_H
#define MP_INDEX_RSET_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "index_int.h"

typedef struct mp_irec {
  int64_t id;
  int depth;          /* 0: direct match; n: n lineage edges away */
  int64_t via;        /* lineage: the record it was reached from (0: none) */
  char *via_base;     /* lineage: the base digest of that edge, as stored */
  json_t *matched;    /* direct: what matched, or NULL */
  json_t *obj;        /* the record's summary (index_query.c fills it) */
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

/* SQL condition "col IN (1,2,3)" for SQLite and "col = ANY('{1,2,3}'::bigint[])"
 * for PostgreSQL (one constant to parse and plan instead of thousands), for
 * v[0..n) (malloc'd, NULL when out of memory). */
char *mp_index_id_cond(const mp_index *idx, const char *col, const int64_t *v, size_t n);

/* The lineage walk. Breadth first from the records `from` (ids, in result
 * order): down to the records whose base model is a subject of the frontier
 * (children), or up to the records with a subject that is a base model of
 * the frontier (parents). A record already in `into` or `skip` is not added
 * again (a forged cycle ends the walk). Records of `into` already at depth 1
 * are part of the first level (the model query puts the records that name
 * the model's digest there). Each level is appended to `into` in id order,
 * after those, with via = the frontier record it was first reached from (in
 * result order) and the smallest base digest of that edge. All reachable
 * edges are read in one query (a recursive CTE): one round trip whatever the
 * depth. At most 1000 levels. */
int mp_index_lineage_walk(mp_index *idx, const int64_t *from, size_t nfrom, int down, mp_irset *into,
                          const mp_irset *skip, mp_err *e);

#endif
