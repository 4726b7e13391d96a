/* test_oms.c — OMS v1.0 bundles and manifests: every test vector of
 * ../shared/oms (valid ones parse, and the reference tool's own signatures
 * verify with the certificate's key; invalid ones are refused with the
 * reason), sign -> verify round trips with P-256/P-384/P-521, key hints, every
 * malformed manifest field, and model comparison findings by file name. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "digest.h"
#include "encoding.h"
#include "fileio.h"
#include "oms.h"
#include "unit.h"

/* ../shared/oms relative to the repository (tests/run exports ROOT). */
static char *vector(const char *rel) {
  const char *root = getenv("ROOT");
  char base[4096];
  snprintf(base, sizeof base, "%s/../shared/oms", root ? root : ".");
  struct stat st;
  if (stat(base, &st) != 0) fail_msg("OMS test vectors not found at %s (expected beside the repository)", base);
  char *p = malloc(strlen(base) + strlen(rel) + 2);
  sprintf(p, "%s/%s", base, rel);
  return p;
}

static mp_bundle *load_vector(const char *rel, int want_rc, const char *reason) {
  char *p = vector(rel);
  mp_err e;
  mp_err_clear(&e);
  mp_bundle *b = NULL;
  int rc = mp_bundle_load(p, &b, &e);
  if (rc != want_rc) fail_msg("%s: rc %d, want %d (%s)", rel, rc, want_rc, e.msg);
  if (reason && !strstr(e.msg, reason)) fail_msg("%s: reason '%s' lacks '%s'", rel, e.msg, reason);
  free(p);
  return b;
}

static void valid_vectors(void **state) {
  (void)state;
  struct { const char *file; mp_bundle_kind kind; const char *subject; } v[] = {
      {"test-vectors/v1.0/valid/key.bundle.json", MP_BUNDLE_KEY, "model"},
      {"test-vectors/v1.0/valid/certificate.bundle.json", MP_BUNDLE_CERT, "model"},
      {"test-vectors/v1.0/valid/sigstore.bundle.json", MP_BUNDLE_SIGSTORE, "v1.1.0-sigstore"},
  };
  for (size_t i = 0; i < 3; i++) {
    mp_bundle *b = load_vector(v[i].file, 0, NULL);
    assert_int_equal(b->kind, v[i].kind);
    mp_err e;
    mp_oms_manifest *mf = NULL;
    assert_int_equal(mp_oms_manifest_parse(b->env->payload, b->env->payload_len, &mf, &e), 0);
    assert_string_equal(mf->subject_name, v[i].subject);
    assert_int_equal(mf->nres, 2);
    assert_string_equal(mf->res[0].name, "signme-1");
    assert_string_equal(mf->res[1].name, "signme-2");
    assert_int_equal(mf->method, MP_MODEL_FILES);
    int found = 0;
    for (size_t k = 0; k < mf->nignore_paths; k++) found |= strcmp(mf->ignore_paths[k], "ignore-me") == 0;
    assert_true(found);
    if (b->kind == MP_BUNDLE_KEY) {
      assert_string_equal(b->hint, "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e");
      char hex[65];
      mp_hex_encode(mf->root, 32, hex); /* = sha256(raw(signme-1) || raw(signme-2)) */
      assert_string_equal(hex, "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4");
    } else {
      /* the reference tool's signature verifies over our PAE with the
       * certificate's key: DSSE interoperability, not trust */
      mp_key *leaf = NULL;
      assert_int_equal(mp_certs_key(b->certs, 0, &leaf, &e), 0);
      const mp_key *ks[] = {leaf};
      assert_int_equal(mp_dsse_verify(b->env, ks, 1, 1, NULL, &e), 0);
      b->env->payload[10] ^= 1;
      assert_int_equal(mp_dsse_verify(b->env, ks, 1, 1, NULL, &e), MP_EVERIFY);
      mp_key_free(leaf);
    }
    if (b->kind == MP_BUNDLE_SIGSTORE) {
      mp_oms_manifest *m2 = NULL;
      mp_key *k = NULL;
      assert_int_equal(mp_key_generate(MP_KEY_ECDSA_P256, &k, &e), 0);
      const mp_key *ks[] = {k};
      assert_int_equal(mp_oms_verify_bundle(b, ks, 1, NULL, &m2, &e), MP_EUNSUPPORTED);
      assert_non_null(strstr(e.msg, "Rekor"));
      mp_key_free(k);
    }
    mp_oms_manifest_free(mf);
    mp_bundle_free(b);
  }
}

