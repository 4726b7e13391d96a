/* index_query.c — the responder's queries (`mlprov index query`), the same
 * SQL on both backends.
 *
 * Each query finds a seed set of attestations through one index (packages by
 * base or normalised name then their posting lists, datasets by name, digest
 * or Merkle root, signers by key id, subjects by digest, attestations by
 * time), restricted to the --since/--until window, in one query that also
 * brings each record's attestation row; lineage is walked by index_lineage.c.
 * The window restricts the seeds only: a fine-tune of an affected model is
 * affected whenever it was trained. Then the subjects and signers of every
 * result (and the attestation rows of those found through lineage) are read
 * with one query each for the whole result set (an id list: ids come from
 * the database, never from the user), so the statements a query costs —
 * round trips on PostgreSQL — do not grow with the records it returns. The
 * rows are kept as text (index_rset.h); index_answer.c makes them JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_rset.h"
#include "purl.h"
#include "version.h"

#define NOPOS ((size_t)-1)

typedef struct qctx {
  mp_index *idx;
  const mp_index_query *q;
  mp_index_answer *a;
  mp_irset *main;  /* results, or the records that produced the model */
} qctx;

static int64_t *ids_of(const mp_irset *s) {
  int64_t *v = malloc((s->n ? s->n : 1) * sizeof *v);
  for (size_t i = 0; v && i < s->n; i++) v[i] = s->v[i].id;
  return v;
}

/* The attestation columns a record shows (MP_IK_ATT), on alias a. */
#define ATT_COLS                                                                                              \
  "a.envelope_sha256, a.verified, a.verify_error, a.builder_id, a.invocation_id, a.started_on, a.finished_on," \
  " a.added_from, a.predicate_type, a.source_uri, a.source_repo, a.source_commit, a.source_branch, a.source_dirty"
#define NATT 14

/* Keeps columns first..first+n of the current row as a row of kind for rec. */
static int keep(qctx *c, mp_idb_rows *r, mp_irec *rec, int kind, int first, int n, mp_err *e) {
  const char *vals[16];
  for (int i = 0; i < n; i++) vals[i] = c->idx->ops->col(r, first + i);
  int rc = mp_istore_add(&c->a->store, rec, kind, vals, n);
  return rc ? mp_err_set(e, rc, rc == MP_ENOMEM ? "out of memory" : "query answer too large") : 0;
}

/* --- reading rows for a result set -------------------------------------------- */

static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Runs sql (one %s: the id condition on col) over the distinct ids of the
 * sets' records that have no row of kind yet, and keeps each row's columns
 * after the id (ncols of them; ncols 0: the statement) for every set record
 * of its id (a record can be both an ancestor and a descendant of a model). */
static int for_recs(qctx *c, const char *fmt, const char *col, mp_irset *const *sets, size_t nsets, int kind,
                    int ncols, mp_err *e) {
  size_t n = 0;
  for (size_t s = 0; s < nsets; s++) n += sets[s]->n;
  int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
  if (!ids) return mp_err_set(e, MP_ENOMEM, "out of memory");
  n = 0;
  for (size_t s = 0; s < nsets; s++)
    for (size_t i = 0; i < sets[s]->n; i++)
      if (!ncols || !sets[s]->v[i].first[kind]) ids[n++] = sets[s]->v[i].id;
  if (n == 0) {
    free(ids);
    return 0;
  }
  /* sorted: the backends look them up in index order */
  qsort(ids, n, sizeof *ids, cmp_id);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || ids[u - 1] != ids[i]) ids[u++] = ids[i];
  char *sql = mp_index_id_sql(c->idx, fmt, col, ids, u);
  free(ids);
  if (!sql) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(c->idx, sql, NULL, 0, &r, e);
  free(sql);
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    const char *id = c->idx->ops->col(r, 0);
    int64_t v = id ? strtoll(id, NULL, 10) : 0;
    for (size_t s = 0; rc == 0 && s < nsets; s++) {
      size_t p = mp_irset_find(sets[s], v);
      if (p == NOPOS) continue;
      mp_irec *rec = &sets[s]->v[p];
      if (ncols) {
        if (!rec->first[kind] || kind != MP_IK_ATT) rc = keep(c, r, rec, kind, 1, ncols, e);
      } else if (!rec->statement) { /* the full record: the statement as signed */
        size_t blen = 0;
        const uint8_t *pl = c->idx->ops->col_blob(r, 1, &blen);
        json_t *st = json_loadb((const char *)pl, blen, 0, NULL);
        rec->statement = st ? st : json_null();
      }
    }
  }
  c->idx->ops->rows_free(r);
  return rc;
}

