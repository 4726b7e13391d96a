/* index_pg.c — the PostgreSQL backend of the index (index_int.h), through
 * libpq, for a team's shared index.
 *
 * Readers run under MVCC and see committed files only. Writers take a
 * transaction-level advisory lock, so they are serialised as on SQLite and a
 * file's records never interleave with another writer's. A record is written
 * in one round trip: one statement of data-modifying CTEs whose row lists
 * travel as arrays (unnest); package postings go thousands of rows a round
 * trip. Messages show the URL without its password. Server notices are
 * discarded: the library never prints. */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "index_int.h"

#define WRITER_LOCK "7012345019"  /* pg_advisory_xact_lock key: mlprov index writers */

/* libpq is loaded when a PostgreSQL index is opened rather than linked: it
 * brings eighteen libraries (Kerberos, LDAP, GnuTLS, ...) whose loading and
 * relocation cost every mlprov command about 10 ms at start-up, for a
 * backend most runs never use. */
typedef struct pq_api {
  void *lib;
  PGconn *(*connectdb)(const char *);
  ConnStatusType (*status)(const PGconn *);
  PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor, void *);
  void (*finish)(PGconn *);
  char *(*errorMessage)(const PGconn *);
  PGresult *(*exec)(PGconn *, const char *);
  PGresult *(*execParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int);
  PGresult *(*prepare)(PGconn *, const char *, const char *, int, const Oid *);
  PGresult *(*execPrepared)(PGconn *, const char *, int, const char *const *, const int *, const int *, int);
  ExecStatusType (*resultStatus)(const PGresult *);
  char *(*resultErrorMessage)(const PGresult *);
  char *(*cmdStatus)(PGresult *);
  int (*ntuples)(const PGresult *);
  int (*getisnull)(const PGresult *, int, int);
  char *(*getvalue)(const PGresult *, int, int);
  unsigned char *(*unescapeBytea)(const unsigned char *, size_t *);
  void (*freemem)(void *);
  void (*clear)(PGresult *);
} pq_api;

static int pq_load(pq_api *pq, mp_err *e) {
  pq->lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!pq->lib)
    return mp_err_set(e, MP_EUNSUPPORTED, "a PostgreSQL index needs libpq (apt-get install libpq5): %s", dlerror());
  static const struct {
    const char *name;
    size_t off;
  } syms[] = {
#define SYM(f) {"PQ" #f, offsetof(pq_api, f)}
      SYM(connectdb), SYM(status),  SYM(setNoticeProcessor), SYM(finish),   SYM(errorMessage), SYM(exec),
      SYM(execParams), SYM(prepare), SYM(execPrepared), SYM(resultStatus), SYM(resultErrorMessage), SYM(cmdStatus),
      SYM(ntuples), SYM(getisnull), SYM(getvalue),  SYM(unescapeBytea), SYM(freemem), SYM(clear),
#undef SYM
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *f = dlsym(pq->lib, syms[i].name);
    if (!f) /* left loaded, as after use (see pg_close) */
      return mp_err_set(e, MP_EUNSUPPORTED, "libpq.so.5 has no %s", syms[i].name);
    memcpy((char *)pq + syms[i].off, &f, sizeof f);
  }
  return 0;
}

/* The statements run for every record, prepared once per connection: parsing
 * and planning them again for each record cost the server more than running
 * them. */
enum { P_PKG, P_DOC, P_POST, P_COUNT };

/* package_postings rows a statement */
#define POST_ROWS 16384

struct mp_idb {
  pq_api pq;
  PGconn *c;
  char *where; /* URL without password */
  int prepared[P_COUNT];
  int toast_set;   /* the session's payload compression chosen */
};

struct mp_idb_rows {
  const pq_api *pq;
  PGresult *res;
  int row, nrows;
  unsigned char *blob;
};

static int fail(mp_idb *db, const PGresult *r, mp_err *e, const char *what) {
  const char *msg = r ? db->pq.resultErrorMessage(r) : NULL;
  if (!msg || !*msg) msg = db->pq.errorMessage(db->c);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  return mp_err_set(e, MP_EIO, "index %s: %s: %.*s", db->where, what, (int)n, msg);
}