static void invalid_vectors(void **state) {
  (void)state;
  load_vector("test-vectors/v1.0/invalid/empty.bundle.json", MP_EPARSE, "invalid JSON");
  load_vector("test-vectors/v1.0/invalid/missing-envelope.bundle.json", MP_EPARSE, "dsseEnvelope");
  load_vector("test-vectors/v1.0/invalid/missing-verification-material.bundle.json", MP_EPARSE,
              "verificationMaterial");
  load_vector("test-vectors/v1.0/invalid/missing-tlog-entries.bundle.json", MP_EPARSE, "tlogEntries");
  mp_bundle *b = load_vector("test-vectors/v1.0/invalid-payload/wrong-predicate.bundle.json", 0, NULL);
  mp_err e;
  mp_oms_manifest *mf = NULL;
  assert_int_equal(mp_oms_manifest_parse(b->env->payload, b->env->payload_len, &mf, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "predicateType"));
  mp_bundle_free(b);
}

/* A statement with the given resources (JSON array text) and serialization,
 * its subject digest computed from the digests unless root is given. */
static int manifest_of(const char *resources, const char *ser, const char *root, const char *extra,
                       mp_err *e) {
  json_error_t je;
  json_t *res = json_loads(resources, 0, &je);
  assert_non_null(res);
  uint8_t cat[64 * 8];
  size_t n = 0;
  for (size_t i = 0; i < json_array_size(res); i++) {
    const char *hex = json_string_value(json_object_get(json_array_get(res, i), "digest"));
    size_t l = hex ? strlen(hex) / 2 : 0;
    if (hex && l <= 64 && mp_hex_decode(hex, 2 * l, cat + n, l) == 0) n += l;
  }
  char rhex[65];
  uint8_t r[32];
  mp_sha256(cat, n, r);
  mp_hex_encode(r, 32, rhex);
  char *text = NULL;
  assert_true(asprintf(&text,
                       "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"%s\"}}%s],"
                       "\"predicateType\":\"https://model_signing/signature/v1.0\",\"predicate\":{\"resources\":%s,"
                       "\"serialization\":%s,\"future\":{\"x\":1}}}",
                       root ? root : rhex, extra ? extra : "", resources, ser) > 0);
  mp_oms_manifest *mf = NULL;
  int rc = mp_oms_manifest_parse((const uint8_t *)text, strlen(text), &mf, e);
  mp_oms_manifest_free(mf);
  free(text);
  json_decref(res);
  return rc;
}

#define D1 "\"1111111111111111111111111111111111111111111111111111111111111111\""
#define D2 "\"2222222222222222222222222222222222222222222222222222222222222222\""
#define FILES "{\"method\":\"files\",\"hash_type\":\"sha256\",\"allow_symlinks\":false}"

