/* index_query.c — the responder's queries (`mlprov index query`), the same
 * SQL on both backends.
 *
 * Each query finds a seed set of attestations through one index (packages by
 * base or normalised name then attestation_packages, datasets by name, digest
 * or Merkle root, signers by key id, subjects by digest, attestations by
 * time), restricted to the --since/--until window; lineage is then walked
 * level by level in C (visited set: a forged cycle cannot loop) through
 * lineage.base_digest = subjects.digest. The window restricts the seeds only:
 * a fine-tune of an affected model is affected whenever it was trained.
 * Rows are fetched for the result set in chunks of inlined integer ids (ids
 * come from the database, never from the user). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"
#include "purl.h"
#include "version.h"

#define CHUNK 500

typedef struct idlist {
  int64_t *v;
  size_t n, cap;
} idlist;

static int id_push(idlist *l, int64_t id) {
  if (l->n == l->cap) {
    size_t nc = l->cap ? 2 * l->cap : 64;
    int64_t *nv = realloc(l->v, nc * sizeof *nv);
    if (!nv) return -1;
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = id;
  return 0;
}

/* "1,2,3" for v[from..to) */
static char *id_csv(const int64_t *v, size_t from, size_t to) {
  size_t cap = (to - from) * 21 + 2;
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t o = 0;
  for (size_t i = from; i < to; i++) o += (size_t)snprintf(s + o, cap - o, "%s%lld", i > from ? "," : "", (long long)v[i]);
  s[o] = '\0';
  return s;
}

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

/* Runs sql over ids in chunks; sql has one %s for the id list. */
typedef int (*row_fn)(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e);

static int for_ids(mp_index *idx, const char *fmt, const idlist *ids, row_fn fn, json_t *recs, mp_err *e) {
  for (size_t from = 0; from < ids->n; from += CHUNK) {
    size_t to = from + CHUNK < ids->n ? from + CHUNK : ids->n;
    char *csv = id_csv(ids->v, from, to);
    size_t len = csv ? strlen(fmt) + strlen(csv) + 1 : 0;
    char *sql = csv ? malloc(len) : NULL;
    if (!sql) {
      free(csv);
      return mp_err_set(e, MP_ENOMEM, "out of memory");
    }
    snprintf(sql, len, fmt, csv);
    free(csv);
    mp_idb_rows *r = NULL;
    int rc = mp_index_q(idx, sql, NULL, 0, &r, e);
    free(sql);
    int more;
    while (rc == 0 && (more = idx->ops->next(r, e)) != 0) rc = more < 0 ? more : fn(idx, r, recs, e);
    idx->ops->rows_free(r);
    if (rc) return rc;
  }
  return 0;
}

static json_t *rec_of(json_t *recs, const char *id) { return json_object_get(recs, id); }

static int att_row(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e) {
  const char *(*c)(mp_idb_rows *, int) = idx->ops->col;
  json_t *o = rec_of(recs, c(r, 0));
  if (!o) return 0;
  json_object_set_new(o, "envelopeSha256", json_string(S(c(r, 1))));
  json_object_set_new(o, "verified", json_boolean(atoi(S(c(r, 2)))));
  if (c(r, 3)) json_object_set_new(o, "verifyError", json_string(c(r, 3)));
  json_object_set_new(o, "builderId", json_string(S(c(r, 4))));
  json_object_set_new(o, "invocationId", json_string(S(c(r, 5))));
  json_object_set_new(o, "startedOn", time_json(c(r, 6)));
  json_object_set_new(o, "finishedOn", time_json(c(r, 7)));
  json_object_set_new(o, "addedFrom", json_string(S(c(r, 8))));
  json_object_set_new(o, "predicateType", json_string(S(c(r, 9))));
  if (c(r, 10) && *c(r, 10)) {
    json_t *src = json_pack("{s:s, s:s, s:s, s:s}", "uri", S(c(r, 10)), "repository", S(c(r, 11)), "commit",
                            S(c(r, 12)), "branch", S(c(r, 13)));
    if (c(r, 14)) json_object_set_new(src, "dirty", json_boolean(atoi(c(r, 14))));
    json_object_set_new(o, "source", src);
  }
  return 0;
}

static int subject_row(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e) {
  json_t *o = rec_of(recs, idx->ops->col(r, 0));
  if (!o) return 0;
  json_array_append_new(json_object_get(o, "subjects"),
                        json_pack("{s:s, s:o, s:s}", "name", S(idx->ops->col(r, 1)), "digest",
                                  digest_json(idx->ops->col(r, 2)), "role", S(idx->ops->col(r, 3))));
  return 0;
}

