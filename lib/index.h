/* index.h — the provenance index: every attestation mlprov has recorded or
 * been given, decomposed into tables (attestations, subjects, datasets,
 * packages, lineage edges, signers) so a responder can ask "which models are
 * affected?" in milliseconds. Backends: SQLite (a single file, WAL) and
 * PostgreSQL (libpq, a postgresql:// URL); the same queries run on both.
 *
 * Invariants:
 *  - Attestations are content addressed by the SHA-256 of the envelope in
 *    DSSE JSON form (mp_dsse_to_json): adding the same envelope again, from
 *    any of its encodings, changes nothing (except that an envelope indexed
 *    as unverified becomes verified when re-added with a key that verifies it).
 *  - A statement is decomposed only after mp_attest_verify accepted it, or,
 *    when the caller allows it, recorded with verified = false.
 *  - One transaction per input file: a file is indexed whole or not at all.
 *  - Nothing is ever deleted or rewritten by mlprov; the schema carries a
 *    version and is migrated forward only.
 */
#ifndef MP_INDEX_H
#define MP_INDEX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

#define MP_INDEX_SCHEMA_VERSION 3

typedef struct mp_index mp_index;

/* Opens the index at target: "postgresql://..." / "postgres://..." (libpq
 * URL), otherwise a SQLite file ("sqlite:" prefix optional). With create, a
 * missing SQLite file (and its directory) is created; otherwise MP_ENOTFOUND.
 * Migrates the schema forward; a schema newer than this mlprov is refused. */
int mp_index_open(const char *target, int create, mp_index **out, mp_err *e);
void mp_index_close(mp_index *idx);
const char *mp_index_backend(const mp_index *idx); /* "sqlite" | "postgresql" */

/* $MLPROV_INDEX, else $XDG_DATA_HOME/mlprov/index.db, else
 * ~/.local/share/mlprov/index.db (malloc'd). */
char *mp_index_default_target(void);

/* Times as the index keeps them, µs since the epoch <-> RFC 3339 (a bare
 * YYYY-MM-DD is that day's midnight UTC); parse returns -1 if malformed;
 * out >= 40 bytes. */
int mp_index_time_parse(const char *s, int64_t *us);
void mp_index_time_format(int64_t us, char *out, size_t len);

/* --- add ------------------------------------------------------------------- */

typedef struct mp_index_add_opts {
  const mp_key *const *keys;  /* trusted keys */
  size_t nkeys;
  int allow_unverified;       /* record envelopes that do not verify, marked so */
  unsigned threads;           /* verifying threads; 0: one per CPU */
  /* Called after each record is written, inside the file's transaction
   * (n = records of this file written so far). May be NULL. */
  void (*on_record)(void *ctx, const char *path, size_t n);
  void *ctx;
} mp_index_add_opts;

typedef struct mp_index_file_result {
  char *path;
  size_t added;       /* new attestations */
  size_t present;     /* already indexed (no-op) */
  size_t upgraded;    /* were unverified, now verified */
  size_t unverified;  /* of added: recorded as unverified */
  int rc;             /* 0, or MP_E*: the file was skipped, nothing of it kept */
  char *error;        /* why, when rc != 0 */
} mp_index_file_result;

typedef struct mp_index_add_result {
  mp_index_file_result *files;
  size_t nfiles;
  double wall_seconds;   /* whole call */
  double write_seconds;  /* spent writing to the database */
} mp_index_add_result;

/* Indexes every file; a directory is searched (recursively) for
 * *.intoto.jsonl and *.intoto.json files. Per-file problems are reported in
 * res->files and do not stop the others; the return value is non-zero only
 * for a failure of the index itself. */
int mp_index_add(mp_index *idx, const char *const *paths, size_t npaths,
                 const mp_index_add_opts *o, mp_index_add_result *res, mp_err *e);
void mp_index_add_result_free(mp_index_add_result *r);

/* --- query ----------------------------------------------------------------- */

typedef enum mp_index_query_kind {
  MP_IQ_TIME,        /* only --since/--until */
  MP_IQ_DEPENDENCY,  /* arg: package URL (pkg:...) or package name; version: range */
  MP_IQ_DATASET,     /* arg: name, digest or records Merkle root; lineage always walked */
  MP_IQ_SIGNER,      /* arg: key id or a prefix of >= 8 hex digits */
  MP_IQ_MODEL,       /* arg: subject digest: records, ancestors, descendants */
} mp_index_query_kind;

typedef struct mp_index_query {
  mp_index_query_kind kind;
  const char *arg;
  const char *version;   /* MP_IQ_DEPENDENCY: version range (version.h), or NULL */
  int affected;          /* also list descendants through lineage */
  int has_since, has_until;
  int64_t since_us, until_us; /* on finishedOn (startedOn when absent), µs since epoch */
} mp_index_query;

/* Runs q; *result is a JSON object (docs/index.md describes it). */
int mp_index_query_run(mp_index *idx, const mp_index_query *q, json_t **result, mp_err *e);

/* The same answer kept compact, its records made JSON one at a time: what a
 * caller printing thousands of records uses (index_answer.c). */
typedef struct mp_index_answer mp_index_answer;
int mp_index_query_answer(mp_index *idx, const mp_index_query *q, mp_index_answer **out, mp_err *e);
void mp_index_answer_free(mp_index_answer *a);
/* The answer's object without its record lists; the caller may add keys. */
json_t *mp_index_answer_head(mp_index_answer *a);
/* Its record lists: "results", or "records", "ancestors", "descendants". */
size_t mp_index_answer_nlists(const mp_index_answer *a);
const char *mp_index_answer_list(const mp_index_answer *a, size_t list, size_t *nrecords);
/* Record i of a list as JSON (a new reference; NULL when out of memory). */
json_t *mp_index_answer_record(const mp_index_answer *a, size_t list, size_t i);
/* Writes the whole answer (head and lists) exactly as json_dump_callback of
 * the whole object would with these flags (JSON_EMBED excepted: -1), one
 * record in memory at a time. */
int mp_index_answer_dump(const mp_index_answer *a, json_dump_callback_t cb, void *ctx, size_t flags);

/* --- export ---------------------------------------------------------------- */

/* Called with one JSON Lines record (no newline); non-zero stops the export. */
typedef int (*mp_index_line_fn)(void *ctx, const char *line, size_t len);

/* Every attestation, oldest first, as {"dsseEnvelope": ENVELOPE,
 * "mlprovIndex": {...}}: a line `mlprov index add` (and any reader of
 * Sigstore-bundle-shaped JSON) takes back. */
int mp_index_export(mp_index *idx, mp_index_line_fn fn, void *ctx, size_t *count, mp_err *e);

#endif