/* The URL for messages: without "user:PASSWORD@" and "password=" values. */
static char *redact_url(const char *url) {
  char *s = strdup(url);
  if (!s) return NULL;
  char *p = strstr(s, "://");
  if (p) {
    p += 3;
    char *at = strchr(p, '@'), *slash = strchr(p, '/');
    char *colon = at && (!slash || at < slash) ? memchr(p, ':', (size_t)(at - p)) : NULL;
    if (colon) memmove(colon, at, strlen(at) + 1);
  }
  for (char *q = strstr(s, "password="); q; q = strstr(q + 9, "password=")) {
    char *v = q + 9, *end = strchr(v, '&');
    size_t tail = end ? strlen(end) + 1 : 1;
    if (strlen(v) >= 3) {
      memcpy(v, "***", 3);
      memmove(v + 3, end ? end : v + strlen(v), tail);
    }
  }
  return s;
}

static void quiet(void *arg, const char *msg) {
  (void)arg;
  (void)msg;
}

static void pg_close(mp_idb *db) {
  if (!db) return;
  if (db->c) db->pq.finish(db->c);
  /* libpq stays loaded: unloading it would run its and its libraries'
   * destructors while OpenSSL, shared with mlprov, is still in use */
  free(db->where);
  free(db);
}

static int pg_exec(mp_idb *db, const char *sql, mp_err *e) {
  PGresult *r = db->pq.exec(db->c, sql);
  ExecStatusType s = db->pq.resultStatus(r);
  int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : fail(db, r, e, "executing");
  db->pq.clear(r);
  return rc;
}

