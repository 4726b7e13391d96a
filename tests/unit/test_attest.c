/* test_attest.c — attestation files: .intoto.jsonl and .pb written and read
 * back, the signed protobuf twin (fast path) and its consistency with the
 * JSON payload, JSON Lines with several envelopes, Sigstore bundles; the
 * piecewise reader on files read at once and read line by line alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "fileio.h"
#include "statement.h"
#include "unit.h"

static json_t *statement(const char *name, const char *hex) {
  return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:{s:s, s:{}, s:[{s:s, s:{s:s}}]}, s:{s:{s:s}}}}", "_type",
                   MP_STATEMENT_TYPE, "subject", "name", name, "digest", "sha256", hex, "predicateType",
                   MP_SLSA_PROVENANCE_V1, "predicate", "buildDefinition", "buildType", "https://x/t",
                   "externalParameters", "resolvedDependencies", "uri", "pkg:pypi/torch@2.1.0", "annotations",
                   "kind", "package", "runDetails", "builder", "id", "https://b");
}

static const char *HEX_A = "aaaa", *HEX_B = "bbbb";

static void write_and_read_both_forms(void **state) {
  (void)state;
  char dir[] = "/tmp/mlprov-attest-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char base[128];
  snprintf(base, sizeof base, "%s/m", dir);
  mp_err e;
  mp_key *k, *other;
  assert_int_equal(mp_key_generate(MP_KEY_ECDSA_P256, &k, &e), 0);
  assert_int_equal(mp_key_generate(MP_KEY_ECDSA_P256, &other, &e), 0);
  const mp_key *ks[] = {k};
  json_t *st = statement("m", HEX_A);
  mp_dsse *env;
  assert_int_equal(mp_attest_sign(st, ks, 1, &env, &e), 0);
  assert_non_null(env->companion);
  mp_attest_paths paths;
  assert_int_equal(mp_attest_write(env, base, 1, &paths, &e), 0);

  /* the .pb twin verifies on the fast path, and on the full path */
  mp_attest_file *f;
  assert_int_equal(mp_attest_load(paths.pb, &f, &e), 0);
  assert_int_equal(f->n, 1);
  assert_non_null(f->entries[0].env->companion);
  mp_pb_doc *doc = NULL;
  assert_int_equal(mp_attest_verify_pb(&f->entries[0], ks, 1, 1, &doc, NULL, &e), 0);
  assert_true(mp_pb_has_subject(mp_pb_doc_statement(doc), HEX_A));
  assert_string_equal(mp_pb_rd_kind(mp_pbl_obj(mp_pb_dependencies(mp_pb_doc_statement(doc)), 0)), "package");
  mp_pb_doc_free(doc);
  json_t *back = NULL;
  assert_int_equal(mp_attest_verify(&f->entries[0], ks, 1, 1, &back, NULL, &e), 0);
  assert_true(json_equal(back, st));
  json_decref(back);
  mp_jflat *flat = NULL; /* what index add reads: the same statement */
  assert_int_equal(mp_attest_verify_flat(&f->entries[0], ks, 1, 1, &flat, NULL, &e), 0);
  assert_string_equal(mp_jflat_str(flat, mp_jflat_get(flat, mp_jflat_root(flat), "predicateType")),
                      json_string_value(json_object_get(st, "predicateType")));
  mp_jflat_free(flat);
  const mp_key *wrong[] = {other};
  assert_int_equal(mp_attest_verify_flat(&f->entries[0], wrong, 1, 1, &flat, NULL, &e), MP_EVERIFY);
  assert_int_equal(mp_attest_verify_pb(&f->entries[0], wrong, 1, 1, &doc, NULL, &e), MP_EVERIFY);
  mp_attest_file_free(f);

  /* the JSON Lines file verifies through the slow path to the same statement */
  assert_int_equal(mp_attest_load(paths.jsonl, &f, &e), 0);
  assert_null(f->entries[0].env->companion);
  assert_int_equal(mp_attest_verify_pb(&f->entries[0], ks, 1, 1, &doc, NULL, &e), 0);
  assert_true(mp_pb_has_subject(mp_pb_doc_statement(doc), HEX_A));
  mp_pb_doc_free(doc);
  mp_attest_file_free(f);

  /* a twin validly signed but of another statement: the full check refuses */
  json_t *st2 = statement("m", HEX_B);
  mp_dsse *env2;
  assert_int_equal(mp_attest_sign(st2, ks, 1, &env2, &e), 0);
  mp_dsse *swap = env->companion;
  env->companion = env2->companion;
  env2->companion = swap;
  mp_attest_paths p2;
  char base2[160];
  snprintf(base2, sizeof base2, "%s/swapped", dir);
  assert_int_equal(mp_attest_write(env, base2, 1, &p2, &e), 0);
  assert_int_equal(mp_attest_load(p2.pb, &f, &e), 0);
  mp_err_clear(&e);
  assert_int_equal(mp_attest_verify(&f->entries[0], ks, 1, 1, &back, NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "differs from the signed JSON payload"));
  mp_err_clear(&e);
  assert_int_equal(mp_attest_verify_flat(&f->entries[0], ks, 1, 1, &flat, NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "differs from the signed JSON payload"));
  mp_attest_file_free(f);

  /* a second write keeps the first as a numbered backup */
  mp_attest_paths p3;
  assert_int_equal(mp_attest_write(env2, base, 1, &p3, &e), 0);
  assert_non_null(p3.jsonl_backup);
  assert_int_equal(access(p3.jsonl_backup, R_OK), 0);
  assert_non_null(p3.pb_backup);

  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  mp_attest_paths_free(&paths);
  mp_attest_paths_free(&p2);
  mp_attest_paths_free(&p3);
  mp_dsse_free(env);
  mp_dsse_free(env2);
  json_decref(st);
  json_decref(st2);
  mp_key_free(k);
  mp_key_free(other);
}

