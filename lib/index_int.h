/* index_int.h — what the index modules share and the backends implement:
 * the decomposed record (mp_index_doc, built by index_doc.c from a checked
 * Statement) and the backend operations (index_sqlite.c, index_pg.c).
 *
 * SQL given to `query` is written once for both backends: positional
 * parameters $1, $2... (the SQLite backend rewrites them to ?1, ?2...),
 * parameters and results as text. Writes go through insert_doc,
 * package_ids and write_postings, which each backend does its own fastest
 * way (PostgreSQL: one round trip a record). The (package, record) pairs a
 * transaction's records make are held by mp_index, not by the backends.
 */
#ifndef MP_INDEX_INT_H
#define MP_INDEX_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest.h"
#include "err.h"
#include "index.h"
#include "jsonflat.h"

/* Strings are never NULL: "" when absent. */
typedef struct mp_index_pkg {
  const char *purl, *base, *name, *lname, *version, *digest;
  /* the identity's lengths and hash for the package-id cache, worked out
   * where the document is built (mp_pkgcache_key) so that the writing
   * thread, which every record waits for, only probes; keyed 0: not yet */
  int keyed;
  uint32_t key_len[4];
  uint64_t key_hash;
} mp_index_pkg;

typedef struct mp_index_subject {
  const char *name, *digest, *role;
} mp_index_subject;

typedef struct mp_index_dataset {
  const char *name, *uri, *digest, *merkle_root;
  int64_t records; /* -1: unknown */
} mp_index_dataset;

typedef struct mp_index_base {
  const char *name, *uri, *digest, *provenance;
} mp_index_base;

typedef struct mp_index_signer {
  const char *keyid;
  int verified;  /* 0: a keyid hint in the envelope, not verified */
} mp_index_signer;

typedef struct mp_index_doc {
  mp_jflat *statement; /* the checked Statement: owns the borrowed strings below */
  char **owned;        /* blocks of computed strings */
  size_t nowned, capowned;
  char *arena;         /* free room in the last block */
  size_t arena_left;
  char env_sha256[65];
  char payload_sha256[65];
  char *payload_type;
  uint8_t *payload;
  size_t payload_len;
  char *signatures;   /* JSON array [{"keyid","sig"}] as in the envelope */
  int verified;
  char *verify_error; /* NULL when verified */
  const char *predicate_type, *build_type, *builder_id, *invocation_id;
  int64_t started_us, finished_us; /* INT64_MIN: absent */
  const char *source_uri, *source_repo, *source_commit, *source_branch;
  int source_dirty;   /* -1 unknown */
  mp_index_subject *subjects;
  size_t nsubjects, capsubjects;
  mp_index_dataset *datasets;
  size_t ndatasets, capdatasets;
  mp_index_pkg *pkgs;
  size_t npkgs, cappkgs;
  mp_index_base *bases;
  size_t nbases, capbases;
  mp_index_signer *signers;
  size_t nsigners, capsigners;
} mp_index_doc;

#define MP_INDEX_NO_TIME INT64_MIN

/* Decomposes a checked statement from envelope env (taken, even on failure). */
int mp_index_doc_build(const mp_dsse *env, mp_jflat *statement, int verified, const char *verify_error,
                       const mp_key *const *verified_by, size_t nverified, mp_index_doc **out,
                       mp_err *e);
void mp_index_doc_free(mp_index_doc *d);
/* SHA-256 (hex) of the envelope's DSSE JSON form: the content address. */
int mp_index_envelope_sha256(const mp_dsse *env, char hex[65], mp_err *e);
/* Digest as stored: "sha256" hex when present, else "ALG:HEX" of the first
 * algorithm in sorted order; "" when none. Query arguments "sha256:HEX" and
 * bare HEX are reduced the same way (malloc'd). */
char *mp_index_digest_key(const char *arg);

/* Which records used which package (index_postings.c): a writer holds the
 * (package, record) pairs of a transaction and writes one package_postings
 * row (pkg_id, atts) a package. */
