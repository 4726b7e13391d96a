/* test_dsse.c — DSSE PAE (the spec's vector), sign/verify with every key
 * type, JSON and protobuf round trips, tampering and key confusion. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "digest.h"
#include "dsse.h"
#include "encoding.h"
#include "keys.h"
#include "unit.h"

static void pae_spec_vector(void **state) {
  (void)state;
  uint8_t *pae;
  size_t len;
  assert_int_equal(mp_dsse_pae("http://example.com/HelloWorld", (const uint8_t *)"hello world", 11, &pae, &len, NULL), 0);
  const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
  assert_int_equal(len, strlen(want));
  assert_memory_equal(pae, want, len);
  free(pae);
  assert_int_equal(mp_dsse_pae("t", (const uint8_t *)"", 0, &pae, &len, NULL), 0);
  assert_int_equal(len, strlen("DSSEv1 1 t 0 "));
  assert_memory_equal(pae, "DSSEv1 1 t 0 ", len);
  free(pae);
}

static void sign_verify_type(mp_key_type t) {
  mp_err e;
  mp_key *k = NULL, *other = NULL;
  assert_int_equal(mp_key_generate(t, &k, &e), 0);
  assert_int_equal(mp_key_generate(t, &other, &e), 0);
  assert_int_equal(strlen(mp_key_id(k)), 64);
  mp_dsse *d = NULL;
  const char *msg = "{\"hello\":\"world\"}";
  assert_int_equal(mp_dsse_new(MP_INTOTO_PAYLOAD_TYPE, (const uint8_t *)msg, strlen(msg), &d, &e), 0);
  assert_int_equal(mp_dsse_sign(d, k, &e), 0);
  const mp_key *trusted[] = {other, k};
  mp_dsse_result r;
  assert_int_equal(mp_dsse_verify(d, trusted, 2, 1, &r, &e), 0);
  assert_ptr_equal(r.first, k);
  const mp_key *wrong[] = {other};
  assert_int_equal(mp_dsse_verify(d, wrong, 1, 1, &r, &e), MP_EVERIFY);

  /* JSON round trip keeps the exact payload and verifies */
  char *json;
  size_t jl;
  assert_int_equal(mp_dsse_to_json(d, &json, &jl, &e), 0);
  mp_dsse *back = NULL;
  assert_int_equal(mp_dsse_from_json(json, jl, &back, &e), 0);
  assert_int_equal(back->payload_len, strlen(msg));
  assert_memory_equal(back->payload, msg, strlen(msg));
  assert_int_equal(mp_dsse_verify(back, trusted, 2, 1, NULL, &e), 0);
  /* a flipped payload bit fails */
  back->payload[3] ^= 1;
  assert_int_equal(mp_dsse_verify(back, trusted, 2, 1, NULL, &e), MP_EVERIFY);
  back->payload[3] ^= 1;
  /* the payload type is signed too */
  free(back->payload_type);
  back->payload_type = strdup("application/json");
  assert_int_equal(mp_dsse_verify(back, trusted, 2, 1, NULL, &e), MP_EVERIFY);
  mp_dsse_free(back);
  free(json);

  /* protobuf round trip */
  uint8_t *pb;
  size_t pl;
  assert_int_equal(mp_dsse_to_pb(d, &pb, &pl, &e), 0);
  assert_int_equal(mp_dsse_from_pb(pb, pl, &back, &e), 0);
  assert_int_equal(mp_dsse_verify(back, trusted, 2, 1, NULL, &e), 0);
  assert_string_equal(back->sigs[0].keyid, mp_key_id(k));
  mp_dsse_free(back);
  free(pb);

  /* two signatures, two required */
  assert_int_equal(mp_dsse_sign(d, other, &e), 0);
  assert_int_equal(mp_dsse_verify(d, trusted, 2, 2, &r, &e), 0);
  assert_int_equal(r.valid, 2);
  const mp_key *dup[] = {k, k};
  assert_int_equal(mp_dsse_verify(d, dup, 1, 2, NULL, &e), MP_EVERIFY); /* one key counts once */
  mp_dsse_free(d);
  mp_key_free(k);
  mp_key_free(other);
}

static void sign_verify_p256(void **s) { (void)s; sign_verify_type(MP_KEY_ECDSA_P256); }
static void sign_verify_p384(void **s) { (void)s; sign_verify_type(MP_KEY_ECDSA_P384); }
static void sign_verify_p521(void **s) { (void)s; sign_verify_type(MP_KEY_ECDSA_P521); }
static void sign_verify_ed25519(void **s) { (void)s; sign_verify_type(MP_KEY_ED25519); }

