/* index_query.c — the responder's queries (`mlprov index query`), the same
 * SQL on both backends.
 *
 * Each query finds a seed set of attestations through one index (packages by
 * base or normalised name then attestation_packages, datasets by name, digest
 * or Merkle root, signers by key id, subjects by digest, attestations by
 * time), restricted to the --since/--until window, in one query; lineage is
 * walked by index_lineage.c (one recursive query, levels worked out in C).
 * The window restricts the seeds only: a fine-tune of an affected model is
 * affected whenever it was trained. Then every result's row, subjects and
 * signers are read with one query each for the whole result set (an id list:
 * ids come from the database, never from the user), so a query costs a fixed
 * number of statements — round trips on PostgreSQL — however many records it
 * returns. Records are kept in C (index_rset.h) and become JSON once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_rset.h"
#include "purl.h"
#include "version.h"

#define NOPOS ((size_t)-1)

static json_t *digest_json(const char *stored) {
  if (!stored || !*stored) return json_null();
  if (strchr(stored, ':')) return json_string(stored);
  return json_sprintf("sha256:%s", stored);
}

static json_t *time_json(const char *us) {
  if (!us) return json_null();
  char buf[64];
  mp_index_time_format(strtoll(us, NULL, 10), buf, sizeof buf);
  return json_string(buf);
}

static const char *S(const char *s) { return s ? s : ""; }

static void set(json_t *o, const char *key, json_t *v) { json_object_set_new_nocheck(o, key, v); }

typedef struct qctx {
  mp_index *idx;
  const mp_index_query *q;
  mp_irset main;  /* results, or the records that produced the model */
  mp_irset anc;   /* --model: ancestors */
  mp_irset desc;  /* --model: descendants */
} qctx;

static int64_t *ids_of(const mp_irset *s) {
  int64_t *v = malloc((s->n ? s->n : 1) * sizeof *v);
  for (size_t i = 0; v && i < s->n; i++) v[i] = s->v[i].id;
  return v;
}

/* --- reading rows for a result set -------------------------------------------- */

typedef void (*row_fn)(mp_index *idx, mp_idb_rows *r, mp_irec *rec);

static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Runs sql (one %s: the id condition on col) over the distinct ids of the
 * sets and calls fn with each row for every set record of its id (a record
 * can be both an ancestor and a descendant of a model). */
static int for_recs(qctx *c, const char *fmt, const char *col, mp_irset *const *sets, size_t nsets, row_fn fn,
                    mp_err *e) {
  size_t n = 0;
  for (size_t s = 0; s < nsets; s++) n += sets[s]->n;
  if (n == 0) return 0;
  int64_t *ids = malloc(n * sizeof *ids);
  if (!ids) return mp_err_set(e, MP_ENOMEM, "out of memory");
  n = 0;
  for (size_t s = 0; s < nsets; s++)
    for (size_t i = 0; i < sets[s]->n; i++) ids[n++] = sets[s]->v[i].id;
  /* sorted: the backends look them up in index order */
  qsort(ids, n, sizeof *ids, cmp_id);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || ids[u - 1] != ids[i]) ids[u++] = ids[i];
  char *cond = mp_index_id_cond(c->idx, col, ids, u);
  free(ids);
  size_t len = cond ? strlen(fmt) + strlen(cond) + 1 : 0;
  char *sql = cond ? malloc(len) : NULL;
  if (!sql) {
    free(cond);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  snprintf(sql, len, fmt, cond);
  free(cond);
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
    for (size_t s = 0; s < nsets; s++) {
      size_t p = mp_irset_find(sets[s], v);
      if (p != NOPOS) fn(c->idx, r, &sets[s]->v[p]);
    }
  }
  c->idx->ops->rows_free(r);
  return rc;
}

static void att_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  const char *(*c)(mp_idb_rows *, int) = idx->ops->col;
  json_t *o = rec->obj;
  set(o, "envelopeSha256", json_string(S(c(r, 1))));
  set(o, "verified", json_boolean(atoi(S(c(r, 2)))));
  if (c(r, 3)) set(o, "verifyError", json_string(c(r, 3)));
  set(o, "builderId", json_string(S(c(r, 4))));
  set(o, "invocationId", json_string(S(c(r, 5))));
  set(o, "startedOn", time_json(c(r, 6)));
  set(o, "finishedOn", time_json(c(r, 7)));
  set(o, "addedFrom", json_string(S(c(r, 8))));
  set(o, "predicateType", json_string(S(c(r, 9))));
  if (c(r, 10) && *c(r, 10)) {
    json_t *src = json_object();
    set(src, "uri", json_string(S(c(r, 10))));
    set(src, "repository", json_string(S(c(r, 11))));
    set(src, "commit", json_string(S(c(r, 12))));
    set(src, "branch", json_string(S(c(r, 13))));
    if (c(r, 14)) set(src, "dirty", json_boolean(atoi(c(r, 14))));
    set(o, "source", src);
  }
}