typedef struct mp_posting_pair {
  int64_t pkg, att;
} mp_posting_pair;
typedef struct mp_posting_row {
  int64_t pkg;
  size_t off, len; /* its list: bytes[off .. off + len) */
} mp_posting_row;
typedef struct mp_postings {
  mp_posting_pair *v, *tmp; /* held pairs; tmp: the sort's second buffer */
  size_t n, cap;
  mp_posting_row *row; /* what mp_postings_take made, ascending pkg */
  size_t rows, cap_rows;
  uint8_t *bytes;
  size_t cap_bytes;
} mp_postings;
/* Pairs a writer holds at most before writing them: 32 bytes each while
 * held. A batch of 8,192 records of ~300 packages fits. */
#define MP_POSTINGS_HELD_MAX ((size_t)1 << 22)
/* Holds pairs (pkg_ids[i], att); -1 when out of memory (none held). */
int mp_postings_add(mp_postings *p, int64_t att, const int64_t *pkg_ids, size_t n);
/* Turns the held pairs into rows (a pair held twice counts once) and holds
 * none; -1 when out of memory (the pairs stay held). */
int mp_postings_take(mp_postings *p);
/* 1 when statement sql names package_postings: the held pairs must be
 * written before it runs, for it to see them. Other statements (a record's
 * lookups, writes to other tables) leave them held, so that a transaction's
 * pairs make one row a package however its statements interleave. */
int mp_postings_read_by(const char *sql);
/* Forgets held pairs and rows (a rollback). */
void mp_postings_clear(mp_postings *p);
void mp_postings_free(mp_postings *p);
/* A list of n ascending positive ids: at most 10 * n bytes at out. */
size_t mp_posting_encode(const int64_t *ids, size_t n, uint8_t *out);
/* Appends a list's ids to *ids (*n of *cap used, grown with realloc): 0, -1
 * when the bytes are not a list (empty, cut short, not ascending, too
 * large), -2 when out of memory. */
int mp_posting_decode(const uint8_t *p, size_t len, int64_t **ids, size_t *n, size_t *cap);

/* Room for need elements of size bytes at *p, whose capacity is *cap:
 * grown by doubling from first (realloc); -1 when out of memory (*p and
 * *cap unchanged). */
int mp_index_reserve(void **p, size_t *cap, size_t need, size_t size, size_t first);

/* --- backends ---------------------------------------------------------------- */

typedef struct mp_idb mp_idb;
typedef struct mp_idb_rows mp_idb_rows;

typedef struct mp_idb_ops {
  const char *name;
  int (*open)(const char *target, int create, mp_idb **out, mp_err *e);
  void (*close)(mp_idb *db);
  /* Statements without parameters or rows (DDL, transaction control). */
  int (*exec)(mp_idb *db, const char *sql, mp_err *e);
  int (*query)(mp_idb *db, const char *sql, const char *const *params, size_t nparams,
               mp_idb_rows **out, mp_err *e);
  /* 1: a row, 0: done, <0: error (in e). */
  int (*next)(mp_idb_rows *r, mp_err *e);
  const char *(*col)(mp_idb_rows *r, int i);  /* NULL for SQL NULL */
  /* A BLOB/BYTEA column's bytes (valid until next/free). */
  const uint8_t *(*col_blob)(mp_idb_rows *r, int i, size_t *len);
  void (*rows_free)(mp_idb_rows *r);
  /* Write transaction that serialises writers (migrations, one input file). */
  int (*begin_write)(mp_idb *db, mp_err *e);
  int (*commit)(mp_idb *db, mp_err *e);
  void (*rollback)(mp_idb *db);
  /* Ids of packages p[0..n) (distinct), inserting the missing ones. */
  int (*package_ids)(mp_idb *db, const mp_index_pkg *const *p, size_t n, int64_t *ids, mp_err *e);
  /* Inserts a new attestation with all its rows; pkg_ids[i] is d->pkgs[i]'s
   * id. MP_EEXISTS (nothing written) when the envelope is already indexed. */
  int (*insert_doc)(mp_idb *db, const mp_index_doc *d, const char *added_from, int64_t *att_id, mp_err *e);
  /* Inserts package_postings rows p->row[0..p->rows) (mp_postings_take). */
  int (*write_postings)(mp_idb *db, const mp_postings *p, mp_err *e);
} mp_idb_ops;