static void json_malformed_envelopes(void **state) {
  (void)state;
  mp_err e;
  mp_dsse *d = NULL;
  static const char *bad[] = {
      "", "[]", "{}", "{\"payload\":\"Zm9v\",\"payloadType\":\"t\"}",
      "{\"payload\":\"Zm9v!\",\"payloadType\":\"t\",\"signatures\":[]}",
      "{\"payload\":\"Zm9v\",\"payloadType\":1,\"signatures\":[]}",
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":1}]}",
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\",\"keyid\":5}]}",
      "{\"payload\":\"Zm9v\",\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(mp_dsse_from_json(bad[i], strlen(bad[i]), &d, &e), MP_EPARSE);
    assert_true(strlen(e.msg) > 0);
  }
  /* keyid absent or null is fine */
  const char *ok = "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\",\"keyid\":null},{\"sig\":\"AA==\"}]}";
  assert_int_equal(mp_dsse_from_json(ok, strlen(ok), &d, &e), 0);
  assert_null(d->sigs[0].keyid);
  assert_int_equal(d->nsigs, 2);
  mp_dsse_free(d);
}

/* The hand-written encoder must produce exactly what jansson writes with
 * JSON_COMPACT | JSON_SORT_KEYS, including escapes in short strings. */
static void json_encoding_matches_jansson(void **state) {
  (void)state;
  mp_err e;
  mp_key *k;
  mp_dsse *d;
  assert_int_equal(mp_key_generate(MP_KEY_ED25519, &k, &e), 0);
  const char *body = "{\"a\":\"\u00e9\"}\n\x01";
  assert_int_equal(mp_dsse_new("text/x-\"quoted\"/\u00e9", (const uint8_t *)body, strlen(body), &d, &e), 0);
  assert_int_equal(mp_dsse_sign(d, k, &e), 0);
  assert_int_equal(mp_dsse_sign(d, k, &e), 0);
  free(d->sigs[1].keyid);
  d->sigs[1].keyid = NULL;
  char *mine;
  size_t len;
  assert_int_equal(mp_dsse_to_json(d, &mine, &len, &e), 0);
  json_t *sigs = json_array();
  for (size_t i = 0; i < d->nsigs; i++) {
    char *b = mp_b64_encode(d->sigs[i].sig, d->sigs[i].sig_len);
    json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", d->sigs[i].keyid ? d->sigs[i].keyid : "", "sig", b));
    free(b);
  }
  char *pb = mp_b64_encode(d->payload, d->payload_len);
  json_t *root = json_pack("{s:s, s:s, s:o}", "payload", pb, "payloadType", d->payload_type, "signatures", sigs);
  char *ref = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(mine, ref);
  assert_int_equal(len, strlen(ref));
  /* compared without being built: equal, and not equal when any byte differs */
  assert_true(mp_dsse_json_equal(d, (const uint8_t *)ref, strlen(ref)));
  assert_false(mp_dsse_json_equal(d, (const uint8_t *)ref, strlen(ref) - 1));
  for (size_t i = 0; i < strlen(ref); i += 7) {
    ref[i] ^= 1;
    assert_false(mp_dsse_json_equal(d, (const uint8_t *)ref, strlen(ref)));
    ref[i] ^= 1;
  }
  free(ref);
  free(pb);
  json_decref(root);
  free(mine);
  mp_dsse_free(d);
  mp_key_free(k);
}

/* A payload of several megabytes (the decoder puts it in huge-page memory,
 * the verifier hashes it in pieces): every key type verifies it after a
 * protobuf round trip, a flipped byte anywhere fails, and the JSON compares
 * equal across the 3072-byte encoding chunks. */