static int signer_row(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e) {
  json_t *o = rec_of(recs, idx->ops->col(r, 0));
  if (!o) return 0;
  json_array_append_new(json_object_get(o, "signers"),
                        json_pack("{s:s, s:b}", "keyid", S(idx->ops->col(r, 1)), "verified",
                                  atoi(S(idx->ops->col(r, 2)))));
  return 0;
}

static int dataset_row(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e) {
  json_t *o = rec_of(recs, idx->ops->col(r, 0));
  if (!o) return 0;
  json_t *ds = json_object_get(o, "datasets");
  if (!ds) json_object_set_new(o, "datasets", ds = json_array());
  const char *n = idx->ops->col(r, 5);
  json_array_append_new(ds, json_pack("{s:s, s:s, s:o, s:s, s:o}", "name", S(idx->ops->col(r, 1)), "uri",
                                      S(idx->ops->col(r, 2)), "digest", digest_json(idx->ops->col(r, 3)),
                                      "recordsMerkleRoot", S(idx->ops->col(r, 4)), "records",
                                      n ? json_integer(strtoll(n, NULL, 10)) : json_null()));
  return 0;
}

static int base_row(mp_index *idx, mp_idb_rows *r, json_t *recs, mp_err *e) {
  json_t *o = rec_of(recs, idx->ops->col(r, 0));
  if (!o) return 0;
  json_t *bs = json_object_get(o, "baseModels");
  if (!bs) json_object_set_new(o, "baseModels", bs = json_array());
  json_array_append_new(bs, json_pack("{s:o, s:s, s:s, s:s}", "digest", digest_json(idx->ops->col(r, 1)), "name",
                                      S(idx->ops->col(r, 2)), "uri", S(idx->ops->col(r, 3)), "provenance",
                                      S(idx->ops->col(r, 4))));
  return 0;
}

/* Fills the summary of every record in recs (id -> object). */
static int fill(mp_index *idx, json_t *recs, int full, mp_err *e) {
  idlist ids = {0};
  const char *k;
  json_t *v;
  json_object_foreach(recs, k, v) {
    json_object_set_new(v, "subjects", json_array());
    json_object_set_new(v, "signers", json_array());
    if (id_push(&ids, strtoll(k, NULL, 10))) {
      free(ids.v);
      return mp_err_set(e, MP_ENOMEM, "out of memory");
    }
  }
  int rc = for_ids(idx,
                   "SELECT id, envelope_sha256, verified, verify_error, builder_id, invocation_id, started_on,"
                   " finished_on, added_from, predicate_type, source_uri, source_repo, source_commit, source_branch,"
                   " source_dirty FROM attestations WHERE id IN (%s)",
                   &ids, att_row, recs, e);
  if (rc == 0)
    rc = for_ids(idx, "SELECT att_id, name, digest, role FROM subjects WHERE att_id IN (%s) ORDER BY att_id, name",
                 &ids, subject_row, recs, e);
  if (rc == 0)
    rc = for_ids(idx, "SELECT att_id, keyid, verified FROM signers WHERE att_id IN (%s) ORDER BY att_id, verified DESC, keyid",
                 &ids, signer_row, recs, e);
  if (rc == 0 && full)
    rc = for_ids(idx, "SELECT att_id, name, uri, digest, merkle_root, records FROM datasets WHERE att_id IN (%s)",
                 &ids, dataset_row, recs, e);
  if (rc == 0 && full)
    rc = for_ids(idx, "SELECT att_id, base_digest, base_name, base_uri, base_provenance FROM lineage WHERE att_id IN (%s)",
                 &ids, base_row, recs, e);
  free(ids.v);
  return rc;
}

/* --- seeds ------------------------------------------------------------------ */

typedef struct qctx {
  mp_index *idx;
  const mp_index_query *q;
  json_t *recs;   /* id -> record (results) */
  json_t *order;  /* ids in result order */
} qctx;

static json_t *add_rec(qctx *c, const char *id, int depth) {
  json_t *o = json_object_get(c->recs, id);
  if (o) return o;
  o = json_pack("{s:s, s:i}", "match", depth ? "lineage" : "direct", "depth", depth);
  json_object_set_new(c->recs, id, o);
  json_array_append_new(c->order, json_string(id));
  return o;
}

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

