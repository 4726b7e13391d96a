/* index_sqlite.c — the embedded SQLite backend of the index (index_int.h).
 *
 * One file in WAL mode: readers see the last committed state while a writer
 * works (a concurrent `index query` during `index add` is consistent), and
 * writers are serialised by BEGIN IMMEDIATE with a generous busy timeout.
 * synchronous=NORMAL: a committed file survives a crash of mlprov; after a
 * power loss the last transactions may be gone, never half of one.
 * Statements used for every record are prepared once per connection.
 *
 * Checkpoints (copying committed pages from the WAL into the database file)
 * run on a thread of their own with its own connection, started by the
 * first write transaction: left to SQLite, each one runs inside the commit
 * that crosses its threshold, on the thread every record waits for (a fifth
 * of its time when adding). The writer's automatic checkpoints are then off. The log starts
 * over only when a write transaction begins with every frame copied, which
 * a writer that begins the next transaction at once never sees: past
 * WAL_RESTART_FRAMES, the writer's next transaction waits for the
 * checkpointer to finish first, so the log stays about that size. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "index_int.h"

#define READER_CACHE "-2048" /* KiB */
#define WAL_RESTART_FRAMES 262144 /* pages: 1 GiB of log */

enum { S_PKG_GET, S_PKG_INS, S_ATT, S_ENV, S_SUBJ, S_DS, S_POST, S_POST16, S_POST64, S_LIN, S_SIG, S_COUNT };

/* package_postings rows go in by statements of 64, 16 and 1 rows: a
 * transaction has thousands, and a statement's own cost (step, reset,
 * opening the cursor) is most of what a one-row insert costs. */
static const int post_rows[S_COUNT] = {[S_POST] = 1, [S_POST16] = 16, [S_POST64] = 64};

static const char *const stmt_sql[S_COUNT] = {
    [S_PKG_GET] = "SELECT id FROM packages WHERE purl=?1 AND name=?2 AND version=?3 AND digest=?4",
    [S_PKG_INS] = "INSERT INTO packages (purl, name, version, digest, base, lname) VALUES (?1,?2,?3,?4,?5,?6)",
    [S_ATT] = "INSERT INTO attestations (envelope_sha256, payload_sha256, verified, verify_error, predicate_type,"
              " build_type, builder_id, invocation_id, started_on, finished_on, sort_time, source_uri, source_repo,"
              " source_commit, source_branch, source_dirty, added_from, added_on)"
              " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)"
              " ON CONFLICT (envelope_sha256) DO NOTHING",
    [S_ENV] = "INSERT INTO envelopes (att_id, payload_type, payload, signatures) VALUES (?1,?2,?3,?4)",
    [S_SUBJ] = "INSERT INTO subjects (att_id, name, digest, role) VALUES (?1,?2,?3,?4)",
    [S_DS] = "INSERT INTO datasets (att_id, name, uri, digest, merkle_root, records) VALUES (?1,?2,?3,?4,?5,?6)",
    [S_LIN] = "INSERT INTO lineage (att_id, base_digest, base_name, base_uri, base_provenance) VALUES (?1,?2,?3,?4,?5)",
    [S_SIG] = "INSERT OR IGNORE INTO signers (keyid, att_id, verified) VALUES (?1,?2,?3)",
};

/* The checkpointing thread and what it is told. */
typedef struct checkpointer {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int running;
  int pending; /* commits since the last checkpoint began */
  int busy;    /* a checkpoint is running */
  int stop;
  sqlite3 *db;
} checkpointer;

struct mp_idb {
  sqlite3 *db;
  char *path;
  checkpointer *ck;
  int wal_frames; /* frames in the log after the last commit */
  sqlite3_stmt *st[S_COUNT];
};

struct mp_idb_rows {
  sqlite3_stmt *st;
  mp_idb *db;
};

static int fail(mp_idb *db, mp_err *e, const char *what) {
  int code = sqlite3_errcode(db->db);
  return mp_err_set(e, code == SQLITE_NOMEM ? MP_ENOMEM : MP_EIO, "index %s: %s: %s", db->path, what,
                    sqlite3_errmsg(db->db));
}

/* mkdir -p for the directory holding path (mode 0700: the index says what
 * the organisation trains and with what). */