/* Reads what the records of the sets show: the attestation row (of the
 * records found through lineage: the seeds came with theirs), subjects and
 * signers; with full (the records that produced a --model), also their
 * datasets, base models and statement. */
static int fill(qctx *c, mp_irset *const *sets, size_t nsets, mp_irset *full, mp_err *e) {
  int rc = for_recs(c, "SELECT a.id, " ATT_COLS " FROM attestations a WHERE %s", "a.id", sets, nsets, MP_IK_ATT,
                    NATT, e);
  if (rc == 0)
    rc = for_recs(c, "SELECT att_id, name, digest, role FROM subjects WHERE %s ORDER BY att_id, name", "att_id",
                  sets, nsets, MP_IK_SUBJECT, 3, e);
  if (rc == 0)
    rc = for_recs(c, "SELECT att_id, keyid, verified FROM signers WHERE %s ORDER BY att_id, verified DESC, keyid",
                  "att_id", sets, nsets, MP_IK_SIGNER, 2, e);
  if (rc == 0 && full)
    rc = for_recs(c, "SELECT att_id, name, uri, digest, merkle_root, records FROM datasets WHERE %s", "att_id",
                  &full, 1, MP_IK_DATASET, 5, e);
  if (rc == 0 && full)
    rc = for_recs(c,
                  "SELECT att_id, base_digest, base_name, base_uri, base_provenance FROM lineage WHERE %s",
                  "att_id", &full, 1, MP_IK_BASE, 4, e);
  if (rc == 0 && full)
    rc = for_recs(c, "SELECT att_id, payload FROM envelopes WHERE %s", "att_id", &full, 1, 0, 0, e);
  return rc;
}

/* --- seeds ------------------------------------------------------------------ */

/* Appends the time window to a WHERE clause on alias a.sort_time. */
static void window(const mp_index_query *q, char *sql, size_t cap, const char **params, size_t *np, char *b1, char *b2) {
  if (q->has_since) {
    snprintf(b1, 24, "%lld", (long long)q->since_us);
    params[(*np)++] = b1;
    snprintf(sql + strlen(sql), cap - strlen(sql), " AND a.sort_time >= CAST($%zu AS BIGINT)", *np);
  }
  if (q->has_until) {
    snprintf(b2, 24, "%lld", (long long)q->until_us);
    params[(*np)++] = b2;
    snprintf(sql + strlen(sql), cap - strlen(sql), " AND a.sort_time <= CAST($%zu AS BIGINT)", *np);
  }
}

/* Runs a seed query, rows (att_id, what matched: nmatch columns, ATT_COLS):
 * records in time order, each once, with every match. The attestation row
 * comes along (the seed reads it for the time anyway), so the records found
 * directly need no second visit. */
static int seed(qctx *c, const char *base_sql, const char **params, size_t np, int nmatch, mp_err *e) {
  char b1[24], b2[24];
  size_t cap = strlen(base_sql) + 256;
  char *sql = malloc(cap);
  if (!sql) return mp_err_set(e, MP_ENOMEM, "out of memory");
  snprintf(sql, cap, "%s", base_sql);
  window(c->q, sql, cap, params, &np, b1, b2);
  snprintf(sql + strlen(sql), cap - strlen(sql), " ORDER BY a.sort_time, a.id");
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(c->idx, sql, params, np, &r, e);
  free(sql);
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    int64_t id = strtoll(c->idx->ops->col(r, 0), NULL, 10);
    size_t p = mp_irset_find(c->main, id);
    if (p == NOPOS && (p = mp_irset_add(c->main, id, 0)) == NOPOS) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    mp_irec *rec = &c->main->v[p];
    if (!rec->first[MP_IK_ATT]) rc = keep(c, r, rec, MP_IK_ATT, 1 + nmatch, NATT, e);
    if (rc == 0 && nmatch) rc = keep(c, r, rec, MP_IK_MATCH, 1, nmatch, e);
  }
  c->idx->ops->rows_free(r);
  return rc;
}