static void subject_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  json_t *s = json_object();
  set(s, "name", json_string(S(idx->ops->col(r, 1))));
  set(s, "digest", digest_json(idx->ops->col(r, 2)));
  set(s, "role", json_string(S(idx->ops->col(r, 3))));
  json_array_append_new(json_object_get(rec->obj, "subjects"), s);
}

static void signer_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  json_t *s = json_object();
  set(s, "keyid", json_string(S(idx->ops->col(r, 1))));
  set(s, "verified", json_boolean(atoi(S(idx->ops->col(r, 2)))));
  json_array_append_new(json_object_get(rec->obj, "signers"), s);
}

static json_t *list_of(json_t *o, const char *key) {
  json_t *a = json_object_get(o, key);
  if (!a) set(o, key, a = json_array());
  return a;
}

static void dataset_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  const char *n = idx->ops->col(r, 5);
  json_array_append_new(list_of(rec->obj, "datasets"),
                        json_pack("{s:s, s:s, s:o, s:s, s:o}", "name", S(idx->ops->col(r, 1)), "uri",
                                  S(idx->ops->col(r, 2)), "digest", digest_json(idx->ops->col(r, 3)),
                                  "recordsMerkleRoot", S(idx->ops->col(r, 4)), "records",
                                  n ? json_integer(strtoll(n, NULL, 10)) : json_null()));
}

static void base_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  json_array_append_new(list_of(rec->obj, "baseModels"),
                        json_pack("{s:o, s:s, s:s, s:s}", "digest", digest_json(idx->ops->col(r, 1)), "name",
                                  S(idx->ops->col(r, 2)), "uri", S(idx->ops->col(r, 3)), "provenance",
                                  S(idx->ops->col(r, 4))));
}

/* the full record: the statement as signed */
static void statement_row(mp_index *idx, mp_idb_rows *r, mp_irec *rec) {
  size_t len = 0;
  const uint8_t *pl = idx->ops->col_blob(r, 1, &len);
  json_t *st = json_loadb((const char *)pl, len, 0, NULL);
  set(rec->obj, "statement", st ? st : json_null());
}

/* Fills the summary of every record of the sets; with full (the records
 * that produced a --model), also its datasets, base models and statement. */
static int fill(qctx *c, mp_irset *const *sets, size_t nsets, mp_irset *full, mp_err *e) {
  for (size_t s = 0; s < nsets; s++)
    for (size_t i = 0; i < sets[s]->n; i++) {
      json_t *o = sets[s]->v[i].obj = json_object();
      if (!o) return mp_err_set(e, MP_ENOMEM, "out of memory");
      set(o, "subjects", json_array());
      set(o, "signers", json_array());
    }
  int rc = for_recs(c,
                    "SELECT id, envelope_sha256, verified, verify_error, builder_id, invocation_id, started_on,"
                    " finished_on, added_from, predicate_type, source_uri, source_repo, source_commit, source_branch,"
                    " source_dirty FROM attestations WHERE %s",
                    "id", sets, nsets, att_row, e);
  if (rc == 0)
    rc = for_recs(c, "SELECT att_id, name, digest, role FROM subjects WHERE %s ORDER BY att_id, name", "att_id",
                  sets, nsets, subject_row, e);
  if (rc == 0)
    rc = for_recs(c, "SELECT att_id, keyid, verified FROM signers WHERE %s ORDER BY att_id, verified DESC, keyid",
                  "att_id", sets, nsets, signer_row, e);
  if (rc == 0 && full)
    rc = for_recs(c, "SELECT att_id, name, uri, digest, merkle_root, records FROM datasets WHERE %s", "att_id",
                  &full, 1, dataset_row, e);
  if (rc == 0 && full)
    rc = for_recs(c,
                  "SELECT att_id, base_digest, base_name, base_uri, base_provenance FROM lineage WHERE %s",
                  "att_id", &full, 1, base_row, e);
  if (rc == 0 && full)
    rc = for_recs(c, "SELECT att_id, payload FROM envelopes WHERE %s", "att_id", &full, 1, statement_row, e);
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

/* What matched, from a seed row (att_id, detail...). */
typedef json_t *(*detail_fn)(mp_index *idx, mp_idb_rows *r);

/* Runs a seed query: records in time order, each once, with every match. */
static int seed(qctx *c, const char *base_sql, const char **params, size_t np, detail_fn detail, mp_err *e) {
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
    size_t p = mp_irset_find(&c->main, id);
    if (p == NOPOS && (p = mp_irset_add(&c->main, id, 0)) == NOPOS) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    if (!detail) continue;
    mp_irec *rec = &c->main.v[p];
    if (!rec->matched && !(rec->matched = json_array())) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else json_array_append_new(rec->matched, detail(c->idx, r));
  }
  c->idx->ops->rows_free(r);
  return rc;
}