extern const mp_idb_ops mp_idb_sqlite;
extern const mp_idb_ops mp_idb_pg;

/* Package identity (purl, name, version, digest) -> packages.id of one writer
 * (index_pkgcache.c). Entries are numbered in the order they were added;
 * those added since the last commit are forgotten by rollback. */
typedef struct mp_pkgcache mp_pkgcache;
mp_pkgcache *mp_pkgcache_new(void);
void mp_pkgcache_free(mp_pkgcache *c);
/* The entry of p's identity; when absent, adds it (id -1 until set) and sets
 * *added. -1 when out of memory (nothing added). */
int mp_pkgcache_find_add(mp_pkgcache *c, const mp_index_pkg *p, size_t *entry, int *added);
/* Fills p's key fields from its identity; -1 when a string is too long. */
int mp_pkgcache_key(mp_index_pkg *p);
/* Asks the CPU for the cache lines looking up p[0..n) will read (keyed
 * packages only); changes nothing. */
void mp_pkgcache_prefetch(const mp_pkgcache *c, const mp_index_pkg *p, size_t n);
int64_t mp_pkgcache_id(const mp_pkgcache *c, size_t entry);
void mp_pkgcache_set_id(mp_pkgcache *c, size_t entry, int64_t id);
size_t mp_pkgcache_size(const mp_pkgcache *c);
/* Forgets the entries numbered n and above. */
void mp_pkgcache_truncate(mp_pkgcache *c, size_t n);
/* The entries so far are committed rows / forget those added since. */
void mp_pkgcache_commit(mp_pkgcache *c);
void mp_pkgcache_rollback(mp_pkgcache *c);

struct mp_index {
  const mp_idb_ops *ops;
  mp_idb *db;
  mp_pkgcache *pkgs;  /* ids of the rows committed and of the open transaction */
  mp_postings held;   /* the open transaction's (package, record) pairs */
};

/* Schema DDL of one version, per dialect (index.c). */
typedef struct mp_index_migration {
  int version;
  const char *what;
  const char *sqlite;
  const char *pg;
  /* run after the DDL, in its transaction (NULL: none) */
  int (*data)(mp_index *idx, mp_err *e);
} mp_index_migration;

/* Schema version 3's data step: attestation_packages (pkg_id, att_id) rows,
 * read page rows at a time, become package_postings rows; the old table is
 * dropped. Inside a write transaction. */
int mp_index_move_pairs(mp_index *idx, size_t page, mp_err *e);
/* Brings db to the last version of list (exposed for the tests). */
int mp_index_migrate(mp_index *idx, const mp_index_migration *list, size_t n, mp_err *e);
/* Current schema version (0: empty database). */
int mp_index_schema_version(mp_index *idx, int *version, mp_err *e);

/* Write transaction on idx; rollback also forgets package ids cached in it. */
int mp_index_begin(mp_index *idx, mp_err *e);
int mp_index_commit(mp_index *idx, mp_err *e);
void mp_index_rollback(mp_index *idx);
/* Record att used packages pkg_ids[0..n) (inside a write transaction): held,
 * and written as package_postings rows at the commit, before a query that
 * reads them (mp_postings_read_by), or when MP_POSTINGS_HELD_MAX are held. */
int mp_index_hold_postings(mp_index *idx, int64_t att, const int64_t *pkg_ids, size_t n, mp_err *e);
/* Package ids through the cache (inside a write transaction): ids[i] for p[i]. */
int mp_index_package_ids(mp_index *idx, const mp_index_pkg *p, size_t n, int64_t *ids, mp_err *e);

/* One-shot query helpers on idx. */
int mp_index_q(mp_index *idx, const char *sql, const char *const *params, size_t n,
               mp_idb_rows **rows, mp_err *e);

#endif