/* A package version that matched --dependency, and a record that used it. */
typedef struct dep_pkg {
  int64_t id;
  char *purl, *name, *version;
} dep_pkg;

typedef struct dep_use {
  int64_t att;
  size_t pkg; /* in the dep_pkg array */
} dep_use;

static int by_use(const void *x, const void *y) {
  const dep_use *a = x, *b = y;
  if (a->att != b->att) return a->att < b->att ? -1 : 1;
  return a->pkg < b->pkg ? -1 : a->pkg > b->pkg;
}

/* The records that used packages[0..n) (ascending id), from their posting
 * lists: *uses sorted by record then package, each pair once. */
static int dependency_uses(qctx *c, const dep_pkg *packages, size_t n, dep_use **uses, size_t *nuses, mp_err *e) {
  int64_t *ids = malloc(n * sizeof *ids);
  if (!ids) return mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) ids[i] = packages[i].id;
  char *sql = mp_index_id_sql(c->idx, "SELECT pkg_id, atts FROM package_postings WHERE %s", "pkg_id", ids, n);
  free(ids);
  if (!sql) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(c->idx, sql, NULL, 0, &r, e);
  free(sql);
  int64_t *atts = NULL;
  size_t natts = 0, capatts = 0, cap = 0;
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    int64_t pkg = strtoll(c->idx->ops->col(r, 0), NULL, 10);
    size_t lo = 0, hi = n; /* the package's place: packages are by id */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (packages[mid].id < pkg) lo = mid + 1;
      else hi = mid;
    }
    size_t blen = 0;
    const uint8_t *blob = c->idx->ops->col_blob(r, 1, &blen);
    natts = 0;
    int d = mp_posting_decode(blob, blen, &atts, &natts, &capatts);
    if (d == -2) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else if (d || lo == n || packages[lo].id != pkg)
      rc = mp_err_set(e, MP_EIO, "index: the posting list of package %lld is damaged", (long long)pkg);
    for (size_t i = 0; rc == 0 && i < natts; i++) {
      if (*nuses == cap) {
        dep_use *nu = realloc(*uses, (cap = cap ? 2 * cap : 1024) * sizeof *nu);
        if (!nu) {
          rc = mp_err_set(e, MP_ENOMEM, "out of memory");
          break;
        }
        *uses = nu;
      }
      (*uses)[(*nuses)++] = (dep_use){atts[i], lo};
    }
  }
  c->idx->ops->rows_free(r);
  free(atts);
  if (rc == 0 && *nuses) {
    qsort(*uses, *nuses, sizeof **uses, by_use);
    size_t u = 1;
    for (size_t i = 1; i < *nuses; i++)
      if ((*uses)[i].att != (*uses)[u - 1].att || (*uses)[i].pkg != (*uses)[u - 1].pkg) (*uses)[u++] = (*uses)[i];
    *nuses = u;
  }
  return rc;
}

static int by_pkg_id(const void *x, const void *y) {
  int64_t a = ((const dep_pkg *)x)->id, b = ((const dep_pkg *)y)->id;
  return a < b ? -1 : a > b;
}