/* Runs a seed query whose rows are (att_id, match detail...); detail(o, r)
 * records what matched. */
typedef void (*detail_fn)(mp_index *idx, json_t *rec, mp_idb_rows *r);

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
    json_t *o = add_rec(c, c->idx->ops->col(r, 0), 0);
    if (detail) detail(c->idx, o, r);
  }
  c->idx->ops->rows_free(r);
  return rc;
}

static void matched_push(json_t *rec, json_t *item) {
  json_t *m = json_object_get(rec, "matched");
  if (!m) json_object_set_new(rec, "matched", m = json_array());
  json_array_append_new(m, item);
}

static void dep_detail(mp_index *idx, json_t *rec, mp_idb_rows *r) {
  matched_push(rec, json_pack("{s:s, s:s, s:s}", "purl", S(idx->ops->col(r, 1)), "name", S(idx->ops->col(r, 2)),
                              "version", S(idx->ops->col(r, 3))));
}

static int seed_dependency(qctx *c, mp_err *e) {
  const mp_index_query *q = c->q;
  const char *key = NULL;
  char *owned = NULL, *purl_version = NULL;
  int by_base = strncmp(q->arg, "pkg:", 4) == 0;
  int rc = 0;
  if (q->version && mp_version_range_check(q->version, e))
    return mp_err_set(e, MP_EUSAGE, "--version: %s", e ? e->msg : "bad range");
  if (by_base) {
    mp_purl p;
    if ((rc = mp_purl_parse(q->arg, &p, e))) return mp_err_set(e, MP_EUSAGE, "--dependency: %s", e ? e->msg : "bad package URL");
    owned = mp_purl_base(&p);
    purl_version = p.version ? strdup(p.version) : NULL;
    mp_purl_free(&p);
  } else {
    owned = mp_pkg_name_normalize(q->arg);
  }
  if (!owned) return mp_err_set(e, MP_ENOMEM, "out of memory");
  key = owned;
  const char *params[1] = {key};
  mp_idb_rows *r = NULL;
  rc = mp_index_q(c->idx, by_base ? "SELECT id, version FROM packages WHERE base = $1"
                                  : "SELECT id, version FROM packages WHERE lname = $1",
                  params, 1, &r, e);
  idlist ids = {0};
  int more;
  while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
    if (more < 0) {
      rc = more;
      break;
    }
    const char *ver = S(c->idx->ops->col(r, 1));
    if (purl_version && mp_version_cmp(purl_version, ver) != 0) continue;
    if (q->version && mp_version_match(ver, q->version, NULL) != 1) continue;
    if (id_push(&ids, strtoll(c->idx->ops->col(r, 0), NULL, 10))) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  c->idx->ops->rows_free(r);
  for (size_t from = 0; rc == 0 && from < ids.n; from += CHUNK) {
    size_t to = from + CHUNK < ids.n ? from + CHUNK : ids.n;
    char *csv = id_csv(ids.v, from, to);
    size_t len = csv ? strlen(csv) + 512 : 0;
    char *sql = csv ? malloc(len) : NULL;
    if (!sql) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else {
      snprintf(sql, len,
               "SELECT ap.att_id, p.purl, p.name, p.version FROM attestation_packages ap"
               " JOIN packages p ON p.id = ap.pkg_id JOIN attestations a ON a.id = ap.att_id"
               " WHERE ap.pkg_id IN (%s)", csv);
      const char *none[2];
      rc = seed(c, sql, none, 0, dep_detail, e);
    }
    free(csv);
    free(sql);
  }
  free(ids.v);
  free(owned);
  free(purl_version);
  return rc;
}

static void ds_detail(mp_index *idx, json_t *rec, mp_idb_rows *r) {
  matched_push(rec, json_pack("{s:s, s:o, s:s}", "name", S(idx->ops->col(r, 1)), "digest",
                              digest_json(idx->ops->col(r, 2)), "recordsMerkleRoot", S(idx->ops->col(r, 3))));
}

