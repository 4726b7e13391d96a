/* index.c — the backend-neutral part of the index: choosing the backend from
 * the target, the schema and its forward-only migrations, write transactions
 * with the package-id cache, and time helpers.
 *
 * Schema (docs/index.md has the full description). Ids are assigned by the
 * database; digests are lowercase hex ("alg:hex" for algorithms other than
 * sha256); times are µs since the epoch; absent strings are "".
 *   attestations          one row per envelope (content address envelope_sha256)
 *   envelopes             (att_id, payload type, payload, signatures): the signed
 *                         bytes, kept apart so attestation rows stay small and dense
 *   subjects              (att_id, name, digest, role)
 *   datasets              (att_id, name, uri, digest, merkle_root, records)
 *   packages              distinct (purl, name, version, digest), keyed by base
 *   package_postings      (pkg_id, atts): which records used which package, a
 *                         list of record ids a row (index_postings.c)
 *   lineage               (att_id, base_digest, ...): model -> base model edges
 *   signers               (keyid, att_id, verified)
 *   mlprov_schema         (version)
 * The version only moves forward; every migration runs in one transaction
 * under the writers' lock, so concurrent openers apply it once. */
#include "index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index_int.h"
#include "statement.h"

#define TABLES(BIGID, ID, BLOB, KEYTEXT, NOROWID)                                                         \
  "CREATE TABLE attestations ("                                                                          \
  " id " BIGID " PRIMARY KEY,"                                                                           \
  " envelope_sha256 TEXT NOT NULL UNIQUE,"                                                               \
  " payload_sha256 TEXT NOT NULL,"                                                                       \
  " verified " ID " NOT NULL,"                                                                           \
  " verify_error TEXT,"                                                                                  \
  " predicate_type TEXT NOT NULL, build_type TEXT NOT NULL, builder_id TEXT NOT NULL,"                   \
  " invocation_id TEXT NOT NULL,"                                                                        \
  " started_on " ID ", finished_on " ID ", sort_time " ID ","                                            \
  " source_uri TEXT NOT NULL, source_repo TEXT NOT NULL, source_commit TEXT NOT NULL,"                   \
  " source_branch TEXT NOT NULL, source_dirty " ID ","                                                   \
  " added_from TEXT NOT NULL, added_on " ID " NOT NULL);"                                                \
  "CREATE TABLE envelopes (att_id " ID " PRIMARY KEY, payload_type TEXT NOT NULL,"                        \
  " payload " BLOB " NOT NULL, signatures TEXT NOT NULL);"                                               \
  "CREATE INDEX attestations_time ON attestations(sort_time);"                                           \
  "CREATE INDEX attestations_payload ON attestations(payload_sha256);"                                   \
  "CREATE TABLE subjects (att_id " ID " NOT NULL, name TEXT NOT NULL, digest " KEYTEXT " NOT NULL,"      \
  " role TEXT NOT NULL);"                                                                                \
  "CREATE INDEX subjects_digest ON subjects(digest);"                                                    \
  "CREATE INDEX subjects_att ON subjects(att_id);"                                                       \
  "CREATE TABLE datasets (att_id " ID " NOT NULL, name " KEYTEXT " NOT NULL, uri TEXT NOT NULL,"         \
  " digest " KEYTEXT " NOT NULL, merkle_root " KEYTEXT " NOT NULL, records " ID ");"                     \
  "CREATE INDEX datasets_name ON datasets(name);"                                                        \
  "CREATE INDEX datasets_digest ON datasets(digest);"                                                    \
  "CREATE INDEX datasets_root ON datasets(merkle_root);"                                                 \
  "CREATE INDEX datasets_att ON datasets(att_id);"                                                       \
  "CREATE TABLE packages (id " BIGID " PRIMARY KEY, purl TEXT NOT NULL, base " KEYTEXT " NOT NULL,"      \
  " name TEXT NOT NULL, lname " KEYTEXT " NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL,"         \
  " UNIQUE (purl, name, version, digest));"                                                              \
  "CREATE INDEX packages_base ON packages(base);"                                                        \
  "CREATE INDEX packages_lname ON packages(lname);"                                                      \
  "CREATE TABLE attestation_packages (pkg_id " ID " NOT NULL, att_id " ID " NOT NULL,"                   \
  " PRIMARY KEY (pkg_id, att_id))" NOROWID ";"                                                           \
  "CREATE TABLE lineage (att_id " ID " NOT NULL, base_digest " KEYTEXT " NOT NULL,"                      \
  " base_name TEXT NOT NULL, base_uri TEXT NOT NULL, base_provenance TEXT NOT NULL);"                    \
  "CREATE INDEX lineage_base ON lineage(base_digest);"                                                   \
  "CREATE INDEX lineage_att ON lineage(att_id);"                                                         \
  "CREATE TABLE signers (keyid " KEYTEXT " NOT NULL, att_id " ID " NOT NULL, verified " ID " NOT NULL,"  \
  " PRIMARY KEY (keyid, att_id))" NOROWID ";"                                                            \
  "CREATE INDEX signers_att ON signers(att_id);"