static void big_payload_every_key_type(void **state) {
  (void)state;
  size_t n = (5u << 20) + 12345;
  uint8_t *body = malloc(n);
  for (size_t i = 0; i < n; i++) body[i] = (uint8_t)(i * 2654435761u >> 13);
  static const mp_key_type types[] = {MP_KEY_ECDSA_P256, MP_KEY_ECDSA_P384, MP_KEY_ED25519};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    mp_err e;
    mp_key *k;
    mp_dsse *d, *back;
    assert_int_equal(mp_key_generate(types[t], &k, &e), 0);
    assert_int_equal(mp_dsse_new(MP_INTOTO_PAYLOAD_TYPE, body, n, &d, &e), 0);
    assert_int_equal(mp_dsse_sign(d, k, &e), 0);
    uint8_t *pb;
    size_t pl;
    assert_int_equal(mp_dsse_to_pb(d, &pb, &pl, &e), 0);
    assert_int_equal(mp_dsse_from_pb(pb, pl, &back, &e), 0);
    const mp_key *trusted[] = {k};
    assert_int_equal(mp_dsse_verify(back, trusted, 1, 1, NULL, &e), 0);
    back->payload[n - 1] ^= 0x80;
    assert_int_equal(mp_dsse_verify(back, trusted, 1, 1, NULL, &e), MP_EVERIFY);
    back->payload[n - 1] ^= 0x80;
    back->payload[4096] ^= 1;
    assert_int_equal(mp_dsse_verify(back, trusted, 1, 1, NULL, &e), MP_EVERIFY);
    back->payload[4096] ^= 1;
    char *json;
    size_t jl;
    assert_int_equal(mp_dsse_to_json(back, &json, &jl, &e), 0);
    assert_true(mp_dsse_json_equal(d, (const uint8_t *)json, jl));
    json[jl / 2] = json[jl / 2] == 'A' ? 'B' : 'A';
    assert_false(mp_dsse_json_equal(d, (const uint8_t *)json, jl));
    free(json);
    free(pb);
    mp_dsse_free(back);
    mp_dsse_free(d);
    mp_key_free(k);
  }
  free(body);
}

static void expect_json_sha(const mp_dsse *d, int cached) {
  assert_int_equal(d->has_json_sha256, cached);
  char *json = NULL;
  size_t len = 0;
  mp_err e;
  assert_int_equal(mp_dsse_to_json(d, &json, &len, &e), 0);
  uint8_t want[32], got[32];
  mp_sha256(json, len, want);
  assert_int_equal(mp_dsse_json_sha256(d, got, &e), 0);
  assert_memory_equal(got, want, 32);
  free(json);
}

/* The envelope's content address comes from the text it was read from only
 * when that text is mp_dsse_to_json's: padded base64, nothing added since. */
static void json_sha256_from_text(void **state) {
  (void)state;
  mp_dsse *d;
  const char *padded = "{\"payload\":\"Zm9vYg==\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAE=\"}]}\n";
  assert_int_equal(mp_dsse_from_compact_json(padded, strlen(padded), &d), 1);
  uint8_t text_sha[32];
  mp_sha256(padded, strlen(padded) - 1, text_sha);
  assert_memory_equal(d->json_sha256, text_sha, 32);
  expect_json_sha(d, 1);
  mp_key *k = NULL;
  mp_err e;
  assert_int_equal(mp_key_generate(MP_KEY_ED25519, &k, &e), 0);
  assert_int_equal(mp_dsse_sign(d, k, &e), 0);
  expect_json_sha(d, 0); /* signed again: the text is stale */
  mp_key_free(k);
  mp_dsse_free(d);
  static const char *unpadded[] = {
      "{\"payload\":\"Zm9vYg\",\"payloadType\":\"t\",\"signatures\":[]}",
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAE\"}]}",
      "{\"payload\":\"-_-_\",\"payloadType\":\"t\",\"signatures\":[]}", /* URL-safe alphabet */
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"A-8=\"}]}",
  };
  for (size_t i = 0; i < sizeof unpadded / sizeof unpadded[0]; i++) {
    assert_int_equal(mp_dsse_from_compact_json(unpadded[i], strlen(unpadded[i]), &d), 1);
    expect_json_sha(d, 0);
    mp_dsse_free(d);
  }
}

/* The compact reader takes what mp_dsse_to_json writes and leaves anything
 * else to the general parser, which reads it the same. */