static int make_parent(const char *path, mp_err *e) {
  char *d = strdup(path);
  if (!d) return mp_err_set(e, MP_ENOMEM, "out of memory");
  char *slash = strrchr(d, '/');
  int rc = 0;
  if (slash && slash != d) {
    *slash = '\0';
    for (char *p = d + 1; rc == 0; p++) {
      if (*p != '/' && *p != '\0') continue;
      char c = *p;
      *p = '\0';
      if (mkdir(d, 0700) != 0 && errno != EEXIST) rc = mp_err_errno(e, MP_EIO, errno, "creating %s", d);
      *p = c;
      if (!c) break;
    }
  }
  free(d);
  return rc;
}

static void *checkpoint_loop(void *arg) {
  checkpointer *ck = arg;
  pthread_mutex_lock(&ck->mu);
  for (;;) {
    while (!ck->pending && !ck->stop) pthread_cond_wait(&ck->cv, &ck->mu);
    if (!ck->pending) break;
    ck->pending = 0;
    ck->busy = 1;
    pthread_mutex_unlock(&ck->mu);
    /* PASSIVE: copies what is committed, never waits for the writer or a
     * reader; a failure leaves the frames in the WAL for the next one */
    sqlite3_wal_checkpoint_v2(ck->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_lock(&ck->mu);
    ck->busy = 0;
    pthread_cond_broadcast(&ck->cv);
  }
  pthread_mutex_unlock(&ck->mu);
  return NULL;
}

static void checkpointer_stop(checkpointer *ck) {
  if (!ck) return;
  if (ck->running) {
    pthread_mutex_lock(&ck->mu);
    ck->stop = 1;
    pthread_cond_signal(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
    pthread_join(ck->thread, NULL);
    pthread_mutex_destroy(&ck->mu);
    pthread_cond_destroy(&ck->cv);
  }
  sqlite3_close(ck->db);
  free(ck);
}

/* The writer's commit hook: the log's size. */
static int wal_committed(void *ctx, sqlite3 *handle, const char *name, int frames) {
  (void)handle, (void)name;
  ((mp_idb *)ctx)->wal_frames = frames;
  return SQLITE_OK;
}

/* Before the first write transaction: the checkpointer, and the writer's
 * automatic checkpoints off. When it cannot be started, they stay on. */
static void checkpointer_start(mp_idb *db) {
  checkpointer *ck;
  if (db->ck || !(ck = calloc(1, sizeof *ck))) return; /* tried once */
  db->ck = ck;
  /* a connection checkpoints only once it has read the file and found it
   * in WAL mode; until then the call does nothing, silently */
  if (sqlite3_open_v2(db->path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec(ck->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK ||
      pthread_mutex_init(&ck->mu, NULL) != 0)
    return;
  if (pthread_cond_init(&ck->cv, NULL) != 0) {
    pthread_mutex_destroy(&ck->mu);
    return;
  }
  if (pthread_create(&ck->thread, NULL, checkpoint_loop, ck) != 0) {
    pthread_cond_destroy(&ck->cv);
    pthread_mutex_destroy(&ck->mu);
    return;
  }
  ck->running = 1;
  sqlite3_wal_hook(db->db, wal_committed, db); /* replaces the automatic checkpoints */
}

/* After a commit: the checkpointer copies it into the database file. */
static void checkpoint_soon(mp_idb *db) {
  checkpointer *ck = db->ck;
  if (!ck || !ck->running) return;
  pthread_mutex_lock(&ck->mu);
  ck->pending = 1;
  pthread_cond_broadcast(&ck->cv);
  pthread_mutex_unlock(&ck->mu);
}

/* Before a write transaction: when the log has grown past its bound, waits
 * until every committed frame is copied, so that the transaction's first
 * write starts the log over. */
static void checkpoint_catch_up(mp_idb *db) {
  checkpointer *ck = db->ck;
  if (!ck || !ck->running || db->wal_frames < WAL_RESTART_FRAMES) return;
  pthread_mutex_lock(&ck->mu);
  while (ck->pending || ck->busy) pthread_cond_wait(&ck->cv, &ck->mu);
  pthread_mutex_unlock(&ck->mu);
  db->wal_frames = 0;
}

static void sq_close(mp_idb *db) {
  if (!db) return;
  checkpointer_stop(db->ck); /* before the writer's close, which checkpoints what is left */
  for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(db->st[i]);
  sqlite3_close(db->db);
  free(db->path);
  free(db);
}

static int sq_exec(mp_idb *db, const char *sql, mp_err *e) {
  char *msg = NULL;
  if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
  int rc = mp_err_set(e, MP_EIO, "index %s: %s", db->path, msg ? msg : sqlite3_errmsg(db->db));
  sqlite3_free(msg);
  return rc;
}

static int sq_open(const char *target, int create, mp_idb **out, mp_err *e) {
  struct stat st;
  if (!create && stat(target, &st) != 0)
    return mp_err_set(e, MP_ENOTFOUND, "no index at %s (create one with `mlprov index add`)", target);
  if (create && make_parent(target, e)) return mp_err_prefix(e, "index %s", target);
  mp_idb *db = calloc(1, sizeof *db);
  if (!db || !(db->path = strdup(target))) {
    free(db);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  int rc = 0;
  if (sqlite3_open_v2(target, &db->db, flags, NULL) != SQLITE_OK) {
    rc = db->db ? fail(db, e, "opening") : mp_err_set(e, MP_ENOMEM, "out of memory");
    sq_close(db);
    return rc;
  }
  sqlite3_busy_timeout(db->db, 60000);
  sqlite3_extended_result_codes(db->db, 0);
  /* journal_mode=WAL persists in the file; the rest is per connection. The
   * page cache holds a transaction's inserts into the indexes; beyond 64 MiB
   * it costs more than it saves, as every page it grows by is fresh memory
   * (a page fault, ~16 µs on a VM), while a page read back from the OS's
   * cache costs a pread. */
  /* 64 KiB pages, for an index this creates (an existing one keeps its
   * own): SQLite writes the log a page at a time, two system calls a page,
   * and the checkpoint copies it the same way, so a record (a 30 kB payload
   * and its index entries) cost ~40 writes with 4 KiB pages; with 64 KiB
   * ones, a third of the time in the kernel and 10,000 records added in 3 s
   * instead of 5 on the development VM. Queries read no more: a result's
   * rows are small and spread over the whole table either way. Only
   * effective before the first table exists. */
  if (rc == 0 && create) rc = sq_exec(db, "PRAGMA page_size=65536;", e);
  if (rc == 0) rc = sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                   " PRAGMA temp_store=MEMORY;", e);
  /* A reader (query, export) touches each page about once, so a big page
   * cache buys it nothing, and every fresh page of one is a page fault (the
   * most expensive thing a query did on a VM): a small cache whose buffers
   * are reused instead. */
  if (rc == 0 && !create) rc = sq_exec(db, "PRAGMA cache_size=" READER_CACHE ";", e);
  if (rc == 0) {
    /* a file that is not a database shows up here rather than later */
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
      rc = fail(db, e, "reading");
    sqlite3_finalize(s);
  }
  if (rc) {
    sq_close(db);
    return rc;
  }
  *out = db;
  return 0;
}

/* $N -> ?N: one SQL text serves both backends. */
static char *to_sqlite_params(const char *sql) {
  char *s = strdup(sql);
  if (!s) return NULL;
  for (char *p = s; *p; p++)
    if (*p == '$' && p[1] >= '0' && p[1] <= '9') *p = '?';
  return s;
}

static int sq_query(mp_idb *db, const char *sql, const char *const *params, size_t n, mp_idb_rows **out,
                    mp_err *e) {
  char *q = to_sqlite_params(sql);
  if (!q) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_idb_rows *r = calloc(1, sizeof *r);
  int rc = 0;
  if (!r) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  else if (sqlite3_prepare_v2(db->db, q, -1, &r->st, NULL) != SQLITE_OK) rc = fail(db, e, "preparing a query");
  for (size_t i = 0; rc == 0 && i < n; i++)
    if ((params[i] ? sqlite3_bind_text(r->st, (int)i + 1, params[i], -1, SQLITE_STATIC)
                   : sqlite3_bind_null(r->st, (int)i + 1)) != SQLITE_OK)
      rc = fail(db, e, "binding a query parameter");
  free(q);
  if (rc) {
    if (r) sqlite3_finalize(r->st);
    free(r);
    return rc;
  }
  r->db = db;
  *out = r;
  return 0;
}

static int sq_next(mp_idb_rows *r, mp_err *e) {
  int s = sqlite3_step(r->st);
  if (s == SQLITE_ROW) return 1;
  if (s == SQLITE_DONE) return 0;
  return fail(r->db, e, "running a query");
}

static const char *sq_col(mp_idb_rows *r, int i) { return (const char *)sqlite3_column_text(r->st, i); }

static const uint8_t *sq_col_blob(mp_idb_rows *r, int i, size_t *len) {
  const uint8_t *p = sqlite3_column_blob(r->st, i);
  *len = (size_t)sqlite3_column_bytes(r->st, i);
  return p ? p : (const uint8_t *)"";
}

static void sq_rows_free(mp_idb_rows *r) {
  if (!r) return;
  sqlite3_finalize(r->st);
  free(r);
}

static int sq_begin(mp_idb *db, mp_err *e) {
  checkpointer_start(db);
  checkpoint_catch_up(db);
  return sq_exec(db, "BEGIN IMMEDIATE", e);
}
static int sq_commit(mp_idb *db, mp_err *e) {
  int rc = sq_exec(db, "COMMIT", e);
  if (rc == 0) checkpoint_soon(db);
  return rc;
}
static void sq_rollback(mp_idb *db) {
  if (!sqlite3_get_autocommit(db->db)) sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

/* "INSERT INTO package_postings ... VALUES (?1,?2),(?3,?4),...". */
static char *postings_sql(int rows) {
  static const char head[] = "INSERT INTO package_postings (pkg_id, atts) VALUES ";
  size_t cap = sizeof head + (size_t)rows * 16;
  char *sql = malloc(cap);
  if (!sql) return NULL;
  size_t n = (size_t)snprintf(sql, cap, "%s", head);
  for (int r = 0; r < rows; r++)
    n += (size_t)snprintf(sql + n, cap - n, "%s(?%d,?%d)", r ? "," : "", 2 * r + 1, 2 * r + 2);
  return sql;
}

static int prep(mp_idb *db, int which, mp_err *e) {
  if (db->st[which]) {
    sqlite3_reset(db->st[which]);
    sqlite3_clear_bindings(db->st[which]);
    return 0;
  }
  char *gen = post_rows[which] ? postings_sql(post_rows[which]) : NULL;
  if (post_rows[which] && !gen) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int ok = sqlite3_prepare_v3(db->db, gen ? gen : stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &db->st[which],
                              NULL) == SQLITE_OK;
  free(gen);
  return ok ? 0 : fail(db, e, "preparing an insert");
}

static int step_done(mp_idb *db, int which, mp_err *e) {
  int s = sqlite3_step(db->st[which]);
  sqlite3_reset(db->st[which]);
  return s == SQLITE_DONE || s == SQLITE_ROW ? 0 : fail(db, e, "writing");
}

#define T(st, i, v) sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
#define I(st, i, v) sqlite3_bind_int64(st, i, v)

static int sq_package_ids(mp_idb *db, const mp_index_pkg *const *ps, size_t n, int64_t *ids, mp_err *e) {
  for (size_t i = 0; i < n; i++) {
    const mp_index_pkg *p = ps[i];
    if (prep(db, S_PKG_GET, e)) return e ? e->code : MP_EIO;
    sqlite3_stmt *g = db->st[S_PKG_GET];
    T(g, 1, p->purl), T(g, 2, p->name), T(g, 3, p->version), T(g, 4, p->digest);
    int s = sqlite3_step(g);
    if (s == SQLITE_ROW) {
      ids[i] = sqlite3_column_int64(g, 0);
      sqlite3_reset(g);
      continue;
    }
    sqlite3_reset(g);
    if (s != SQLITE_DONE) return fail(db, e, "looking up a package");
    if (prep(db, S_PKG_INS, e)) return e ? e->code : MP_EIO;
    sqlite3_stmt *in = db->st[S_PKG_INS];
    T(in, 1, p->purl), T(in, 2, p->name), T(in, 3, p->version), T(in, 4, p->digest), T(in, 5, p->base),
        T(in, 6, p->lname);
    if (step_done(db, S_PKG_INS, e)) return e ? e->code : MP_EIO;
    ids[i] = sqlite3_last_insert_rowid(db->db);
  }
  return 0;
}

/* --- package_postings ---------------------------------------------------------- */

static int sq_write_postings(mp_idb *db, const mp_postings *p, mp_err *e) {
  const mp_posting_row *row = p->row;
  size_t m = p->rows;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < m;) {
    int which = m - i >= 64 ? S_POST64 : m - i >= 16 ? S_POST16 : S_POST;
    if ((rc = prep(db, which, e))) break;
    sqlite3_stmt *st = db->st[which];
    for (int r = 0; r < post_rows[which]; r++, i++) {
      sqlite3_bind_int64(st, 2 * r + 1, row[i].pkg);
      sqlite3_bind_blob(st, 2 * r + 2, p->bytes + row[i].off, (int)row[i].len, SQLITE_STATIC);
    }
    rc = step_done(db, which, e);
  }
  return rc;
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t) {
  if (t == MP_INDEX_NO_TIME) sqlite3_bind_null(st, i);
  else I(st, i, t);
}

static int sq_insert_doc(mp_idb *db, const mp_index_doc *d, const char *added_from, int64_t *att_id,
                         mp_err *e) {
  int rc;
  if ((rc = prep(db, S_ATT, e))) return rc;
  sqlite3_stmt *a = db->st[S_ATT];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  T(a, 1, d->env_sha256), T(a, 2, d->payload_sha256), I(a, 3, d->verified);
  if (d->verify_error) T(a, 4, d->verify_error);
  T(a, 5, d->predicate_type), T(a, 6, d->build_type), T(a, 7, d->builder_id), T(a, 8, d->invocation_id);
  bind_time(a, 9, d->started_us);
  bind_time(a, 10, d->finished_us);
  bind_time(a, 11, d->finished_us != MP_INDEX_NO_TIME ? d->finished_us : d->started_us);
  T(a, 12, d->source_uri), T(a, 13, d->source_repo), T(a, 14, d->source_commit), T(a, 15, d->source_branch);
  if (d->source_dirty >= 0) I(a, 16, d->source_dirty);
  T(a, 17, added_from);
  I(a, 18, (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000);
  if ((rc = step_done(db, S_ATT, e))) return rc;
  if (sqlite3_changes(db->db) == 0) return MP_EEXISTS; /* content address already indexed */
  int64_t id = sqlite3_last_insert_rowid(db->db);
  if ((rc = prep(db, S_ENV, e))) return rc;
  sqlite3_stmt *v = db->st[S_ENV];
  I(v, 1, id), T(v, 2, d->payload_type), T(v, 4, d->signatures);
  sqlite3_bind_blob(v, 3, d->payload, (int)d->payload_len, SQLITE_STATIC);
  if ((rc = step_done(db, S_ENV, e))) return rc;
  for (size_t i = 0; i < d->nsubjects; i++) {
    if ((rc = prep(db, S_SUBJ, e))) return rc;
    sqlite3_stmt *s = db->st[S_SUBJ];
    I(s, 1, id), T(s, 2, d->subjects[i].name), T(s, 3, d->subjects[i].digest), T(s, 4, d->subjects[i].role);
    if ((rc = step_done(db, S_SUBJ, e))) return rc;
  }
  for (size_t i = 0; i < d->ndatasets; i++) {
    if ((rc = prep(db, S_DS, e))) return rc;
    sqlite3_stmt *s = db->st[S_DS];
    const mp_index_dataset *x = &d->datasets[i];
    I(s, 1, id), T(s, 2, x->name), T(s, 3, x->uri), T(s, 4, x->digest), T(s, 5, x->merkle_root);
    if (x->records >= 0) I(s, 6, x->records);
    if ((rc = step_done(db, S_DS, e))) return rc;
  }
  for (size_t i = 0; i < d->nbases; i++) {
    if (!*d->bases[i].digest) continue; /* lineage follows digests only */
    if ((rc = prep(db, S_LIN, e))) return rc;
    sqlite3_stmt *s = db->st[S_LIN];
    const mp_index_base *b = &d->bases[i];
    I(s, 1, id), T(s, 2, b->digest), T(s, 3, b->name), T(s, 4, b->uri), T(s, 5, b->provenance);
    if ((rc = step_done(db, S_LIN, e))) return rc;
  }
  for (size_t i = 0; i < d->nsigners; i++) {
    if ((rc = prep(db, S_SIG, e))) return rc;
    T(db->st[S_SIG], 1, d->signers[i].keyid), I(db->st[S_SIG], 2, id), I(db->st[S_SIG], 3, d->signers[i].verified);
    if ((rc = step_done(db, S_SIG, e))) return rc;
  }
  *att_id = id;
  return 0;
}

const mp_idb_ops mp_idb_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .query = sq_query,
    .next = sq_next,
    .col = sq_col,
    .col_blob = sq_col_blob,
    .rows_free = sq_rows_free,
    .begin_write = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .package_ids = sq_package_ids,
    .insert_doc = sq_insert_doc,
    .write_postings = sq_write_postings,
};