static int seed_dependency(qctx *c, mp_err *e) {
  const mp_index_query *q = c->q;
  char *key = NULL, *purl_version = NULL;
  int by_base = strncmp(q->arg, "pkg:", 4) == 0;
  int rc = 0;
  if (q->version && mp_version_range_check(q->version, e))
    return mp_err_set(e, MP_EUSAGE, "--version: %s", e ? e->msg : "bad range");
  if (by_base) {
    mp_purl p;
    if ((rc = mp_purl_parse(q->arg, &p, e))) return mp_err_set(e, MP_EUSAGE, "--dependency: %s", e ? e->msg : "bad package URL");
    key = mp_purl_base(&p);
    purl_version = p.version ? strdup(p.version) : NULL;
    mp_purl_free(&p);
  } else {
    key = mp_pkg_name_normalize(q->arg);
  }
  if (!key) return mp_err_set(e, MP_ENOMEM, "out of memory");
  /* the package's versions, filtered by the range here (PEP 440 ordering is
   * not SQL's), then the records of the ones that match */
  const char *params[1] = {key};
  mp_idb_rows *r = NULL;
  rc = mp_index_q(c->idx, by_base ? "SELECT id, version, purl, name FROM packages WHERE base = $1"
                                  : "SELECT id, version, purl, name FROM packages WHERE lname = $1",
                  params, 1, &r, e);
  dep_pkg *pk = NULL;
  size_t n = 0, cap = 0;
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    const char *ver = c->idx->ops->col(r, 1);
    if (!ver) ver = "";
    if (purl_version && mp_version_cmp(purl_version, ver) != 0) continue;
    if (q->version && mp_version_match(ver, q->version, NULL) != 1) continue;
    if (n == cap) {
      dep_pkg *nv = realloc(pk, (cap = cap ? 2 * cap : 64) * sizeof *nv);
      if (!nv) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
      pk = nv;
    }
    const char *purl = c->idx->ops->col(r, 2), *name = c->idx->ops->col(r, 3);
    pk[n] = (dep_pkg){strtoll(c->idx->ops->col(r, 0), NULL, 10), strdup(purl ? purl : ""), strdup(name ? name : ""),
                      strdup(ver)};
    if (!pk[n++].version || !pk[n - 1].purl || !pk[n - 1].name) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  c->idx->ops->rows_free(r);
  dep_use *uses = NULL;
  size_t nuses = 0;
  if (rc == 0 && n) {
    qsort(pk, n, sizeof *pk, by_pkg_id);
    rc = dependency_uses(c, pk, n, &uses, &nuses, e);
  }
  if (rc == 0 && nuses) {
    /* the records, in time order, through the seed's window */
    int64_t *atts = malloc(nuses * sizeof *atts);
    size_t natts = 0;
    for (size_t i = 0; atts && i < nuses; i++)
      if (natts == 0 || atts[natts - 1] != uses[i].att) atts[natts++] = uses[i].att;
    char *sql = atts ? mp_index_id_sql(c->idx, "SELECT a.id, " ATT_COLS " FROM attestations a WHERE %s", "a.id",
                                       atts, natts)
                     : NULL;
    free(atts);
    if (!sql) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else {
      const char *none[2];
      rc = seed(c, sql, none, 0, 0, e);
    }
    free(sql);
    /* and what each matched, by package id */
    for (size_t i = 0; rc == 0 && i < c->main->n; i++) {
      mp_irec *rec = &c->main->v[i];
      size_t lo = 0, hi = nuses;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (uses[mid].att < rec->id) lo = mid + 1;
        else hi = mid;
      }
      for (size_t u = lo; rc == 0 && u < nuses && uses[u].att == rec->id; u++) {
        const dep_pkg *m = &pk[uses[u].pkg];
        const char *vals[3] = {m->purl, m->name, m->version};
        int src = mp_istore_add(&c->a->store, rec, MP_IK_MATCH, vals, 3);
        if (src) rc = mp_err_set(e, src, src == MP_ENOMEM ? "out of memory" : "query answer too large");
      }
    }
  }
  for (size_t i = 0; i < n; i++) free(pk[i].purl), free(pk[i].name), free(pk[i].version);
  free(pk);
  free(uses);
  free(key);
  free(purl_version);
  return rc;
}