static void compact_reader(void **state) {
  (void)state;
  mp_dsse *d;
  const char *ok = "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"k\",\"sig\":\"AAE=\"},"
                   "{\"keyid\":\"\",\"sig\":\"\"}]}\r\n";
  assert_int_equal(mp_dsse_from_compact_json(ok, strlen(ok), &d), 1);
  assert_string_equal(d->payload_type, "t");
  assert_int_equal(d->payload_len, 3);
  assert_memory_equal(d->payload, "foo", 3);
  assert_int_equal(d->nsigs, 2);
  assert_string_equal(d->sigs[0].keyid, "k");
  assert_int_equal(d->sigs[0].sig_len, 2);
  assert_string_equal(d->sigs[1].keyid, "");
  mp_dsse_free(d);
  const char *none = "{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[]}";
  assert_int_equal(mp_dsse_from_compact_json(none, strlen(none), &d), 1);
  assert_int_equal(d->nsigs, 0);
  mp_dsse_free(d);
  static const char *general[] = {
      "{\"payload\":\"Zm\\/9\",\"payloadType\":\"t\",\"signatures\":[]}",            /* an escape */
      "{\"payloadType\":\"t\",\"payload\":\"Zm9v\",\"signatures\":[]}",                /* key order */
      "{ \"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[]}",               /* a space */
      "{\"payload\":\"Zm9v\",\"payloadType\":\"\xff\",\"signatures\":[]}",            /* not UTF-8 */
      "{\"payload\":\"Zm9v!\",\"payloadType\":\"t\",\"signatures\":[]}",               /* not base64 */
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\"}]}", /* no keyid */
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[]}x",               /* trailing */
      "{\"payload\":\"Zm9v\",\"payloadType\":\"t\",\"signatures\":[]",                 /* truncated */
  };
  for (size_t i = 0; i < sizeof general / sizeof general[0]; i++) {
    d = NULL;
    if (mp_dsse_from_compact_json(general[i], strlen(general[i]), &d) != 0) fail_msg("compact took %s", general[i]);
    assert_null(d);
  }
  mp_err e;
  assert_int_equal(mp_dsse_from_json(general[0], strlen(general[0]), &d, &e), 0); /* "\/" is "/" */
  assert_int_equal(d->payload_len, 3);
  mp_dsse_free(d);
  assert_int_equal(mp_dsse_from_json(general[5], strlen(general[5]), &d, &e), 0);
  assert_null(d->sigs[0].keyid);
  mp_dsse_free(d);
  assert_int_equal(mp_dsse_from_json(general[3], strlen(general[3]), &d, &e), MP_EPARSE);
  assert_int_equal(mp_dsse_from_json(general[4], strlen(general[4]), &d, &e), MP_EPARSE);
}

static void no_signature_is_refused(void **state) {
  (void)state;
  mp_err e;
  mp_key *k;
  mp_dsse *d;
  assert_int_equal(mp_key_generate(MP_KEY_ECDSA_P256, &k, &e), 0);
  assert_int_equal(mp_dsse_new("t", (const uint8_t *)"x", 1, &d, &e), 0);
  const mp_key *ks[] = {k};
  assert_int_equal(mp_dsse_verify(d, ks, 1, 1, NULL, &e), MP_EVERIFY);
  mp_dsse_free(d);
  mp_key_free(k);
}

/* Several trusted keys: every key that signed is reported (res.by), and a
 * keyid hint that lies (names another trusted key) or is missing changes
 * nothing but the order keys are tried in. */
static void many_keys_and_hints(void **state) {
  (void)state;
  mp_key *k[4];
  mp_err e;
  for (int i = 0; i < 4; i++) assert_int_equal(mp_key_generate(MP_KEY_ED25519, &k[i], &e), 0);
  mp_dsse *d = NULL;
  assert_int_equal(mp_dsse_new("t", (const uint8_t *)"body", 4, &d, &e), 0);
  assert_int_equal(mp_dsse_sign(d, k[1], &e), 0);
  assert_int_equal(mp_dsse_sign(d, k[3], &e), 0);
  mp_dsse_result r;
  assert_int_equal(mp_dsse_verify(d, (const mp_key *const *)k, 4, 2, &r, &e), 0);
  assert_int_equal(r.valid, 2);
  assert_int_equal(r.nby, 2);
  assert_ptr_equal(r.by[0], k[1]);
  assert_ptr_equal(r.by[1], k[3]);
  /* hints swapped: signature 0 claims key 3 */
  char *h0 = d->sigs[0].keyid;
  d->sigs[0].keyid = d->sigs[1].keyid;
  d->sigs[1].keyid = NULL;
  assert_int_equal(mp_dsse_verify(d, (const mp_key *const *)k, 4, 2, &r, &e), 0);
  assert_int_equal(r.nby, 2);
  /* only keys 0 and 2 trusted: refused whatever the hints say */
  const mp_key *others[2] = {k[0], k[2]};
  assert_int_equal(mp_dsse_verify(d, others, 2, 1, &r, &e), MP_EVERIFY);
  assert_int_equal(r.nby, 0);
  free(h0);
  mp_dsse_free(d);
  for (int i = 0; i < 4; i++) mp_key_free(k[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pae_spec_vector),     cmocka_unit_test(sign_verify_p256),
      cmocka_unit_test(sign_verify_p384),    cmocka_unit_test(sign_verify_p521),
      cmocka_unit_test(sign_verify_ed25519), cmocka_unit_test(json_malformed_envelopes),
      cmocka_unit_test(no_signature_is_refused), cmocka_unit_test(json_encoding_matches_jansson),
      cmocka_unit_test(many_keys_and_hints), cmocka_unit_test(big_payload_every_key_type),
      cmocka_unit_test(compact_reader),
      cmocka_unit_test(json_sha256_from_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
