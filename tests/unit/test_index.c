/* test_index.c — the index core on SQLite, in process: decomposition of a
 * statement into rows (every dependency kind), schema migrations (forward,
 * atomic, newer refused), the package-id cache across a rolled-back file, and
 * the helpers (digest keys, times), the query answer's parts (record sets,
 * row store) and its streamed dump, byte for byte jansson's dump of the
 * whole answer. Query scenarios on both backends are in
 * tests/integration/test_index.sh and test_index_query.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "index_int.h"
#include "index_rset.h"
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
  char *db = ut_temp_db();
  mp_err e;
  mp_index *idx = NULL;
  mp_err_clear(&e);
  assert_int_equal(mp_index_open(db, 0, &idx, &e), MP_ENOTFOUND); /* query never creates */
  assert_int_equal(mp_index_open(db, 1, &idx, &e), 0);
  assert_int_equal(version_of(idx), MP_INDEX_SCHEMA_VERSION);
  assert_true(table_exists(idx, "package_postings"));
  assert_false(table_exists(idx, "attestation_packages"));
  /* versions past this mlprov's: V+1 adds a table, V+2 is broken */
  const int V = MP_INDEX_SCHEMA_VERSION;
  mp_index_migration list[3] = {{V, "current", "SELECT 1", "SELECT 1", NULL},
                                {V + 1, "extra", "CREATE TABLE extra (x INTEGER)", "", NULL},
                                {V + 2, "broken", "CREATE TABLE partial (x INTEGER); CREATE TABLE oops (", "", NULL}};
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
  ut_remove_db(db);
}

/* A file rolled back after inserting new packages must not leave their ids
 * in the cache: the next file with the same package needs a real row. */
static void package_cache_survives_rollback(void **state) {
  (void)state;
  char *db = ut_temp_db();
  mp_err e;
  mp_index *idx = NULL;
  assert_int_equal(mp_index_open(db, 1, &idx, &e), 0);
  mp_index_pkg p = {.purl = "pkg:pypi/x@1", .base = "pkg:pypi/x", .name = "x", .lname = "x", .version = "1", .digest = ""};
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
  ut_remove_db(db);
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

static void record_sets(void **state) {
  (void)state;
  mp_irset s = {0};
  /* enough ids to grow the table several times, spread and clustered */
  for (int64_t i = 1; i <= 5000; i++) assert_int_equal(mp_irset_add(&s, i * 7919 % 100003 + 1, (int)(i % 3)), i - 1);
  for (int64_t i = 1; i <= 5000; i++) {
    size_t p = mp_irset_find(&s, i * 7919 % 100003 + 1);
    assert_int_equal(p, i - 1);
    assert_int_equal(s.v[p].depth, (int)(i % 3));
  }
  assert_int_equal(mp_irset_find(&s, 100005), (size_t)-1);
  mp_irset_free(&s);
  assert_int_equal(mp_irset_find(&s, 1), (size_t)-1); /* an empty set */
}

static void row_store(void **state) {
  (void)state;
  mp_istore st = {0};
  mp_irec a = {.id = 1}, b = {.id = 2};
  const char *r1[3] = {"x", NULL, ""}, *r2[2] = {"second", "2"}, *r3[1] = {"b's"};
  assert_int_equal(mp_istore_add(&st, &a, MP_IK_SUBJECT, r1, 3), 0);
  assert_int_equal(mp_istore_add(&st, &b, MP_IK_SUBJECT, r3, 1), 0);
  assert_int_equal(mp_istore_add(&st, &a, MP_IK_SUBJECT, r2, 2), 0);
  uint32_t row = a.first[MP_IK_SUBJECT];
  assert_int_equal(mp_istore_cols(&st, row), 3);
  assert_string_equal(mp_istore_val(&st, row, 0), "x");
  assert_null(mp_istore_val(&st, row, 1)); /* SQL NULL */
  assert_string_equal(mp_istore_val(&st, row, 2), "");
  assert_null(mp_istore_val(&st, row, 3)); /* past the row */
  row = mp_istore_next(&st, row);
  assert_string_equal(mp_istore_val(&st, row, 0), "second");
  assert_int_equal(mp_istore_next(&st, row), 0);
  assert_string_equal(mp_istore_val(&st, b.first[MP_IK_SUBJECT], 0), "b's");
  assert_int_equal(a.first[MP_IK_SIGNER], 0);
  mp_istore_free(&st);
}

/* An answer as index_query.c leaves it: model (three lists, one empty) or
 * dependency results with matches and lineage. */
static mp_index_answer *answer(int model) {
  mp_index_answer *a = calloc(1, sizeof *a);
  assert_non_null(a);
  a->kind = model ? MP_IQ_MODEL : MP_IQ_DEPENDENCY;
  a->head = json_pack("{s:{s:s, s:s, s:b}, s:s, s:I, s:f}", "query", "kind", model ? "model" : "dependency",
                      "argument", "pkg:pypi/torch/ünïcode", "affected", 1, "backend", "sqlite", "count", (json_int_t)2,
                      "elapsedMs", 12.5);
  a->nlists = model ? 3 : 1;
  const char *names[3] = {model ? "records" : "results", "ancestors", "descendants"};
  const char *peers[3] = {"parent", "child", "parent"};
  for (int l = 0; l < 3; l++) a->name[l] = names[l], a->peer[l] = peers[l];
  const char *att1[14] = {"aa11", "1", NULL, "https://b/1", "inv-1", "1767225570000000", "1767225600000000",
                          "runs/a.intoto.jsonl", "https://slsa.dev/provenance/v1", "git+https://g/r", "https://g/r",
                          "0123", "main", "0"};
  /* strings jansson must encode: quotes, a slash, a backslash, a tab, non-ASCII, DEL */
  const char *att2[14] = {"bb22", "0", "bad signature \"x\"/y", "b\\\t\xc3\xbc", "", NULL, NULL, "b\x7f", "p", "",
                          "", "", "", NULL};
  const char *subj[3] = {"model.bin", "ab12", "model"}, *subj2[3] = {"ckpt \xe6\xa8\xa1\xe5\x9e\x8b", "sha512:cd", ""};
  const char *sig[2] = {"k1", "1"}, *sig2[2] = {"k2", "0"};
  const char *match[3] = {"pkg:pypi/torch@2.1.0", "torch", "2.1.0"};
  const char *ds[5] = {"mnist", "file:///d", "dd", "ee", "60000"}, *ds2[5] = {"x", "", "", "", NULL};
  const char *base[4] = {"ff", "base", "", "p.jsonl"};
  mp_irset *s0 = &a->set[0], *s1 = &a->set[1];
  assert_int_equal(mp_irset_add(s0, 11, 0), 0);
  mp_irec *r = &s0->v[0];
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_ATT, att1, 14), 0);
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_SUBJECT, subj, 3), 0);
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_SUBJECT, subj2, 3), 0);
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_SIGNER, sig, 2), 0);
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_SIGNER, sig2, 2), 0);
  if (model) {
    assert_int_equal(mp_istore_add(&a->store, r, MP_IK_DATASET, ds, 5), 0);
    assert_int_equal(mp_istore_add(&a->store, r, MP_IK_DATASET, ds2, 5), 0);
    assert_int_equal(mp_istore_add(&a->store, r, MP_IK_BASE, base, 4), 0);
    /* keys not in order, as a statement may have them */
    r->statement = json_pack("{s:[i, s], s:s}", "z", 1, "a/b", "_type", "https://in-toto.io/Statement/v1");
  } else {
    assert_int_equal(mp_istore_add(&a->store, r, MP_IK_MATCH, match, 3), 0);
    assert_int_equal(mp_istore_add(&a->store, r, MP_IK_MATCH, match, 3), 0);
  }
  mp_irset *into = model ? s1 : s0;
  size_t p = mp_irset_add(into, 12, 1);
  r = &into->v[p];
  r->via = 11;
  r->via_base = strdup("ab12");
  assert_int_equal(mp_istore_add(&a->store, r, MP_IK_ATT, att2, 14), 0);
  p = mp_irset_add(into, 13, 2); /* reached from a record not in the answer */
  into->v[p].via = 99;
  into->v[p].via_base = strdup("sha512:cd");
  return a;
}