static void jsonl_and_bundles(void **state) {
  (void)state;
  mp_err e;
  mp_key *k;
  assert_int_equal(mp_key_generate(MP_KEY_ED25519, &k, &e), 0);
  const mp_key *ks[] = {k};
  json_t *a = statement("a", HEX_A), *b = statement("b", HEX_B);
  mp_dsse *ea, *eb;
  assert_int_equal(mp_attest_sign(a, ks, 1, &ea, &e), 0);
  assert_int_equal(mp_attest_sign(b, ks, 1, &eb, &e), 0);
  char *ja, *jb;
  size_t la, lb;
  assert_int_equal(mp_dsse_to_json(ea, &ja, &la, &e), 0);
  assert_int_equal(mp_dsse_to_json(eb, &jb, &lb, &e), 0);
  size_t n = la + lb + 200;
  char *text = malloc(n);
  snprintf(text, n, "%s\n\n{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"dsseEnvelope\":%s}\n", ja, jb);
  mp_attest_file *f;
  assert_int_equal(mp_attest_parse("t", (const uint8_t *)text, strlen(text), &f, &e), 0);
  assert_int_equal(f->n, 2);
  assert_int_equal(f->entries[0].line, 1);
  assert_int_equal(f->entries[1].line, 3);
  json_t *st;
  assert_int_equal(mp_attest_verify(&f->entries[1], ks, 1, 1, &st, NULL, &e), 0);
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(st, "subject"), 0), "name")), "b");
  json_decref(st);
  mp_attest_file_free(f);
  static const char *bad[] = {"", "   \n", "{\"payload\":1}", "{}\n{}", "\x0a\x05", "\x1a\xff\xff\xff\x0f"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mp_err_clear(&e);
    if (mp_attest_parse("t", (const uint8_t *)bad[i], strlen(bad[i]), &f, &e) == 0) fail_msg("input %zu accepted", i);
    assert_true(strlen(e.msg) > 0);
  }
  free(text);
  free(ja);
  free(jb);
  mp_dsse_free(ea);
  mp_dsse_free(eb);
  json_decref(a);
  json_decref(b);
  mp_key_free(k);
}

/* The pieces of text as the reader cuts them: "LINE:TEXT|..." (TEXT without
 * its line end), for a file small enough to be read at once. */
static void pieces(const char *text, char *out, size_t cap) {
  char path[] = "/tmp/mlprov-reader-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  mp_attest_reader *r = NULL;
  mp_err e;
  assert_int_equal(mp_attest_reader_open(path, &r, &e), 0);
  uint8_t *d;
  size_t n, used = 0;
  int line, rc;
  out[0] = '\0';
  while ((rc = mp_attest_reader_next(r, &d, &n, &line, &e)) == 1) {
    assert_int_equal(d[n], '\0'); /* pieces are NUL-terminated */
    size_t k = n;
    while (k && (d[k - 1] == '\n' || d[k - 1] == '\r')) k--;
    used += (size_t)snprintf(out + used, cap - used, "%d:%.*s|", line, (int)k, (const char *)d);
    free(d);
  }
  assert_int_equal(rc, 0);
  mp_attest_reader_close(r);
  unlink(path);
}

static void reader_pieces(void **state) {
  (void)state;
  char got[512];
  pieces("{\"a\":1}\n", got, sizeof got);
  assert_string_equal(got, "1:{\"a\":1}|");
  pieces("{\"a\":1}", got, sizeof got); /* no line end */
  assert_string_equal(got, "1:{\"a\":1}|");
  pieces("{\"a\":1}\n\n  \n", got, sizeof got); /* blank lines after the one envelope */
  assert_string_equal(got, "1:{\"a\":1}|");
  pieces("{\"a\":1}\n\n{\"b\":2}\r\n \n{\"c\":3}\n", got, sizeof got);
  assert_string_equal(got, "1:{\"a\":1}|3:{\"b\":2}|5:{\"c\":3}|");
  pieces("\n{\"a\":1}\n", got, sizeof got); /* a blank first line: not JSON Lines, one document */
  assert_string_equal(got, "0:\n{\"a\":1}|");
  pieces("{\n  \"a\": 1\n}\n", got, sizeof got); /* pretty-printed: one document */
  assert_string_equal(got, "0:{\n  \"a\": 1\n}|");
  /* quotes, backslashes and braces inside strings do not end the object */
  pieces("{\"a\":\"x\\\"}{\"}\n{\"b\":\"y\\\\\"}\n", got, sizeof got);
  assert_string_equal(got, "1:{\"a\":\"x\\\"}{\"}|2:{\"b\":\"y\\\\\"}|");
  pieces("{\"a\":\"x\\\\\"}}\n", got, sizeof got); /* an even run of backslashes: the string ends */
  assert_string_equal(got, "0:{\"a\":\"x\\\\\"}}|");
  pieces("{\"a\":\"unterminated}\n", got, sizeof got);
  assert_string_equal(got, "0:{\"a\":\"unterminated}|");
  /* past 16 MiB the file is read line by line: the same pieces */
  size_t pad = (size_t)17 << 20;
  char *big = malloc(pad + 64);
  assert_non_null(big);
  strcpy(big, "{\"a\":1}\n");
  memset(big + 8, ' ', pad);
  strcpy(big + 8 + pad, "\n\n{\"b\":2}\n");
  pieces(big, got, sizeof got);
  assert_string_equal(got, "1:{\"a\":1}|4:{\"b\":2}|");
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(write_and_read_both_forms), cmocka_unit_test(jsonl_and_bundles),
                                     cmocka_unit_test(reader_pieces)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