static int seed_query(qctx *c, mp_err *e) {
  const mp_index_query *q = c->q;
  const char *params[4];
  int rc;
  char *key = NULL;
  switch (q->kind) {
    case MP_IQ_DEPENDENCY:
      return seed_dependency(c, e);
    case MP_IQ_DATASET:
      if (!(key = mp_index_digest_key(q->arg))) return mp_err_set(e, MP_ENOMEM, "out of memory");
      params[0] = q->arg;
      params[1] = key;
      /* each row once, by the first of name, digest, Merkle root it has;
       * three branches so that each reads one covering index alone */
      rc = seed(c,
                "SELECT d.att_id, d.name, d.digest, d.merkle_root, " ATT_COLS " FROM ("
                "SELECT att_id, name, digest, merkle_root FROM datasets WHERE name = $1"
                " UNION ALL SELECT att_id, name, digest, merkle_root FROM datasets WHERE digest = $2 AND name <> $1"
                " UNION ALL SELECT att_id, name, digest, merkle_root FROM datasets"
                " WHERE merkle_root = $2 AND name <> $1 AND digest <> $2"
                ") d JOIN attestations a ON a.id = d.att_id WHERE 1 = 1",
                params, 2, 3, e);
      free(key);
      return rc;
    case MP_IQ_SIGNER: {
      char lo[72], hi[80];
      size_t n = strlen(q->arg);
      if (n > 64) return mp_err_set(e, MP_EUSAGE, "--signer: a key id has 64 hex digits");
      for (size_t i = 0; i <= n; i++) {
        char ch = q->arg[i];
        lo[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
        if (i < n && !((lo[i] >= '0' && lo[i] <= '9') || (lo[i] >= 'a' && lo[i] <= 'f')))
          return mp_err_set(e, MP_EUSAGE, "--signer: a key id is hex (as `mlprov keygen` prints it)");
      }
      if (n < 8) return mp_err_set(e, MP_EUSAGE, "--signer: give at least 8 hex digits of the key id");
      /* a prefix: every id that starts with it sorts in [prefix, prefix"g") */
      snprintf(hi, sizeof hi, "%sg", lo);
      params[0] = lo;
      params[1] = hi;
      return seed(c,
                  "SELECT s.att_id, s.keyid, s.verified, " ATT_COLS " FROM signers s JOIN attestations a ON a.id = s.att_id"
                  " WHERE s.keyid >= $1 AND s.keyid < $2",
                  params, 2, 2, e);
    }
    case MP_IQ_MODEL:
      if (!(key = mp_index_digest_key(q->arg))) return mp_err_set(e, MP_ENOMEM, "out of memory");
      params[0] = key;
      rc = seed(c,
                "SELECT s.att_id, " ATT_COLS " FROM subjects s JOIN attestations a ON a.id = s.att_id"
                " WHERE s.digest = $1",
                params, 1, 0, e);
      free(key);
      return rc;
    case MP_IQ_TIME:
    default:
      return seed(c, "SELECT a.id, " ATT_COLS " FROM attestations a WHERE 1 = 1", params, 0, 0, e);
  }
}

/* --- the answer ------------------------------------------------------------------ */

static json_t *query_json(const mp_index_query *q) {
  static const char *const kinds[] = {"time", "dependency", "dataset", "signer", "model"};
  json_t *j = json_pack("{s:s}", "kind", kinds[q->kind]);
  if (q->arg) json_object_set_new(j, "argument", json_string(q->arg));
  if (q->version) json_object_set_new(j, "version", json_string(q->version));
  char buf[64];
  if (q->has_since) mp_index_time_format(q->since_us, buf, sizeof buf), json_object_set_new(j, "since", json_string(buf));
  if (q->has_until) mp_index_time_format(q->until_us, buf, sizeof buf), json_object_set_new(j, "until", json_string(buf));
  json_object_set_new(j, "affected", json_boolean(q->affected || q->kind == MP_IQ_DATASET));
  return j;
}

/* --model: the records that produced the digest (with their statements),
 * every ancestor and every descendant. */
static int model_query(qctx *c, mp_err *e) {
  mp_index_answer *a = c->a;
  mp_irset *anc = &a->set[1], *desc = &a->set[2];
  int rc = seed_query(c, e);
  char *key = mp_index_digest_key(c->q->arg);
  if (rc == 0 && !key) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  /* the records that name the digest as their base model are its children,
   * also when no record of it was indexed */
  const char *p[1] = {key};
  mp_idb_rows *r = NULL;
  if (rc == 0 &&
      (rc = mp_index_q(c->idx, "SELECT att_id FROM lineage WHERE base_digest = $1 ORDER BY att_id", p, 1, &r, e)) == 0) {
    int more;
    while ((more = c->idx->ops->next(r, e)) > 0) {
      int64_t id = strtoll(c->idx->ops->col(r, 0), NULL, 10);
      if (mp_irset_find(desc, id) != NOPOS || mp_irset_find(c->main, id) != NOPOS) continue;
      size_t at = mp_irset_add(desc, id, 1);
      if (at == NOPOS || !(desc->v[at].via_base = strdup(key))) {
        more = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
    }
    if (more < 0) rc = more;
    c->idx->ops->rows_free(r);
  }
  int64_t *from = rc == 0 ? ids_of(c->main) : NULL;
  if (rc == 0 && !from) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) rc = mp_index_lineage_walk(c->idx, from, c->main->n, 0, anc, c->main, e);
  if (rc == 0) rc = mp_index_lineage_walk(c->idx, from, c->main->n, 1, desc, c->main, e);
  free(from);
  mp_irset *all[3] = {c->main, anc, desc};
  if (rc == 0) rc = fill(c, all, 3, c->main, e);
  if (rc == 0) {
    json_object_set_new(a->head, "model", mp_index_digest_json(key));
    json_object_set_new(a->head, "count", json_integer((json_int_t)c->main->n));
  }
  free(key);
  return rc;
}

int mp_index_query_answer(mp_index *idx, const mp_index_query *q, mp_index_answer **out, mp_err *e) {
  if (q->kind != MP_IQ_TIME && (!q->arg || !*q->arg)) return mp_err_set(e, MP_EUSAGE, "query needs an argument");
  mp_index_answer *a = calloc(1, sizeof *a);
  if (!a) return mp_err_set(e, MP_ENOMEM, "out of memory");
  qctx c = {.idx = idx, .q = q, .a = a, .main = &a->set[0]};
  a->kind = q->kind;
  a->head = json_pack("{s:o, s:s}", "query", query_json(q), "backend", mp_index_backend(idx));
  int rc = !a->head ? mp_err_set(e, MP_ENOMEM, "out of memory") : 0;
  if (rc == 0 && q->kind == MP_IQ_MODEL) {
    a->nlists = 3;
    a->name[0] = "records", a->name[1] = "ancestors", a->name[2] = "descendants";
    a->peer[0] = "parent", a->peer[1] = "child", a->peer[2] = "parent";
    rc = model_query(&c, e);
  } else if (rc == 0) {
    a->nlists = 1;
    a->name[0] = "results";
    a->peer[0] = "parent";
    rc = seed_query(&c, e);
    size_t direct = c.main->n;
    if (rc == 0 && (q->affected || q->kind == MP_IQ_DATASET)) {
      int64_t *from = ids_of(c.main);
      rc = from ? mp_index_lineage_walk(idx, from, direct, 1, c.main, NULL, e)
                : mp_err_set(e, MP_ENOMEM, "out of memory");
      free(from);
    }
    if (rc == 0) rc = fill(&c, &c.main, 1, NULL, e);
    if (rc == 0) {
      json_object_set_new(a->head, "count", json_integer((json_int_t)c.main->n));
      json_object_set_new(a->head, "direct", json_integer((json_int_t)direct));
      json_object_set_new(a->head, "throughLineage", json_integer((json_int_t)(c.main->n - direct)));
    }
  }
  if (rc) {
    mp_index_answer_free(a);
    return rc;
  }
  *out = a;
  return 0;
}
