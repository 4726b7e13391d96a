/* test_index.c — the index core on SQLite, in process: decomposition of a
 * statement into rows (every dependency kind), schema migrations (forward,
 * atomic, newer refused), the package-id cache across a rolled-back file, and
 * the helpers (digest keys, times). Query scenarios on both backends are in
 * tests/integration/test_index.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "index_int.h"
#include "statement.h"
#include "unit.h"

static const char *statement_text =
    "{\"_type\":\"https://in-toto.io/Statement/v1\","
    "\"subject\":[{\"name\":\"model.bin\",\"digest\":{\"sha256\":\"aa\"},\"annotations\":{\"role\":\"model\"}},"
    "{\"name\":\"ckpt\",\"digest\":{\"sha512\":\"bb\",\"blake2b\":\"cc\"}}],"
    "\"predicateType\":\"https://slsa.dev/provenance/v1\","
    "\"predicate\":{\"buildDefinition\":{\"buildType\":\"https://t\",\"externalParameters\":{},"
    "\"resolvedDependencies\":["
    "{\"name\":\"source\",\"uri\":\"git+https://g/r@0123\",\"digest\":{\"gitCommit\":\"0123\"},"
    "\"annotations\":{\"kind\":\"source\",\"repository\":\"https://g/r\",\"branch\":\"main\",\"dirty\":true}},"
    "{\"name\":\"mnist\",\"uri\":\"file:///d\",\"digest\":{\"sha256\":\"dd\"},"
    "\"annotations\":{\"kind\":\"dataset\",\"recordsMerkleRoot\":\"ee\",\"recordsTreeSize\":60000}},"
    "{\"name\":\"torch\",\"uri\":\"pkg:pypi/Torch@2.1.0\",\"annotations\":{\"kind\":\"package\",\"version\":\"2.1.0\"}},"
    "{\"name\":\"Left_Pad\",\"annotations\":{\"kind\":\"package\",\"version\":\"1.0\"}},"
    "{\"uri\":\"pkg:npm/%40scope/Thing@3.0.0\"},"
    "{\"name\":\"base\",\"digest\":{\"sha256\":\"ff\"},\"annotations\":{\"kind\":\"base-model\",\"provenance\":\"p.jsonl\"}},"
    "{\"name\":\"f\",\"uri\":\"file:///f\",\"digest\":{\"sha256\":\"11\"},\"annotations\":{\"kind\":\"file\"}}]},"
    "\"runDetails\":{\"builder\":{\"id\":\"https://b\"},"
    "\"metadata\":{\"invocationId\":\"inv\",\"startedOn\":\"2026-01-02T03:04:05Z\",\"finishedOn\":\"2026-01-02T03:04:06.5+01:00\"}}}}";

static void decomposition(void **state) {
  (void)state;
  mp_err e;
  json_t *st = NULL;
  assert_int_equal(mp_statement_parse((const uint8_t *)statement_text, strlen(statement_text), &st, &e), 0);
  mp_key *k = NULL;
  assert_int_equal(mp_key_generate(MP_KEY_ED25519, &k, &e), 0);
  mp_dsse *env = NULL;
  const mp_key *keys[1] = {k};
  assert_int_equal(mp_attest_sign(st, keys, 1, &env, &e), 0);
  mp_index_doc *d = NULL;
  mp_jflat *flat = NULL;
  assert_int_equal(mp_statement_parse_flat(env->payload, env->payload_len, &flat, &e), 0);
  assert_int_equal(mp_index_doc_build(env, flat, 1, NULL, keys, 1, &d, &e), 0);
  assert_int_equal(d->nsubjects, 2);
  assert_string_equal(d->subjects[0].digest, "aa");
  assert_string_equal(d->subjects[0].role, "model");
  assert_string_equal(d->subjects[1].digest, "blake2b:cc"); /* no sha256: first algorithm by name */
  assert_string_equal(d->source_commit, "0123");
  assert_string_equal(d->source_repo, "https://g/r");
  assert_int_equal(d->source_dirty, 1);
  assert_int_equal(d->ndatasets, 1);
  assert_string_equal(d->datasets[0].merkle_root, "ee");
  assert_int_equal(d->datasets[0].records, 60000);
  assert_int_equal(d->npkgs, 3);
  assert_string_equal(d->pkgs[0].base, "pkg:pypi/torch");
  assert_string_equal(d->pkgs[0].version, "2.1.0");
  assert_string_equal(d->pkgs[1].base, ""); /* no package URL: found by name */
  assert_string_equal(d->pkgs[1].lname, "left-pad");
  assert_string_equal(d->pkgs[2].base, "pkg:npm/@scope/Thing"); /* no kind, a pkg: URI */
  assert_string_equal(d->pkgs[2].version, "3.0.0");
  assert_string_equal(d->pkgs[2].name, "Thing");
  assert_int_equal(d->nbases, 1);
  assert_string_equal(d->bases[0].digest, "ff");
  assert_string_equal(d->bases[0].provenance, "p.jsonl");
  assert_int_equal(d->nsigners, 1);
  assert_string_equal(d->signers[0].keyid, mp_key_id(k));
  assert_true(d->finished_us - d->started_us == -3600000000LL + 1500000);
  char hex[65];
  assert_int_equal(mp_index_envelope_sha256(env, hex, &e), 0);
  assert_string_equal(hex, d->env_sha256);
  mp_index_doc_free(d);
  mp_dsse_free(env);
  mp_key_free(k);
  json_decref(st);
}