static void signer_detail(mp_index *idx, json_t *rec, mp_idb_rows *r) {
  matched_push(rec, json_pack("{s:s, s:b}", "keyid", S(idx->ops->col(r, 1)), "verified", atoi(S(idx->ops->col(r, 2)))));
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
      rc = seed(c,
                "SELECT d.att_id, d.name, d.digest, d.merkle_root FROM datasets d JOIN attestations a ON a.id = d.att_id"
                " WHERE (d.name = $1 OR d.digest = $2 OR d.merkle_root = $2)",
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

/* --- lineage ------------------------------------------------------------------ */

/* Walks from the ids of `from` down (children: records whose base model is a
 * subject of the frontier) or up (parents). New records go to c with their
 * depth and the edge they came by; with a separate `into`, they are collected
 * there instead of in the results. */
static int walk(qctx *c, idlist *frontier, int down, json_t *into, json_t *into_order, mp_err *e) {
  static const char *const sql[2] = {
      /* up: rows (parent att, child att, base digest) for children in the list */
      "SELECT s.att_id, l.att_id, l.base_digest FROM lineage l JOIN subjects s ON s.digest = l.base_digest"
      " WHERE l.att_id IN (%s) ORDER BY s.att_id",
      /* down: rows (child att, parent att, base digest) for parents in the list */
      "SELECT l.att_id, s.att_id, l.base_digest FROM subjects s JOIN lineage l ON l.base_digest = s.digest"
      " WHERE s.att_id IN (%s) ORDER BY l.att_id"};
  json_t *seen = json_object();
  int rc = seen ? 0 : mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < frontier->n; i++) {
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)frontier->v[i]);
    json_object_set_new(seen, k, json_true());
  }
  for (int depth = 1; rc == 0 && frontier->n && depth <= 1000; depth++) {
    idlist next = {0};
    for (size_t from = 0; rc == 0 && from < frontier->n; from += CHUNK) {
      size_t to = from + CHUNK < frontier->n ? from + CHUNK : frontier->n;
      char *csv = id_csv(frontier->v, from, to);
      size_t len = csv ? strlen(csv) + strlen(sql[down]) + 1 : 0;
      char *q = csv ? malloc(len) : NULL;
      if (!q) {
        free(csv);
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
      snprintf(q, len, sql[down], csv);
      free(csv);
      mp_idb_rows *r = NULL;
      rc = mp_index_q(c->idx, q, NULL, 0, &r, e);
      free(q);
      int more;
      while (rc == 0 && (more = c->idx->ops->next(r, e)) != 0) {
        if (more < 0) {
          rc = more;
          break;
        }
        const char *id = c->idx->ops->col(r, 0);
        if (json_object_get(seen, id) || json_object_get(c->recs, id)) continue;
        json_object_set_new(seen, id, json_true());
        json_t *o = json_pack("{s:s, s:i, s:{s:o, s:s}}", "match", "lineage", "depth", depth, "via", "baseDigest",
                              digest_json(c->idx->ops->col(r, 2)), down ? "parentId" : "childId",
                              c->idx->ops->col(r, 1));
        json_object_set_new(into, id, o);
        json_array_append_new(into_order, json_string(id));
        if (id_push(&next, strtoll(id, NULL, 10))) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      }
      c->idx->ops->rows_free(r);
    }
    free(frontier->v);
    *frontier = next;
  }
  json_decref(seen);
  return rc;
}

static int ids_of(json_t *order, idlist *out) {
  size_t i;
  json_t *v;
  json_array_foreach(order, i, v) if (id_push(out, strtoll(json_string_value(v), NULL, 10))) return -1;
  return 0;
}