static json_t *dep_detail(mp_index *idx, mp_idb_rows *r) {
  return json_pack("{s:s, s:s, s:s}", "purl", S(idx->ops->col(r, 1)), "name", S(idx->ops->col(r, 2)), "version",
                   S(idx->ops->col(r, 3)));
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
  rc = mp_index_q(c->idx, by_base ? "SELECT id, version FROM packages WHERE base = $1"
                                  : "SELECT id, version FROM packages WHERE lname = $1",
                  params, 1, &r, e);
  int64_t *ids = NULL;
  size_t n = 0, cap = 0;
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    const char *ver = S(c->idx->ops->col(r, 1));
    if (purl_version && mp_version_cmp(purl_version, ver) != 0) continue;
    if (q->version && mp_version_match(ver, q->version, NULL) != 1) continue;
    if (n == cap) {
      int64_t *nv = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof *nv);
      if (!nv) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
      ids = nv;
    }
    ids[n++] = strtoll(c->idx->ops->col(r, 0), NULL, 10);
  }
  c->idx->ops->rows_free(r);
  if (rc == 0 && n) {
    char *cond = mp_index_id_cond(c->idx, "ap.pkg_id", ids, n);
    size_t len = cond ? strlen(cond) + 512 : 0;
    char *sql = cond ? malloc(len) : NULL;
    if (!sql) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else {
      snprintf(sql, len,
               "SELECT ap.att_id, p.purl, p.name, p.version FROM attestation_packages ap"
               " JOIN packages p ON p.id = ap.pkg_id JOIN attestations a ON a.id = ap.att_id WHERE %s",
               cond);
      const char *none[2];
      rc = seed(c, sql, none, 0, dep_detail, e);
    }
    free(cond);
    free(sql);
  }
  free(ids);
  free(key);
  free(purl_version);
  return rc;
}

static json_t *ds_detail(mp_index *idx, mp_idb_rows *r) {
  return json_pack("{s:s, s:o, s:s}", "name", S(idx->ops->col(r, 1)), "digest", digest_json(idx->ops->col(r, 2)),
                   "recordsMerkleRoot", S(idx->ops->col(r, 3)));
}

static json_t *signer_detail(mp_index *idx, mp_idb_rows *r) {
  return json_pack("{s:s, s:b}", "keyid", S(idx->ops->col(r, 1)), "verified", atoi(S(idx->ops->col(r, 2))));
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
                "SELECT d.att_id, d.name, d.digest, d.merkle_root FROM ("
                "SELECT att_id, name, digest, merkle_root FROM datasets WHERE name = $1"
                " UNION ALL SELECT att_id, name, digest, merkle_root FROM datasets WHERE digest = $2 AND name <> $1"
                " UNION ALL SELECT att_id, name, digest, merkle_root FROM datasets"
                " WHERE merkle_root = $2 AND name <> $1 AND digest <> $2"
                ") d JOIN attestations a ON a.id = d.att_id WHERE 1 = 1",
                params, 2, ds_detail, e);
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
                  "SELECT s.att_id, s.keyid, s.verified FROM signers s JOIN attestations a ON a.id = s.att_id"
                  " WHERE s.keyid >= $1 AND s.keyid < $2",
                  params, 2, signer_detail, e);
    }
    case MP_IQ_MODEL:
      if (!(key = mp_index_digest_key(q->arg))) return mp_err_set(e, MP_ENOMEM, "out of memory");
      params[0] = key;
      rc = seed(c, "SELECT s.att_id FROM subjects s JOIN attestations a ON a.id = s.att_id WHERE s.digest = $1",
                params, 1, NULL, e);
      free(key);
      return rc;
    case MP_IQ_TIME:
    default:
      return seed(c, "SELECT a.id FROM attestations a WHERE 1 = 1", params, 0, NULL, e);
  }
}

/* --- results as JSON ------------------------------------------------------------ */