/* Version 2, for the queries (index_query.c, index_lineage.c): indexes that
 * hold every column a query reads from their table, so a result record costs
 * a lookup in the index and no visit to the row (on SQLite a page read, on
 * PostgreSQL a shared buffer, each a page fault in a new process). They
 * replace the single-column indexes they start with. */
#define QUERY_INDEXES                                                                                          \
  "CREATE INDEX subjects_att_cover ON subjects(att_id, name, digest, role);"                                  \
  "DROP INDEX subjects_att;"                                                                                  \
  "CREATE INDEX signers_att_cover ON signers(att_id, verified, keyid);"                                       \
  "DROP INDEX signers_att;"                                                                                   \
  "CREATE INDEX lineage_base_cover ON lineage(base_digest, att_id);"                                          \
  "DROP INDEX lineage_base;"                                                                                  \
  "CREATE INDEX datasets_name_cover ON datasets(name, att_id, digest, merkle_root);"                          \
  "DROP INDEX datasets_name;"                                                                                 \
  "CREATE INDEX datasets_digest_cover ON datasets(digest, att_id, name, merkle_root);"                        \
  "DROP INDEX datasets_digest;"                                                                               \
  "CREATE INDEX datasets_root_cover ON datasets(merkle_root, att_id, name, digest);"                          \
  "DROP INDEX datasets_root;"

/* Version 3: posting lists instead of one row a (package, record) pair,
 * the pairs moved over in key order (move_pairs). */
#define POSTINGS(ID, BLOB)                                                                           \
  "CREATE TABLE package_postings (pkg_id " ID " NOT NULL, atts " BLOB " NOT NULL);"                   \
  "CREATE INDEX package_postings_pkg ON package_postings(pkg_id);"

/* Pairs are read a page at a time in key order ((pkg_id, att_id) after the
 * last one read: a PostgreSQL result is held whole in memory) and held as
 * a new record's are; the old table goes once they are all held. */
int mp_index_move_pairs(mp_index *idx, size_t page, mp_err *e) {
  char last_pkg[24] = "0", last_att[24] = "0", limit[24];
  snprintf(limit, sizeof limit, "%zu", page);
  int rc = 0;
  for (size_t got = 1; rc == 0 && got;) {
    const char *params[3] = {last_pkg, last_att, limit};
    mp_idb_rows *r = NULL;
    rc = mp_index_q(idx,
                    "SELECT pkg_id, att_id FROM attestation_packages WHERE (pkg_id, att_id) >"
                    " (CAST($1 AS BIGINT), CAST($2 AS BIGINT)) ORDER BY pkg_id, att_id LIMIT CAST($3 AS BIGINT)",
                    params, 3, &r, e);
    got = 0;
    int more;
    while (rc == 0 && (more = idx->ops->next(r, e)) != 0) {
      if (more < 0) {
        rc = more;
        break;
      }
      const char *pkg = idx->ops->col(r, 0), *att = idx->ops->col(r, 1);
      int64_t id = strtoll(pkg, NULL, 10);
      rc = mp_index_hold_postings(idx, strtoll(att, NULL, 10), &id, 1, e);
      snprintf(last_pkg, sizeof last_pkg, "%s", pkg);
      snprintf(last_att, sizeof last_att, "%s", att);
      got++;
    }
    idx->ops->rows_free(r);
  }
  return rc ? rc : idx->ops->exec(idx->db, "DROP TABLE attestation_packages", e);
}

static int move_pairs(mp_index *idx, mp_err *e) { return mp_index_move_pairs(idx, 262144, e); }

static const mp_index_migration migrations[] = {
    {1, "initial schema",
     TABLES("INTEGER", "INTEGER", "BLOB", "TEXT", " WITHOUT ROWID"),
     TABLES("BIGINT GENERATED BY DEFAULT AS IDENTITY", "BIGINT", "BYTEA", "TEXT COLLATE \"C\"", ""), NULL},
    /* on SQLite the signers table is itself ordered by (keyid, att_id) */
    {2, "covering indexes for the queries", QUERY_INDEXES,
     QUERY_INDEXES "CREATE INDEX signers_key_cover ON signers(keyid, att_id, verified);", NULL},
    {3, "package posting lists", POSTINGS("INTEGER", "BLOB"), POSTINGS("BIGINT", "BYTEA"), move_pairs},
};

