/* index_lineage.c — the lineage walk of the index queries (index_rset.h),
 * the record sets the queries collect results in, and the id lists they
 * send.
 *
 * Lineage edges: a record whose lineage.base_digest equals a subject digest
 * of another record is that record's child. The walk reads every edge
 * reachable from the start in one recursive CTE (the same SQL on SQLite and
 * PostgreSQL). The CTE is a UNION over (to, from, base digest) rows, so it
 * ends on any graph, forged cycles included, after reading each reachable
 * edge once; the breadth-first levels (depth, first parent, order) are then
 * worked out in C, where "already listed" is a set lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_rset.h"

#define MAX_DEPTH 1000

/* --- record sets ---------------------------------------------------------- */

static size_t slot_of(int64_t id, size_t mcap) {
  return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 17) & (mcap - 1);
}

void mp_irset_free(mp_irset *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    free(s->v[i].via_base);
    json_decref(s->v[i].statement);
  }
  free(s->v);
  free(s->keys);
  free(s->pos);
  memset(s, 0, sizeof *s);
}

size_t mp_irset_find(const mp_irset *s, int64_t id) {
  if (!s->mcap) return (size_t)-1;
  for (size_t i = slot_of(id, s->mcap);; i = (i + 1) & (s->mcap - 1)) {
    if (s->keys[i] == id) return s->pos[i];
    if (s->keys[i] == 0) return (size_t)-1;
  }
}

static int rehash(mp_irset *s, size_t mcap) {
  int64_t *keys = calloc(mcap, sizeof *keys);
  size_t *pos = malloc(mcap * sizeof *pos);
  if (!keys || !pos) {
    free(keys);
    free(pos);
    return -1;
  }
  for (size_t p = 0; p < s->n; p++) {
    size_t i = slot_of(s->v[p].id, mcap);
    while (keys[i]) i = (i + 1) & (mcap - 1);
    keys[i] = s->v[p].id;
    pos[i] = p;
  }
  free(s->keys);
  free(s->pos);
  s->keys = keys;
  s->pos = pos;
  s->mcap = mcap;
  return 0;
}

size_t mp_irset_add(mp_irset *s, int64_t id, int depth) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? 2 * s->cap : 64;
    mp_irec *nv = realloc(s->v, nc * sizeof *nv);
    if (!nv) return (size_t)-1;
    s->v = nv;
    s->cap = nc;
  }
  if (2 * (s->n + 1) > s->mcap && rehash(s, s->mcap ? 2 * s->mcap : 128)) return (size_t)-1;
  size_t p = s->n++;
  s->v[p] = (mp_irec){.id = id, .depth = depth};
  size_t i = slot_of(id, s->mcap);
  while (s->keys[i]) i = (i + 1) & (s->mcap - 1);
  s->keys[i] = id;
  s->pos[i] = p;
  return p;
}

static char *id_cond(const mp_index *idx, const char *col, const int64_t *v, size_t n) {
  int pg = idx->ops == &mp_idb_pg;
  size_t cap = strlen(col) + n * 21 + 40;
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t o = (size_t)snprintf(s, cap, pg ? "%s = ANY('{" : "%s IN (", col);
  for (size_t i = 0; i < n; i++) o += (size_t)snprintf(s + o, cap - o, "%s%lld", i ? "," : "", (long long)v[i]);
  snprintf(s + o, cap - o, pg ? "}'::bigint[])" : ")");
  return s;
}

char *mp_index_id_sql(const mp_index *idx, const char *fmt, const char *col, const int64_t *v, size_t n) {
  char *cond = id_cond(idx, col, v, n);
  size_t len = cond ? strlen(fmt) + strlen(cond) + 1 : 0;
  char *sql = cond ? malloc(len) : NULL;
  if (sql) snprintf(sql, len, fmt, cond);
  free(cond);
  return sql;
}

/* --- the walk --------------------------------------------------------------- */

typedef struct edge {
  int64_t to, from;
  char *base;
} edge;

static int by_from(const void *a, const void *b) {
  const edge *x = a, *y = b;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  int c = strcmp(x->base, y->base);
  if (c) return c;
  return x->to < y->to ? -1 : x->to > y->to;
}