static const char *envelope_of(qctx *c, int64_t id) {
  const mp_irset *sets[3] = {&c->main, &c->anc, &c->desc};
  for (int s = 0; s < 3; s++) {
    size_t p = mp_irset_find(sets[s], id);
    if (p != NOPOS) return json_string_value(json_object_get(sets[s]->v[p].obj, "envelopeSha256"));
  }
  return NULL;
}

/* The records of a set in order, each with how it matched; record ids are
 * internal: the envelope digest names a record outside. */
static json_t *listed(qctx *c, mp_irset *s, const char *peer) {
  json_t *out = json_array();
  for (size_t i = 0; out && i < s->n; i++) {
    mp_irec *r = &s->v[i];
    json_t *o = r->obj;
    set(o, "match", json_string(r->depth ? "lineage" : "direct"));
    set(o, "depth", json_integer(r->depth));
    if (r->matched) set(o, "matched", json_incref(r->matched));
    if (r->via_base) {
      json_t *via = json_object();
      set(via, "baseDigest", digest_json(r->via_base));
      if (r->via) {
        const char *env = envelope_of(c, r->via);
        set(via, peer, env ? json_string(env) : json_null());
      }
      set(o, "via", via);
    }
    json_array_append(out, o);
  }
  return out;
}

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
static int model_query(qctx *c, json_t *out, mp_err *e) {
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
      if (mp_irset_find(&c->desc, id) != NOPOS || mp_irset_find(&c->main, id) != NOPOS) continue;
      size_t at = mp_irset_add(&c->desc, id, 1);
      if (at == NOPOS || !(c->desc.v[at].via_base = strdup(key))) {
        more = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
    }
    if (more < 0) rc = more;
    c->idx->ops->rows_free(r);
  }
  int64_t *from = rc == 0 ? ids_of(&c->main) : NULL;
  if (rc == 0 && !from) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) rc = mp_index_lineage_walk(c->idx, from, c->main.n, 0, &c->anc, &c->main, e);
  if (rc == 0) rc = mp_index_lineage_walk(c->idx, from, c->main.n, 1, &c->desc, &c->main, e);
  free(from);
  mp_irset *all[3] = {&c->main, &c->anc, &c->desc};
  if (rc == 0) rc = fill(c, all, 3, &c->main, e);
  if (rc == 0) {
    json_object_set_new(out, "model", digest_json(key));
    json_object_set_new(out, "records", listed(c, &c->main, "parent"));
    json_object_set_new(out, "ancestors", listed(c, &c->anc, "child"));
    json_object_set_new(out, "descendants", listed(c, &c->desc, "parent"));
    json_object_set_new(out, "count", json_integer((json_int_t)c->main.n));
  }
  free(key);
  return rc;
}

int mp_index_query_run(mp_index *idx, const mp_index_query *q, json_t **result, mp_err *e) {
  if (q->kind != MP_IQ_TIME && (!q->arg || !*q->arg)) return mp_err_set(e, MP_EUSAGE, "query needs an argument");
  qctx c = {.idx = idx, .q = q};
  json_t *out = json_pack("{s:o, s:s}", "query", query_json(q), "backend", mp_index_backend(idx));
  int rc = !out ? mp_err_set(e, MP_ENOMEM, "out of memory") : 0;
  if (rc == 0 && q->kind == MP_IQ_MODEL) {
    rc = model_query(&c, out, e);
  } else if (rc == 0) {
    rc = seed_query(&c, e);
    size_t direct = c.main.n;
    if (rc == 0 && (q->affected || q->kind == MP_IQ_DATASET)) {
      int64_t *from = ids_of(&c.main);
      rc = from ? mp_index_lineage_walk(idx, from, direct, 1, &c.main, NULL, e)
                : mp_err_set(e, MP_ENOMEM, "out of memory");
      free(from);
    }
    mp_irset *all[1] = {&c.main};
    if (rc == 0) rc = fill(&c, all, 1, NULL, e);
    if (rc == 0) {
      json_object_set_new(out, "count", json_integer((json_int_t)c.main.n));
      json_object_set_new(out, "direct", json_integer((json_int_t)direct));
      json_object_set_new(out, "throughLineage", json_integer((json_int_t)(c.main.n - direct)));
      json_object_set_new(out, "results", listed(&c, &c.main, "parent"));
    }
  }
  mp_irset_free(&c.main);
  mp_irset_free(&c.anc);
  mp_irset_free(&c.desc);
  if (rc) {
    json_decref(out);
    return rc;
  }
  *result = out;
  return 0;
}