_Static_assert(sizeof migrations / sizeof migrations[0] == MP_INDEX_SCHEMA_VERSION,
               "one migration per schema version");

const char *mp_index_backend(const mp_index *idx) { return idx->ops->name; }

char *mp_index_default_target(void) {
  const char *env = getenv("MLPROV_INDEX");
  if (env && *env) return strdup(env);
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  char buf[4096];
  if (xdg && *xdg == '/') snprintf(buf, sizeof buf, "%s/mlprov/index.db", xdg);
  else if (home && *home) snprintf(buf, sizeof buf, "%s/.local/share/mlprov/index.db", home);
  else return NULL;
  return strdup(buf);
}

int mp_index_reserve(void **p, size_t *cap, size_t need, size_t size, size_t first) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : first;
  while (nc < need) nc *= 2;
  void *np = realloc(*p, nc * size);
  if (!np) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

/* Writes the held pairs as package_postings rows, one a package. */
static int write_held(mp_index *idx, mp_err *e) {
  if (idx->held.n == 0) return 0;
  if (mp_postings_take(&idx->held)) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int rc = idx->ops->write_postings(idx->db, &idx->held, e);
  idx->held.rows = 0;
  return rc;
}

int mp_index_hold_postings(mp_index *idx, int64_t att, const int64_t *pkg_ids, size_t n, mp_err *e) {
  if (idx->held.n + n > MP_POSTINGS_HELD_MAX && idx->held.n) {
    int rc = write_held(idx, e);
    if (rc) return rc;
  }
  return mp_postings_add(&idx->held, att, pkg_ids, n) ? mp_err_set(e, MP_ENOMEM, "out of memory") : 0;
}

int mp_index_q(mp_index *idx, const char *sql, const char *const *params, size_t n,
               mp_idb_rows **rows, mp_err *e) {
  int rc = mp_postings_read_by(sql) ? write_held(idx, e) : 0;
  return rc ? rc : idx->ops->query(idx->db, sql, params, n, rows, e);
}

int mp_index_schema_version(mp_index *idx, int *version, mp_err *e) {
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(idx, "SELECT max(version) FROM mlprov_schema", NULL, 0, &r, e);
  if (rc) return rc;
  *version = 0;
  if ((rc = idx->ops->next(r, e)) == 1) {
    const char *v = idx->ops->col(r, 0);
    *version = v ? atoi(v) : 0;
    rc = 0;
  }
  idx->ops->rows_free(r);
  return rc;
}

int mp_index_migrate(mp_index *idx, const mp_index_migration *list, size_t n, mp_err *e) {
  int latest = n ? list[n - 1].version : 0;
  int v = 0;
  mp_err probe;
  mp_err_clear(&probe);
  /* fast path, and the only one a read-only role can take */
  if (mp_index_schema_version(idx, &v, &probe) == 0 && v == latest) return 0;
  int rc = mp_index_begin(idx, e);
  if (rc) return mp_err_prefix(e, "migrating the index schema");
  if ((rc = idx->ops->exec(idx->db, "CREATE TABLE IF NOT EXISTS mlprov_schema (version INTEGER NOT NULL)", e)) ||
      (rc = mp_index_schema_version(idx, &v, e)))
    goto fail;
  if (v > latest) {
    rc = mp_err_set(e, MP_EUNSUPPORTED,
                    "index schema version %d is newer than this mlprov understands (%d): use a newer mlprov", v,
                    latest);
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    if (list[i].version <= v) continue;
    const char *sql = idx->ops == &mp_idb_pg ? list[i].pg : list[i].sqlite;
    if ((rc = idx->ops->exec(idx->db, sql, e))) {
      mp_err_prefix(e, "schema migration to version %d (%s)", list[i].version, list[i].what);
      goto fail;
    }
    if (list[i].data && (rc = list[i].data(idx, e))) {
      mp_err_prefix(e, "schema migration to version %d (%s)", list[i].version, list[i].what);
      goto fail;
    }
    char ins[96];
    snprintf(ins, sizeof ins, "INSERT INTO mlprov_schema (version) VALUES (%d)", list[i].version);
    if ((rc = idx->ops->exec(idx->db, ins, e))) goto fail;
  }
  if ((rc = mp_index_commit(idx, e))) return mp_err_prefix(e, "migrating the index schema");
  return 0;
fail:
  mp_index_rollback(idx);
  return rc;
}