/* Record ids are internal: the envelope digest names a record outside. */
static json_t *ordered(json_t *recs, json_t *order) {
  json_t *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(order, i, v) {
    json_t *o = json_object_get(recs, json_string_value(v));
    json_t *via = json_object_get(o, "via");
    const char *rel = json_object_get(via, "parentId") ? "parentId" : "childId";
    json_t *other = json_object_get(via, rel);
    if (other) {
      json_t *peer = json_object_get(recs, json_string_value(other));
      json_object_set(via, strcmp(rel, "parentId") == 0 ? "parent" : "child",
                      json_object_get(peer, "envelopeSha256") ? json_object_get(peer, "envelopeSha256") : json_null());
      json_object_del(via, rel);
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
  idlist up = {0}, down = {0};
  if (rc == 0 && ids_of(c->order, &up)) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0 && ids_of(c->order, &down)) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  /* a base model that was never indexed itself still has children */
  char *key = mp_index_digest_key(c->q->arg);
  const char *p[1] = {key};
  mp_idb_rows *r = NULL;
  json_t *anc = json_object(), *anc_order = json_array(), *desc = json_object(), *desc_order = json_array();
  if (rc == 0 && !key) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0 && (rc = mp_index_q(c->idx, "SELECT att_id FROM lineage WHERE base_digest = $1", p, 1, &r, e)) == 0) {
    int more;
    while ((more = c->idx->ops->next(r, e)) > 0) {
      const char *id = c->idx->ops->col(r, 0);
      if (json_object_get(desc, id) || json_object_get(c->recs, id)) continue;
      json_object_set_new(desc, id, json_pack("{s:s, s:i, s:{s:o}}", "match", "lineage", "depth", 1, "via",
                                              "baseDigest", digest_json(key)));
      json_array_append_new(desc_order, json_string(id));
      if (id_push(&down, strtoll(id, NULL, 10))) more = mp_err_set(e, MP_ENOMEM, "out of memory");
    }
    if (more < 0) rc = more;
    c->idx->ops->rows_free(r);
  }
  if (rc == 0) rc = walk(c, &up, 0, anc, anc_order, e);
  if (rc == 0) rc = walk(c, &down, 1, desc, desc_order, e);
  if (rc == 0) rc = fill(c->idx, c->recs, 1, e);
  if (rc == 0) rc = fill(c->idx, anc, 0, e);
  if (rc == 0) rc = fill(c->idx, desc, 0, e);
  /* the full record: the statement as signed */
  size_t i;
  json_t *v;
  json_array_foreach(c->order, i, v) {
    if (rc) break;
    const char *id[1] = {json_string_value(v)};
    if ((rc = mp_index_q(c->idx, "SELECT payload FROM envelopes WHERE att_id = CAST($1 AS BIGINT)", id, 1, &r, e)))
      break;
    if ((rc = c->idx->ops->next(r, e)) == 1) {
      size_t len = 0;
      const uint8_t *pl = c->idx->ops->col_blob(r, 0, &len);
      json_t *st = json_loadb((const char *)pl, len, 0, NULL);
      json_object_set_new(json_object_get(c->recs, id[0]), "statement", st ? st : json_null());
      rc = 0;
    }
    c->idx->ops->rows_free(r);
  }
  if (rc == 0) {
    json_t *all = json_deep_copy(c->recs); /* parents/children named across the three sets */
    json_object_update(all, anc);
    json_object_update(all, desc);
    json_object_set_new(out, "model", digest_json(key));
    json_object_set_new(out, "records", ordered(all, c->order));
    json_object_set_new(out, "ancestors", ordered(all, anc_order));
    json_object_set_new(out, "descendants", ordered(all, desc_order));
    json_object_set_new(out, "count", json_integer((json_int_t)json_array_size(c->order)));
    json_decref(all);
  }
  free(key);
  free(up.v);
  free(down.v);
  json_decref(anc);
  json_decref(anc_order);
  json_decref(desc);
  json_decref(desc_order);
  return rc;
}

int mp_index_query_run(mp_index *idx, const mp_index_query *q, json_t **result, mp_err *e) {
  if (q->kind != MP_IQ_TIME && (!q->arg || !*q->arg)) return mp_err_set(e, MP_EUSAGE, "query needs an argument");
  qctx c = {.idx = idx, .q = q, .recs = json_object(), .order = json_array()};
  json_t *out = json_pack("{s:o, s:s}", "query", query_json(q), "backend", mp_index_backend(idx));
  int rc = (!c.recs || !c.order || !out) ? mp_err_set(e, MP_ENOMEM, "out of memory") : 0;
  if (rc == 0 && q->kind == MP_IQ_MODEL) {
    rc = model_query(&c, out, e);
  } else if (rc == 0) {
    rc = seed_query(&c, e);
    size_t direct = json_array_size(c.order);
    if (rc == 0 && (q->affected || q->kind == MP_IQ_DATASET)) {
      idlist f = {0};
      if (ids_of(c.order, &f)) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      else rc = walk(&c, &f, 1, c.recs, c.order, e);
      free(f.v);
    }
    if (rc == 0) rc = fill(idx, c.recs, 0, e);
    if (rc == 0) {
      json_object_set_new(out, "count", json_integer((json_int_t)json_array_size(c.order)));
      json_object_set_new(out, "direct", json_integer((json_int_t)direct));
      json_object_set_new(out, "throughLineage", json_integer((json_int_t)(json_array_size(c.order) - direct)));
      json_object_set_new(out, "results", ordered(c.recs, c.order));
    }
  }
  json_decref(c.recs);
  json_decref(c.order);
  if (rc) {
    json_decref(out);
    return rc;
  }
  *result = out;
  return 0;
}