typedef struct sink {
  char *s;
  size_t n;
  int fail_after; /* calls; -1 never */
} sink;

static int to_sink(const char *buf, size_t size, void *ctx) {
  sink *k = ctx;
  if (k->fail_after == 0) return -1;
  if (k->fail_after > 0) k->fail_after--;
  k->s = realloc(k->s, k->n + size + 1);
  memcpy(k->s + k->n, buf, size);
  k->n += size;
  k->s[k->n] = '\0';
  return 0;
}

static void answer_dump(void **state) {
  (void)state;
  const size_t flags[] = {JSON_INDENT(2) | JSON_SORT_KEYS, JSON_INDENT(4), JSON_INDENT(1) | JSON_SORT_KEYS, 0,
                          JSON_SORT_KEYS, JSON_COMPACT, JSON_COMPACT | JSON_SORT_KEYS,
                          JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(3)};
  for (int model = 0; model < 2; model++) {
    mp_index_answer *a = answer(model);
    json_t *whole = mp_index_answer_json(a);
    assert_non_null(whole);
    for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
      char *want = json_dumps(whole, flags[f]);
      sink k = {.fail_after = -1};
      assert_int_equal(mp_index_answer_dump(a, to_sink, &k, flags[f]), 0);
      assert_non_null(k.s);
      assert_string_equal(k.s, want);
      free(k.s);
      free(want);
    }
    /* what the records say */
    json_t *list = json_object_get(whole, model ? "ancestors" : "results");
    json_t *child = json_array_get(list, model ? 0 : 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(child, "via"), model ? "child" : "parent")),
                        "aa11");
    assert_true(json_is_null(json_object_get(json_object_get(json_array_get(list, model ? 1 : 2), "via"),
                                             model ? "child" : "parent")));
    assert_int_equal(json_array_size(json_object_get(whole, model ? "descendants" : "results")), model ? 0 : 3);
    json_t *first = json_array_get(json_object_get(whole, model ? "records" : "results"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "finishedOn")), "2026-01-01T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(json_object_get(first, "source"), "branch")), "main");
    assert_true(json_is_false(json_object_get(json_object_get(first, "source"), "dirty")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(first, "subjects"), 1),
                                                          "digest")),
                        "sha512:cd");
    if (model) assert_non_null(json_object_get(first, "statement"));
    else assert_int_equal(json_array_size(json_object_get(first, "matched")), 2);
    /* a failing writer stops the dump */
    sink k = {.fail_after = 0};
    assert_int_equal(mp_index_answer_dump(a, to_sink, &k, JSON_INDENT(2)), -1);
    free(k.s);
    assert_int_equal(mp_index_answer_dump(a, to_sink, &k, JSON_EMBED), -1);
    json_decref(whole);
    mp_index_answer_free(a);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(decomposition), cmocka_unit_test(migrations),
                                     cmocka_unit_test(package_cache_survives_rollback), cmocka_unit_test(helpers),
                                     cmocka_unit_test(record_sets), cmocka_unit_test(row_store),
                                     cmocka_unit_test(answer_dump)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