static int pg_open(const char *target, int create, mp_idb **out, mp_err *e) {
  (void)create; /* the database itself is the administrator's to create */
  mp_idb *db = calloc(1, sizeof *db);
  if (!db || !(db->where = redact_url(target))) {
    free(db);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  int lrc = pq_load(&db->pq, e);
  if (lrc) {
    mp_err_prefix(e, "index %s", db->where);
    pg_close(db);
    return lrc;
  }
  db->c = db->pq.connectdb(target);
  if (!db->c || db->pq.status(db->c) != CONNECTION_OK) {
    int rc = db->c ? fail(db, NULL, e, "connecting") : mp_err_set(e, MP_ENOMEM, "out of memory");
    pg_close(db);
    return rc;
  }
  db->pq.setNoticeProcessor(db->c, quiet, NULL);
  /* mlprov's statements look records up by id or key, at most some
   * thousand of them in an index that is normally in memory: no JIT
   * compilation (hundreds of ms whenever a plan's cost estimate passes
   * jit_above_cost), no parallel workers, and index lookups rather than a
   * scan of a whole table (a session is a new server process, which must map
   * every shared buffer it reads: a scan touching every page of a table cost
   * several times the lookups of the few thousand rows it kept). */
  int rc = pg_exec(db,
                   "SET client_min_messages = warning; SET jit = off; SET max_parallel_workers_per_gather = 0;"
                   " SET random_page_cost = 1.1; SET enable_seqscan = off",
                   e);
  if (rc) {
    pg_close(db);
    return rc;
  }
  *out = db;
  return 0;
}

static int pg_params(mp_idb *db, const char *sql, int n, const char *const *vals, const int *lens,
                     const int *fmts, PGresult **out, mp_err *e) {
  PGresult *r = db->pq.execParams(db->c, sql, n, NULL, vals, lens, fmts, 0);
  ExecStatusType s = db->pq.resultStatus(r);
  if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
    int rc = fail(db, r, e, "running a statement");
    db->pq.clear(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* Runs statement `which` (sql, prepared as "mlprov_<which>" on first use). */
static int pg_prepared(mp_idb *db, int which, const char *sql, int n, const char *const *vals, const int *lens,
                       const int *fmts, PGresult **out, mp_err *e) {
  char name[32];
  snprintf(name, sizeof name, "mlprov_%d", which);
  if (!db->prepared[which]) {
    PGresult *r = db->pq.prepare(db->c, name, sql, n, NULL);
    int rc = db->pq.resultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(db, r, e, "preparing a statement");
    db->pq.clear(r);
    if (rc) return rc;
    db->prepared[which] = 1;
  }
  PGresult *r = db->pq.execPrepared(db->c, name, n, vals, lens, fmts, 0);
  ExecStatusType s = db->pq.resultStatus(r);
  if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
    int rc = fail(db, r, e, "running a statement");
    db->pq.clear(r);
    return rc;
  }
  *out = r;
  return 0;
}

static int pg_query(mp_idb *db, const char *sql, const char *const *params, size_t n, mp_idb_rows **out,
                    mp_err *e) {
  mp_idb_rows *r = calloc(1, sizeof *r);
  if (!r) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int rc = pg_params(db, sql, (int)n, params, NULL, NULL, &r->res, e);
  if (rc) {
    free(r);
    return rc;
  }
  r->pq = &db->pq;
  r->row = -1;
  r->nrows = db->pq.ntuples(r->res);
  *out = r;
  return 0;
}

static int pg_next(mp_idb_rows *r, mp_err *e) {
  (void)e;
  r->pq->freemem(r->blob);
  r->blob = NULL;
  return ++r->row < r->nrows ? 1 : 0;
}

static const char *pg_col(mp_idb_rows *r, int i) {
  return r->pq->getisnull(r->res, r->row, i) ? NULL : r->pq->getvalue(r->res, r->row, i);
}

static const uint8_t *pg_col_blob(mp_idb_rows *r, int i, size_t *len) {
  r->pq->freemem(r->blob);
  r->blob = r->pq->unescapeBytea((const unsigned char *)r->pq->getvalue(r->res, r->row, i), len);
  if (!r->blob) *len = 0;
  return r->blob ? r->blob : (const uint8_t *)"";
}

static void pg_rows_free(mp_idb_rows *r) {
  if (!r) return;
  r->pq->freemem(r->blob);
  r->pq->clear(r->res);
  free(r);
}

static int pg_begin(mp_idb *db, mp_err *e) {
  /* A writer's payloads (30 kB of JSON a record) are compressed with lz4
   * rather than the server's default pglz: adding records took a fifth less
   * time on the development VM, where the server's CPU is the limit. A
   * server built without lz4 refuses the setting, outside any transaction,
   * and keeps pglz. */
  if (!db->toast_set) {
    db->toast_set = 1;
    db->pq.clear(db->pq.exec(db->c, "SET default_toast_compression = lz4"));
  }
  return pg_exec(db, "BEGIN; SELECT pg_advisory_xact_lock(" WRITER_LOCK ")", e);
}

static int pg_commit(mp_idb *db, mp_err *e) {
  PGresult *r = db->pq.exec(db->c, "COMMIT");
  /* COMMIT of a failed transaction "succeeds" as ROLLBACK */
  int rc = db->pq.resultStatus(r) == PGRES_COMMAND_OK && strcmp(db->pq.cmdStatus(r), "COMMIT") == 0
               ? 0
               : (db->pq.resultStatus(r) == PGRES_COMMAND_OK
                      ? mp_err_set(e, MP_EIO, "index %s: transaction was rolled back", db->where)
                      : fail(db, r, e, "committing"));
  db->pq.clear(r);
  return rc;
}

static void pg_rollback(mp_idb *db) { db->pq.clear(db->pq.exec(db->c, "ROLLBACK")); }

/* --- array literals ----------------------------------------------------------- */

typedef struct sbuf {
  char *s;
  size_t n, cap;
  int oom;
} sbuf;

/* Room for n more bytes and the NUL after them, at the end of b; NULL
 * (b->oom set) when out of memory. */
static char *room(sbuf *b, size_t n) {
  if (b->oom) return NULL;
  if (b->n + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap : 256;
    while (nc < b->n + n + 1) nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns) {
      b->oom = 1;
      return NULL;
    }
    b->s = ns;
    b->cap = nc;
  }
  return b->s + b->n;
}

static void put(sbuf *b, const char *s, size_t n) {
  char *at = room(b, n);
  if (!at) return;
  memcpy(at, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void put_hex(sbuf *b, const uint8_t *bytes, size_t n) {
  char *at = room(b, 2 * n);
  if (!at) return;
  mp_hex_encode(bytes, n, at);
  b->n += 2 * n;
}

static void put_elem_text(sbuf *b, const char *v, int first) {
  if (!first) put(b, ",", 1);
  put(b, "\"", 1);
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\') put(b, "\\", 1);
    put(b, p, 1);
  }
  put(b, "\"", 1);
}

static void put_elem_int(sbuf *b, int64_t v, int null, int first) {
  char num[32];
  int n = null ? snprintf(num, sizeof num, "%sNULL", first ? "" : ",")
               : snprintf(num, sizeof num, "%s%lld", first ? "" : ",", (long long)v);
  put(b, num, (size_t)n);
}

/* One text[] literal of field `off` (a const char * member) of n structs. */
static void text_array(sbuf *b, const void *base, size_t n, size_t size, size_t off) {
  put(b, "{", 1);
  for (size_t i = 0; i < n; i++)
    put_elem_text(b, *(const char *const *)((const char *)base + i * size + off), i == 0);
  put(b, "}", 1);
}

/* All of a record's unknown packages in one round trip: the rows inserted
 * now come from the INSERT's RETURNING, the others from the snapshot before it
 * (writers are serialised, so nothing else inserts meanwhile), each looked up
 * through the unique index: a join would let the planner hash the whole
 * packages table for every record. */
static int pg_package_ids(mp_idb *db, const mp_index_pkg *const *ps, size_t n, int64_t *ids, mp_err *e) {
  static const char sql[] =
      "WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
      " WITH ORDINALITY AS u(purl, name, version, digest, base, lname, ord)),"
      " ins AS (INSERT INTO packages (purl, name, version, digest, base, lname)"
      " SELECT purl, name, version, digest, base, lname FROM v"
      " ON CONFLICT (purl, name, version, digest) DO NOTHING RETURNING id, purl, name, version, digest)"
      " SELECT v.ord, COALESCE(i.id, (SELECT p.id FROM packages p WHERE p.purl = v.purl AND p.name = v.name"
      " AND p.version = v.version AND p.digest = v.digest))"
      " FROM v LEFT JOIN ins i USING (purl, name, version, digest) ORDER BY v.ord";
  static const size_t offs[6] = {offsetof(mp_index_pkg, purl), offsetof(mp_index_pkg, name),
                                 offsetof(mp_index_pkg, version), offsetof(mp_index_pkg, digest),
                                 offsetof(mp_index_pkg, base), offsetof(mp_index_pkg, lname)};
  sbuf arr[6];
  memset(arr, 0, sizeof arr);
  int rc = 0;
  for (int c = 0; c < 6; c++) {
    put(&arr[c], "{", 1);
    for (size_t i = 0; i < n; i++) put_elem_text(&arr[c], *(const char *const *)((const char *)ps[i] + offs[c]), i == 0);
    put(&arr[c], "}", 1);
    if (arr[c].oom) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  const char *v[6] = {arr[0].s, arr[1].s, arr[2].s, arr[3].s, arr[4].s, arr[5].s};
  PGresult *r = NULL;
  if (rc == 0) rc = pg_prepared(db, P_PKG, sql, 6, v, NULL, NULL, &r, e);
  if (rc == 0 && db->pq.ntuples(r) != (int)n)
    rc = mp_err_set(e, MP_EINTERNAL, "index %s: %d package ids for %zu packages", db->where, db->pq.ntuples(r), n);
  for (int i = 0; rc == 0 && i < (int)n; i++) {
    if (db->pq.getisnull(r, i, 1)) rc = mp_err_set(e, MP_EINTERNAL, "index %s: package row missing after insert", db->where);
    else ids[i] = strtoll(db->pq.getvalue(r, i, 1), NULL, 10);
  }
  db->pq.clear(r);
  for (int c = 0; c < 6; c++) free(arr[c].s);
  return rc;
}

#define NPARAMS 35
#define NARRAYS 14

static int pg_insert_doc(mp_idb *db, const mp_index_doc *d, const char *added_from, int64_t *att_id,
                         mp_err *e) {
  static const char sql[] =
      "WITH a AS (INSERT INTO attestations (envelope_sha256, payload_sha256, verified, verify_error,"
      " predicate_type, build_type, builder_id, invocation_id, started_on, finished_on, sort_time, source_uri,"
      " source_repo, source_commit, source_branch, source_dirty, added_from, added_on)"
      " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)"
      " ON CONFLICT (envelope_sha256) DO NOTHING RETURNING id),"
      " v AS (INSERT INTO envelopes (att_id, payload_type, payload, signatures)"
      " SELECT a.id, $19::text, $20::bytea, $21::text FROM a),"
      " s AS (INSERT INTO subjects (att_id, name, digest, role) SELECT a.id, u.n, u.d, u.r FROM a,"
      " unnest($22::text[], $23::text[], $24::text[]) AS u(n, d, r)),"
      " ds AS (INSERT INTO datasets (att_id, name, uri, digest, merkle_root, records)"
      " SELECT a.id, u.n, u.u, u.d, u.m, u.c FROM a,"
      " unnest($25::text[], $26::text[], $27::text[], $28::text[], $29::bigint[]) AS u(n, u, d, m, c)),"
      " l AS (INSERT INTO lineage (att_id, base_digest, base_name, base_uri, base_provenance)"
      " SELECT a.id, u.d, u.n, u.u, u.p FROM a, unnest($30::text[], $31::text[], $32::text[], $33::text[])"
      " AS u(d, n, u, p) WHERE u.d <> ''),"
      " g AS (INSERT INTO signers (keyid, att_id, verified) SELECT u.k, a.id, u.v FROM a,"
      " unnest($34::text[], $35::bigint[]) AS u(k, v) ON CONFLICT DO NOTHING)"
      " SELECT id FROM a";
  sbuf arr[NARRAYS];
  memset(arr, 0, sizeof arr);
  const mp_index_subject *S = d->subjects;
  text_array(&arr[0], S, d->nsubjects, sizeof *S, offsetof(mp_index_subject, name));
  text_array(&arr[1], S, d->nsubjects, sizeof *S, offsetof(mp_index_subject, digest));
  text_array(&arr[2], S, d->nsubjects, sizeof *S, offsetof(mp_index_subject, role));
  const mp_index_dataset *D = d->datasets;
  text_array(&arr[3], D, d->ndatasets, sizeof *D, offsetof(mp_index_dataset, name));
  text_array(&arr[4], D, d->ndatasets, sizeof *D, offsetof(mp_index_dataset, uri));
  text_array(&arr[5], D, d->ndatasets, sizeof *D, offsetof(mp_index_dataset, digest));
  text_array(&arr[6], D, d->ndatasets, sizeof *D, offsetof(mp_index_dataset, merkle_root));
  put(&arr[7], "{", 1);
  for (size_t i = 0; i < d->ndatasets; i++) put_elem_int(&arr[7], D[i].records, D[i].records < 0, i == 0);
  put(&arr[7], "}", 1);
  const mp_index_base *B = d->bases;
  text_array(&arr[8], B, d->nbases, sizeof *B, offsetof(mp_index_base, digest));
  text_array(&arr[9], B, d->nbases, sizeof *B, offsetof(mp_index_base, name));
  text_array(&arr[10], B, d->nbases, sizeof *B, offsetof(mp_index_base, uri));
  text_array(&arr[11], B, d->nbases, sizeof *B, offsetof(mp_index_base, provenance));
  const mp_index_signer *G = d->signers;
  text_array(&arr[12], G, d->nsigners, sizeof *G, offsetof(mp_index_signer, keyid));
  put(&arr[13], "{", 1);
  for (size_t i = 0; i < d->nsigners; i++) put_elem_int(&arr[13], G[i].verified, 0, i == 0);
  put(&arr[13], "}", 1);
  int rc = 0;
  for (int i = 0; i < NARRAYS; i++)
    if (arr[i].oom) rc = mp_err_set(e, MP_ENOMEM, "out of memory");

  char started[24], finished[24], sort[24], added[24], dirty[8];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t st = d->finished_us != MP_INDEX_NO_TIME ? d->finished_us : d->started_us;
  snprintf(started, sizeof started, "%lld", (long long)d->started_us);
  snprintf(finished, sizeof finished, "%lld", (long long)d->finished_us);
  snprintf(sort, sizeof sort, "%lld", (long long)st);
  snprintf(added, sizeof added, "%lld", (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
  snprintf(dirty, sizeof dirty, "%d", d->source_dirty);
  const char *v[NPARAMS] = {
      d->env_sha256, d->payload_sha256, d->verified ? "1" : "0", d->verify_error, d->predicate_type,
      d->build_type, d->builder_id, d->invocation_id,
      d->started_us == MP_INDEX_NO_TIME ? NULL : started, d->finished_us == MP_INDEX_NO_TIME ? NULL : finished,
      st == MP_INDEX_NO_TIME ? NULL : sort, d->source_uri, d->source_repo, d->source_commit, d->source_branch,
      d->source_dirty < 0 ? NULL : dirty, added_from, added, d->payload_type, (const char *)d->payload,
      d->signatures};
  int lens[NPARAMS] = {0}, fmts[NPARAMS] = {0};
  lens[19] = (int)d->payload_len;
  fmts[19] = 1; /* payload: binary bytea, no escaping */
  for (int i = 0; i < NARRAYS; i++) v[21 + i] = arr[i].s ? arr[i].s : "{}";
  PGresult *r = NULL;
  if (rc == 0) rc = pg_prepared(db, P_DOC, sql, NPARAMS, v, lens, fmts, &r, e);
  if (rc == 0) {
    if (db->pq.ntuples(r) == 0) rc = MP_EEXISTS; /* content address already indexed: nothing written */
    else *att_id = strtoll(db->pq.getvalue(r, 0, 0), NULL, 10);
  }
  db->pq.clear(r);
  for (int i = 0; i < NARRAYS; i++) free(arr[i].s);
  return rc;
}

/* --- package_postings ---------------------------------------------------------- */

/* POST_ROWS rows a statement: the ids as a bigint[] and the lists as a
 * text[] of hex. */
static int pg_write_postings(mp_idb *db, const mp_postings *p, mp_err *e) {
  static const char sql[] = "INSERT INTO package_postings (pkg_id, atts)"
                            " SELECT u.p, decode(u.h, 'hex') FROM unnest($1::bigint[], $2::text[]) AS u(p, h)";
  const mp_posting_row *row = p->row;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < p->rows;) {
    size_t end = p->rows - i > POST_ROWS ? i + POST_ROWS : p->rows;
    sbuf ids, lists;
    memset(&ids, 0, sizeof ids);
    memset(&lists, 0, sizeof lists);
    put(&ids, "{", 1);
    put(&lists, "{", 1);
    for (size_t k = i; k < end; k++) {
      put_elem_int(&ids, row[k].pkg, 0, k == i);
      if (k > i) put(&lists, ",", 1);
      put_hex(&lists, p->bytes + row[k].off, row[k].len);
    }
    put(&ids, "}", 1);
    put(&lists, "}", 1);
    PGresult *r = NULL;
    if (ids.oom || lists.oom) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    else rc = pg_prepared(db, P_POST, sql, 2, (const char *const[]){ids.s, lists.s}, NULL, NULL, &r, e);
    db->pq.clear(r);
    free(ids.s);
    free(lists.s);
    i = end;
  }
  return rc;
}

const mp_idb_ops mp_idb_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .next = pg_next,
    .col = pg_col,
    .col_blob = pg_col_blob,
    .rows_free = pg_rows_free,
    .begin_write = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .package_ids = pg_package_ids,
    .insert_doc = pg_insert_doc,
    .write_postings = pg_write_postings,
};