static char *temp_db(void) {
  char *p = strdup("/tmp/mlprov-unit-index.XXXXXX");
  assert_non_null(mkdtemp(p));
  char *db = malloc(strlen(p) + 16);
  sprintf(db, "%s/i.db", p);
  free(p);
  return db;
}

static void remove_db(char *db) {
  char buf[4200];
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    snprintf(buf, sizeof buf, "%s%s", db, sfx[i]);
    unlink(buf);
  }
  *strrchr(db, '/') = '\0';
  rmdir(db);
  free(db);
}

static int version_of(mp_index *idx) {
  int v = -1;
  assert_int_equal(mp_index_schema_version(idx, &v, NULL), 0);
  return v;
}

static int table_exists(mp_index *idx, const char *name) {
  const char *p[1] = {name};
  mp_idb_rows *r = NULL;
  assert_int_equal(mp_index_q(idx, "SELECT count(*) FROM sqlite_master WHERE name = $1", p, 1, &r, NULL), 0);
  assert_int_equal(idx->ops->next(r, NULL), 1);
  int n = atoi(idx->ops->col(r, 0));
  idx->ops->rows_free(r);
  return n;
}

static void migrations(void **state) {
  (void)state;
  char *db = temp_db();
  mp_err e;
  mp_index *idx = NULL;
  mp_err_clear(&e);
  assert_int_equal(mp_index_open(db, 0, &idx, &e), MP_ENOTFOUND); /* query never creates */
  assert_int_equal(mp_index_open(db, 1, &idx, &e), 0);
  assert_int_equal(version_of(idx), MP_INDEX_SCHEMA_VERSION);
  assert_true(table_exists(idx, "attestation_packages"));
  /* versions past this mlprov's: V+1 adds a table, V+2 is broken */
  const int V = MP_INDEX_SCHEMA_VERSION;
  mp_index_migration list[3] = {{V, "current", "SELECT 1", "SELECT 1"},
                                {V + 1, "extra", "CREATE TABLE extra (x INTEGER)", ""},
                                {V + 2, "broken", "CREATE TABLE partial (x INTEGER); CREATE TABLE oops (", ""}};
  assert_int_equal(mp_index_migrate(idx, list, 2, &e), 0);
  assert_int_equal(version_of(idx), V + 1);
  assert_true(table_exists(idx, "extra"));
  /* a failing migration leaves nothing behind and the version where it was */
  mp_err_clear(&e);
  assert_int_equal(mp_index_migrate(idx, list, 3, &e), MP_EIO);
  char want[96];
  snprintf(want, sizeof want, "schema migration to version %d (broken)", V + 2);
  assert_non_null(strstr(e.msg, want));
  assert_int_equal(version_of(idx), V + 1);
  assert_false(table_exists(idx, "partial"));
  mp_index_close(idx);
  /* this mlprov knows versions up to V only: a V+1 index is refused */
  mp_err_clear(&e);
  assert_int_equal(mp_index_open(db, 0, &idx, &e), MP_EUNSUPPORTED);
  snprintf(want, sizeof want, "schema version %d is newer", V + 1);
  assert_non_null(strstr(e.msg, want));
  remove_db(db);
}

/* A file rolled back after inserting new packages must not leave their ids
 * in the cache: the next file with the same package needs a real row. */
static void package_cache_survives_rollback(void **state) {
  (void)state;
  char *db = temp_db();
  mp_err e;
  mp_index *idx = NULL;
  assert_int_equal(mp_index_open(db, 1, &idx, &e), 0);
  mp_index_pkg p = {"pkg:pypi/x@1", "pkg:pypi/x", "x", "x", "1", ""};
  int64_t id1 = 0, id2 = 0, id3 = 0;
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, &p, 1, &id1, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, &p, 1, &id2, &e), 0); /* cached */
  assert_true(id1 == id2);
  mp_index_rollback(idx);
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, &p, 1, &id3, &e), 0);
  assert_int_equal(mp_index_commit(idx, &e), 0);
  const char *params[1] = {"x"};
  mp_idb_rows *r = NULL;
  assert_int_equal(mp_index_q(idx, "SELECT id FROM packages WHERE lname = $1", params, 1, &r, &e), 0);
  assert_int_equal(idx->ops->next(r, &e), 1);
  assert_true(strtoll(idx->ops->col(r, 0), NULL, 10) == id3);
  idx->ops->rows_free(r);
  mp_index_close(idx);
  remove_db(db);
}

static void helpers(void **state) {
  (void)state;
  char *k = mp_index_digest_key("sha256:ABCdef");
  assert_string_equal(k, "abcdef");
  free(k);
  k = mp_index_digest_key("sha512:00");
  assert_string_equal(k, "sha512:00");
  free(k);
  int64_t us = 0;
  assert_int_equal(mp_index_time_parse("2026-01-02", &us), 0);
  char buf[64];
  mp_index_time_format(us, buf, sizeof buf);
  assert_string_equal(buf, "2026-01-02T00:00:00Z");
  assert_int_equal(mp_index_time_parse("2026-01-02T03:04:05.123456+02:00", &us), 0);
  mp_index_time_format(us, buf, sizeof buf);
  assert_string_equal(buf, "2026-01-02T01:04:05.123456Z");
  assert_int_equal(mp_index_time_parse("yesterday", &us), -1);
  assert_int_equal(mp_index_time_parse("2026-13-01", &us), -1);
  mp_index_time_format(-1, buf, sizeof buf);
  assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(decomposition), cmocka_unit_test(migrations),
                                     cmocka_unit_test(package_cache_survives_rollback), cmocka_unit_test(helpers)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