int mp_index_open(const char *target, int create, mp_index **out, mp_err *e) {
  if (!target || !*target) return mp_err_set(e, MP_EUSAGE, "no index given (--db PATH or URL)");
  mp_index *idx = calloc(1, sizeof *idx);
  if (!idx) return mp_err_set(e, MP_ENOMEM, "out of memory");
  idx->pkgs = mp_pkgcache_new();
  if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0) {
    idx->ops = &mp_idb_pg;
  } else {
    idx->ops = &mp_idb_sqlite;
    if (strncmp(target, "sqlite:", 7) == 0) target += 7;
  }
  int rc = !idx->pkgs ? mp_err_set(e, MP_ENOMEM, "out of memory") : idx->ops->open(target, create, &idx->db, e);
  if (rc == 0) rc = mp_index_migrate(idx, migrations, sizeof migrations / sizeof migrations[0], e);
  if (rc) {
    mp_index_close(idx);
    return rc;
  }
  *out = idx;
  return 0;
}

void mp_index_close(mp_index *idx) {
  if (!idx) return;
  if (idx->db) idx->ops->close(idx->db);
  mp_pkgcache_free(idx->pkgs);
  mp_postings_free(&idx->held);
  free(idx);
}

/* --- write transactions and the package cache -------------------------------- */

int mp_index_begin(mp_index *idx, mp_err *e) {
  mp_pkgcache_rollback(idx->pkgs); /* nothing pending outside a transaction */
  return idx->ops->begin_write(idx->db, e);
}

int mp_index_commit(mp_index *idx, mp_err *e) {
  int rc = write_held(idx, e);
  if (rc == 0) rc = idx->ops->commit(idx->db, e);
  if (rc) mp_index_rollback(idx);
  else mp_pkgcache_commit(idx->pkgs);
  return rc;
}

void mp_index_rollback(mp_index *idx) {
  idx->ops->rollback(idx->db);
  mp_postings_clear(&idx->held);
  /* ids handed out in the aborted transaction no longer exist */
  mp_pkgcache_rollback(idx->pkgs);
}

/* A record's dependencies repeat a package at times (the same package URL
 * under two names): each identity is looked up, and inserted, once. */
int mp_index_package_ids(mp_index *idx, const mp_index_pkg *p, size_t n, int64_t *ids, mp_err *e) {
  const mp_index_pkg *stack[512];
  int64_t id_stack[512];
  const mp_index_pkg **miss = n <= 512 ? stack : malloc(n * sizeof *miss);
  int64_t *miss_ids = n <= 512 ? id_stack : malloc(n * sizeof *miss_ids);
  if (!miss || !miss_ids) {
    if (miss != stack) free(miss);
    if (miss_ids != id_stack) free(miss_ids);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  mp_pkgcache *c = idx->pkgs;
  size_t mark = mp_pkgcache_size(c), nmiss = 0;
  int rc = 0;
  /* ids[i] holds p[i]'s entry number until the ids are known; the entries
   * added here are mark, mark + 1, ... in the order of miss[] */
  mp_pkgcache_prefetch(c, p, n);
  for (size_t i = 0; i < n; i++) {
    size_t ent;
    int added;
    if (mp_pkgcache_find_add(c, &p[i], &ent, &added)) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    ids[i] = (int64_t)ent;
    if (added) miss[nmiss++] = &p[i];
  }
  if (rc == 0 && nmiss) rc = idx->ops->package_ids(idx->db, miss, nmiss, miss_ids, e);
  for (size_t m = 0; rc == 0 && m < nmiss; m++) mp_pkgcache_set_id(c, mark + m, miss_ids[m]);
  if (rc) mp_pkgcache_truncate(c, mark);
  else
    for (size_t i = 0; i < n; i++) ids[i] = mp_pkgcache_id(c, (size_t)ids[i]);
  if (miss != stack) free(miss);
  if (miss_ids != id_stack) free(miss_ids);
  return rc;
}

/* --- time ------------------------------------------------------------------- */

int mp_index_time_parse(const char *s, int64_t *us) {
  struct timespec ts;
  char buf[64];
  /* a bare date means its midnight UTC */
  if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
    snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
    s = buf;
  }
  if (mp_time_parse(s, &ts)) return -1;
  *us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  return 0;
}

void mp_index_time_format(int64_t us, char *out, size_t len) {
  struct timespec ts;
  int64_t s = us / 1000000, r = us % 1000000;
  if (r < 0) {
    s--;
    r += 1000000;
  }
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)r * 1000;
  mp_time_format(&ts, out, len);
}