static void malformed_manifests(void **state) {
  (void)state;
  mp_err e;
  const char *two = "[{\"name\":\"a\",\"algorithm\":\"sha256\",\"digest\":" D1 ",\"media_type\":\"x\"},"
                    "{\"name\":\"b/c\",\"algorithm\":\"sha256\",\"digest\":" D2 "}]";
  assert_int_equal(manifest_of(two, FILES, NULL, NULL, &e), 0); /* unknown fields ignored */
  const char *shard = "[{\"name\":\"w:x:0:10\",\"algorithm\":\"sha256\",\"digest\":" D1 "}]";
  assert_int_equal(manifest_of(shard, "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"shard_size\":1000000000.0}", NULL, NULL, &e), 0);
  assert_int_equal(manifest_of(shard, "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"shard_size\":10}", NULL, NULL, &e), 0);
  struct { const char *res, *ser, *root, *extra, *why; } bad[] = {
      {shard, "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"shard_size\":1.5}", NULL, NULL, "shard_size"},
      {shard, "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false}", NULL, NULL, "shard_size"},
      {shard, "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"shard_size\":-4}", NULL, NULL, "shard_size"},
      {two, "{\"method\":\"files\",\"hash_type\":\"sha256\"}", NULL, NULL, "allow_symlinks"},
      {two, "{\"method\":\"tensors\",\"hash_type\":\"sha256\",\"allow_symlinks\":false}", NULL, NULL, "method"},
      {two, "{\"method\":\"files\",\"hash_type\":\"md5\",\"allow_symlinks\":false}", NULL, NULL, "hash_type"},
      {two, FILES, "0000000000000000000000000000000000000000000000000000000000000000", NULL, "inconsistent"},
      {two, FILES, NULL, ",{\"name\":\"n\",\"digest\":{\"sha256\":" D1 "}}", "subjects"},
      {"[]", FILES, NULL, NULL, "resources"},
      {"[{\"name\":\"a\",\"algorithm\":\"blake2b\",\"digest\":" D1 "}]", FILES, NULL, NULL, "algorithm"},
      {"[{\"name\":\"a\",\"algorithm\":\"sha256\",\"digest\":\"ABCD\"}]", FILES, NULL, NULL, "hex"},
      {"[{\"name\":\"a\",\"algorithm\":\"sha256\",\"digest\":\"11\"}]", FILES, NULL, NULL, "hex"},
      {"[{\"name\":\"../etc/passwd\",\"algorithm\":\"sha256\",\"digest\":" D1 "}]", FILES, NULL, NULL, "inside"},
      {"[{\"name\":\"/etc/passwd\",\"algorithm\":\"sha256\",\"digest\":" D1 "}]", FILES, NULL, NULL, "inside"},
      {"[{\"name\":\"a//b\",\"algorithm\":\"sha256\",\"digest\":" D1 "}]", FILES, NULL, NULL, "inside"},
      {"[{\"name\":\"a\",\"algorithm\":\"sha256\",\"digest\":" D1 "},{\"name\":\"a\",\"algorithm\":\"sha256\",\"digest\":" D2 "}]",
       FILES, NULL, NULL, "twice"},
      {"[{\"name\":\"w:10:0\",\"algorithm\":\"sha256\",\"digest\":" D1 "}]",
       "{\"method\":\"shards\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"shard_size\":10}", NULL, NULL, "shard name"},
      {two, "{\"method\":\"files\",\"hash_type\":\"sha256\",\"allow_symlinks\":false,\"ignore_paths\":[\"../up\"]}", NULL, NULL, "ignore_paths"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    mp_err_clear(&e);
    int rc = manifest_of(bad[i].res, bad[i].ser, bad[i].root, bad[i].extra, &e);
    if (rc == 0 || !strstr(e.msg, bad[i].why)) fail_msg("case %zu: rc %d, '%s' lacks '%s'", i, rc, e.msg, bad[i].why);
  }
}

static void keyids_accepted(void **state) {
  (void)state;
  const char *fmt = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
                    "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"ab\"}},"
                    "\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\","
                    "\"signatures\":[{\"sig\":\"AAAA\"%s}]}}";
  const char *kid[] = {"", ",\"keyid\":\"\"", ",\"keyid\":null", ",\"keyid\":\"abc\""};
  for (int i = 0; i < 4; i++) {
    char text[1024];
    snprintf(text, sizeof text, fmt, kid[i]);
    mp_bundle *b = NULL;
    mp_err e;
    assert_int_equal(mp_bundle_parse("t", (const uint8_t *)text, strlen(text), &b, &e), 0);
    mp_bundle_free(b);
  }
  char text[1024];
  snprintf(text, sizeof text, fmt, ",\"keyid\":7");
  mp_bundle *b = NULL;
  mp_err e;
  assert_int_equal(mp_bundle_parse("t", (const uint8_t *)text, strlen(text), &b, &e), MP_EPARSE);
}

/* Signs the model at dir with k and reads the bundle back, verified. */
static void sign_and_read(const char *dir, const mp_model_opts *o, const mp_key *k, mp_model **m,
                          mp_bundle **b, mp_oms_manifest **mf) {
  mp_err e;
  char *json = NULL;
  size_t len = 0;
  assert_int_equal(mp_model_digest(dir, o, m, &e), 0);
  assert_int_equal(mp_oms_sign(*m, k, NULL, &json, &len, &e), 0);
  assert_int_equal(mp_bundle_parse("mine", (const uint8_t *)json, len, b, &e), 0);
  const mp_key *ks[] = {k};
  assert_int_equal(mp_oms_verify_bundle(*b, ks, 1, NULL, mf, &e), 0);
  free(json);
}

static void round_trip(mp_key_type t, mp_model_method method) {
  char *d = ut_tmpdir();
  ut_write(d, "m/w.bin", "0123456789abcdef", 16);
  ut_write(d, "m/cfg/x.json", "{}", 2);
  char *model = ut_path(d, "m");
  mp_err e;
  mp_key *k = NULL, *other = NULL;
  assert_int_equal(mp_key_generate(t, &k, &e), 0);
  assert_int_equal(mp_key_generate(t, &other, &e), 0);
  mp_model_opts o = {.method = method, .shard_size = 5};
  mp_model *m = NULL;
  mp_bundle *b = NULL;
  mp_oms_manifest *mf = NULL;
  sign_and_read(model, &o, k, &m, &b, &mf);
  char hint[65];
  assert_int_equal(mp_bundle_key_hint(k, hint, &e), 0);
  assert_string_equal(b->hint, hint);
  /* the hint is sha256 of the PEM text */
  char *pem = NULL;
  size_t pl = 0;
  uint8_t h[32];
  char hex[65];
  assert_int_equal(mp_key_public_pem(k, &pem, &pl, &e), 0);
  mp_sha256(pem, pl, h);
  mp_hex_encode(h, 32, hex);
  assert_string_equal(hex, hint);
  free(pem);
  const mp_key *good[] = {other, k}, *bad[] = {other};
  mp_oms_manifest *mf1 = NULL;
  assert_int_equal(mp_oms_verify_bundle(b, bad, 1, NULL, &mf1, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "another key"));
  assert_int_equal(mp_oms_verify_bundle(b, good, 2, NULL, &mf1, &e), 0);
  mp_oms_manifest_free(mf1);
  assert_memory_equal(mf->root, m->root, 32);
  assert_int_equal(mf->nres, m->nresources);
  mp_oms_report rep;
  assert_int_equal(mp_oms_check_model(mf, model, NULL, &rep, &e), 0);
  assert_int_equal(rep.files_verified, 2);
  mp_oms_report_free(&rep);
  /* a payload byte flipped: refused */
  b->env->payload[b->env->payload_len / 2] ^= 1;
  mp_oms_manifest *mf2 = NULL;
  assert_int_equal(mp_oms_verify_bundle(b, good, 2, NULL, &mf2, &e), MP_EVERIFY);
  mp_oms_manifest_free(mf);
  mp_bundle_free(b);
  mp_model_free(m);
  mp_key_free(k);
  mp_key_free(other);
  free(model);
  ut_rmtree(d);
}

static void round_trip_p256_files(void **s) { (void)s, round_trip(MP_KEY_ECDSA_P256, MP_MODEL_FILES); }
static void round_trip_p384_shards(void **s) { (void)s, round_trip(MP_KEY_ECDSA_P384, MP_MODEL_SHARDS); }
static void round_trip_p521_files(void **s) { (void)s, round_trip(MP_KEY_ECDSA_P521, MP_MODEL_FILES); }
static void round_trip_ed25519_shards(void **s) { (void)s, round_trip(MP_KEY_ED25519, MP_MODEL_SHARDS); }

static const mp_oms_finding *find(const mp_oms_report *r, const char *path) {
  for (size_t i = 0; i < r->nfindings; i++)
    if (strcmp(r->findings[i].path, path) == 0) return &r->findings[i];
  return NULL;
}

static void findings_by_file(void **state) {
  (void)state;
  mp_model_method methods[] = {MP_MODEL_FILES, MP_MODEL_SHARDS};
  for (int mi = 0; mi < 2; mi++) {
    char *d = ut_tmpdir();
    ut_write(d, "keep", "same", 4);
    ut_write(d, "edit", "0123456789", 10);
    ut_write(d, "grow", "0123456789", 10);
    ut_write(d, "gone", "x", 1);
    ut_write(d, "old name", "y", 1);
    mp_err e;
    mp_key *k = NULL;
    assert_int_equal(mp_key_generate(MP_KEY_ECDSA_P256, &k, &e), 0);
    mp_model_opts o = {.method = methods[mi], .shard_size = 4};
    mp_model *m = NULL;
    mp_bundle *b = NULL;
    mp_oms_manifest *mf = NULL;
    sign_and_read(d, &o, k, &m, &b, &mf);
    ut_write(d, "edit", "0123456789", 9); /* one byte shorter... */
    ut_write(d, "edit", "01234x6789", 10); /* ...then same size, changed byte */
    ut_write(d, "grow", "0123456789+", 11);
    char *p = ut_path(d, "gone"), *o1 = ut_path(d, "old name"), *n1 = ut_path(d, "new name");
    unlink(p);
    rename(o1, n1);
    ut_write(d, "added", "z", 1);
    mp_oms_report rep;
    assert_int_equal(mp_oms_check_model(mf, d, NULL, &rep, &e), MP_EVERIFY);
    assert_non_null(strstr(e.msg, "2 changed, 2 missing, 2 extra"));
    assert_int_equal(rep.files_verified, 1);
    assert_int_equal(find(&rep, "edit")->kind, MP_OMS_CHANGED);
    assert_int_equal(find(&rep, "grow")->kind, MP_OMS_CHANGED);
    if (methods[mi] == MP_MODEL_SHARDS) {
      assert_non_null(strstr(find(&rep, "edit")->detail, "bytes 4-8"));
      assert_non_null(strstr(find(&rep, "grow")->detail, "size differs"));
    }
    assert_int_equal(find(&rep, "gone")->kind, MP_OMS_MISSING);
    assert_int_equal(find(&rep, "old name")->kind, MP_OMS_MISSING);
    assert_int_equal(find(&rep, "new name")->kind, MP_OMS_EXTRA);
    assert_int_equal(find(&rep, "added")->kind, MP_OMS_EXTRA);
    mp_oms_report_free(&rep);
    mp_oms_check_opts co = {.ignore_unsigned = 1};
    assert_int_equal(mp_oms_check_model(mf, d, &co, &rep, &e), MP_EVERIFY);
    assert_int_equal(rep.nfindings, 4);
    assert_int_equal(rep.unsigned_ignored, 2);
    mp_oms_report_free(&rep);
    free(p), free(o1), free(n1);
    mp_oms_manifest_free(mf);
    mp_bundle_free(b);
    mp_model_free(m);
    mp_key_free(k);
    ut_rmtree(d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_vectors),          cmocka_unit_test(invalid_vectors),
      cmocka_unit_test(malformed_manifests),    cmocka_unit_test(keyids_accepted),
      cmocka_unit_test(round_trip_p256_files),  cmocka_unit_test(round_trip_p384_shards),
      cmocka_unit_test(round_trip_p521_files),  cmocka_unit_test(round_trip_ed25519_shards),
      cmocka_unit_test(findings_by_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