static int by_id(const void *a, const void *b) {
  const mp_irec *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Every edge reachable from the start, rows (to, from, base digest). On
 * SQLite in one recursive CTE: the recursive part joins from the rows found
 * last, so each edge is expanded once, and UNION keeps a row that was seen
 * before from coming back (a cycle ends). PostgreSQL would run the same CTE
 * with a hash table for the UNION sized by the planner's guess of the
 * result, which was often millions of rows: a memset of up to hash_mem, one
 * page fault every 4 KiB, hundreds of milliseconds before the first row. So
 * on PostgreSQL the walk is one statement a level, each record expanded once,
 * its frontier an array the planner sees the size of. */
#define EDGE_DOWN                                                                                              \
  "SELECT l.att_id, s.att_id, l.base_digest FROM subjects s JOIN lineage l ON l.base_digest = s.digest WHERE "
#define EDGE_UP                                                                                                \
  "SELECT s.att_id, l.att_id, l.base_digest FROM lineage l JOIN subjects s ON s.digest = l.base_digest WHERE "
static const char *const cte_sql[2] = {
    /* up: parents (to) of children (from) */
    "WITH RECURSIVE e(t, f, b) AS (" EDGE_UP "%s UNION SELECT s.att_id, l.att_id, l.base_digest FROM e"
    " JOIN lineage l ON l.att_id = e.t JOIN subjects s ON s.digest = l.base_digest) SELECT t, f, b FROM e",
    /* down: children (to) of parents (from) */
    "WITH RECURSIVE e(t, f, b) AS (" EDGE_DOWN "%s UNION SELECT l.att_id, s.att_id, l.base_digest FROM e"
    " JOIN subjects s ON s.att_id = e.t JOIN lineage l ON l.base_digest = s.digest) SELECT t, f, b FROM e"};
static const char *const level_sql[2] = {EDGE_UP "%s", EDGE_DOWN "%s"};

typedef struct edges {
  edge *v;
  size_t n, cap;
} edges;

static void edges_free(edges *x) {
  for (size_t i = 0; i < x->n; i++) free(x->v[i].base);
  free(x->v);
}

/* Runs fmt (one %s: the id condition on col over ids) and appends its rows
 * (to, from, base digest). */
static int edges_query(mp_index *idx, const char *fmt, const char *col, const int64_t *ids, size_t nids,
                       edges *x, mp_err *e) {
  char *sql = mp_index_id_sql(idx, fmt, col, ids, nids);
  if (!sql) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(idx, sql, NULL, 0, &r, e);
  free(sql);
  int more;
  while (rc == 0 && (more = idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    if (x->n == x->cap) {
      size_t nc = x->cap ? 2 * x->cap : 256;
      edge *nv = realloc(x->v, nc * sizeof *nv);
      if (!nv) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
      x->v = nv;
      x->cap = nc;
    }
    const char *b = idx->ops->col(r, 2);
    edge *g = &x->v[x->n];
    g->to = strtoll(idx->ops->col(r, 0), NULL, 10);
    g->from = strtoll(idx->ops->col(r, 1), NULL, 10);
    if (!(g->base = strdup(b ? b : ""))) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    x->n++;
  }
  idx->ops->rows_free(r);
  return rc;
}

static int read_edges(mp_index *idx, const int64_t *from, size_t nfrom, int down, edge **out, size_t *nout,
                      mp_err *e) {
  const char *col = down ? "s.att_id" : "l.att_id";
  edges x = {0};
  int rc;
  if (idx->ops != &mp_idb_pg) {
    rc = edges_query(idx, cte_sql[down], col, from, nfrom, &x, e);
  } else {
    /* level by level: expanded holds every record asked about */
    mp_irset expanded = {0};
    size_t fcap = nfrom ? nfrom : 1, nfront = 0;
    int64_t *front = malloc(fcap * sizeof *front);
    rc = front ? 0 : mp_err_set(e, MP_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < nfrom; i++) {
      if (mp_irset_find(&expanded, from[i]) != (size_t)-1) continue;
      if (mp_irset_add(&expanded, from[i], 0) == (size_t)-1) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      else front[nfront++] = from[i];
    }
    while (rc == 0 && nfront) {
      size_t first = x.n;
      rc = edges_query(idx, level_sql[down], col, front, nfront, &x, e);
      nfront = 0;
      for (size_t i = first; rc == 0 && i < x.n; i++) {
        if (mp_irset_find(&expanded, x.v[i].to) != (size_t)-1) continue;
        if (nfront == fcap) {
          int64_t *nf = realloc(front, 2 * fcap * sizeof *nf);
          if (!nf) {
            rc = mp_err_set(e, MP_ENOMEM, "out of memory");
            break;
          }
          front = nf;
          fcap *= 2;
        }
        if (mp_irset_add(&expanded, x.v[i].to, 0) == (size_t)-1) {
          rc = mp_err_set(e, MP_ENOMEM, "out of memory");
          break;
        }
        front[nfront++] = x.v[i].to;
      }
    }
    free(front);
    mp_irset_free(&expanded);
  }
  if (rc) {
    edges_free(&x);
    return rc;
  }
  if (x.n) qsort(x.v, x.n, sizeof *x.v, by_from);
  *out = x.v;
  *nout = x.n;
  return 0;
}

/* First edge leaving `from` (edges sorted by from), or n. */
static size_t first_from(const edge *v, size_t n, int64_t from) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid].from < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int mp_index_lineage_walk(mp_index *idx, const int64_t *from, size_t nfrom, int down, mp_irset *into,
                          const mp_irset *skip, mp_err *e) {
  if (nfrom == 0 && into->n == 0) return 0;
  /* the edges out of the records already at depth 1 are needed too */
  size_t nstart = nfrom;
  for (size_t i = 0; i < into->n; i++) nstart += into->v[i].depth == 1;
  int64_t *start = malloc((nstart ? nstart : 1) * sizeof *start);
  if (!start) return mp_err_set(e, MP_ENOMEM, "out of memory");
  memcpy(start, from, nfrom * sizeof *from);
  for (size_t i = 0, k = nfrom; i < into->n; i++)
    if (into->v[i].depth == 1) start[k++] = into->v[i].id;
  edge *ev = NULL;
  size_t ne = 0;
  int rc = nstart ? read_edges(idx, start, nstart, down, &ev, &ne, e) : 0;
  free(start);
  if (rc) return rc;

  /* frontier: the ids of the last level, in result order */
  int64_t *front = malloc((nfrom ? nfrom : 1) * sizeof *front);
  size_t nfront = nfrom;
  if (!front) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  else memcpy(front, from, nfrom * sizeof *from);
  for (int depth = 1; rc == 0 && depth <= MAX_DEPTH; depth++) {
    size_t level = into->n; /* this level's new records start here */
    for (size_t f = 0; rc == 0 && f < nfront; f++) {
      for (size_t i = first_from(ev, ne, front[f]); i < ne && ev[i].from == front[f]; i++) {
        int64_t to = ev[i].to;
        if (mp_irset_find(into, to) != (size_t)-1 || (skip && mp_irset_find(skip, to) != (size_t)-1)) continue;
        size_t p = mp_irset_add(into, to, depth);
        if (p == (size_t)-1 || !(into->v[p].via_base = strdup(ev[i].base))) {
          rc = mp_err_set(e, MP_ENOMEM, "out of memory");
          break;
        }
        into->v[p].via = front[f];
      }
    }
    if (rc) break;
    /* a level is listed in id order; positions change, so the hash too */
    if (into->n - level > 1) {
      qsort(into->v + level, into->n - level, sizeof *into->v, by_id);
      if (rehash(into, into->mcap)) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
    }
    /* the next frontier: every record at this depth (those placed before
     * the walk first) */
    size_t first = level;
    while (first > 0 && into->v[first - 1].depth == depth) first--;
    nfront = into->n - first;
    if (nfront == 0) break;
    int64_t *nf = realloc(front, nfront * sizeof *nf);
    if (!nf) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    front = nf;
    for (size_t i = 0; i < nfront; i++) front[i] = into->v[first + i].id;
  }
  free(front);
  for (size_t i = 0; i < ne; i++) free(ev[i].base);
  free(ev);
  return rc;
}
