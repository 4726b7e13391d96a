/* test_ingest.c — the agent's door: a corpus of realistic secrets sent in
 * every string-bearing event kind never survives into the bytes that are
 * journaled and kept; clean events pass through byte for byte, and bytes the
 * decoder drops (after a NUL, a field sent twice) are never journaled; redaction is
 * idempotent (a replayed journal applies unchanged); record data becomes its
 * leaf hash with the same Merkle root; opaque unknown fields are kept unless
 * they look like they hold a credential. */
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "event.pb-c.h"
#include "ingest.h"
#include "journal.h"
#include "merkle.h"
#include "record.h"
#include "unit.h"

typedef Mlprov__Event__V1__Event Event;

static const char *const secrets[] = {
    "hf_abcdefghijklmnopqrstuvwxyzABCDEF123456",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "glpat-xxxxxxxxxxxxxxxxxxxx",
    "xoxb-1234567890-abcdefghij",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_-xyz",
};
#define NSECRETS (sizeof secrets / sizeof secrets[0])
#define URL_PASSWORD "hunter2-Pa55"
#define PEM_BODY "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"

static uint8_t *pack(const Event *ev, size_t *len) {
  *len = mlprov__event__v1__event__get_packed_size(ev);
  uint8_t *b = malloc(*len + 1);
  mlprov__event__v1__event__pack(ev, b);
  return b;
}

static void assert_clean(const uint8_t *b, size_t len) {
  for (size_t i = 0; i < NSECRETS; i++)
    if (memmem(b, len, secrets[i], strlen(secrets[i]))) fail_msg("secret %.10s… survived", secrets[i]);
  if (memmem(b, len, URL_PASSWORD, strlen(URL_PASSWORD))) fail_msg("URL password survived");
  if (memmem(b, len, PEM_BODY, strlen(PEM_BODY))) fail_msg("PEM body survived");
  if (memmem(b, len, "s3cret-value", 12)) fail_msg("secret-named value survived");
}

/* Ingests ev: the result must be clean, flagged, and stable on re-ingest. */
static void check_redacted(const Event *ev) {
  size_t len;
  uint8_t *b = pack(ev, &len);
  mp_ingest in;
  mp_err e;
  assert_int_equal(mp_ingest_event(b, len, &in, &e), 0);
  assert_true(in.flags & MP_JOURNAL_F_REDACTED);
  assert_clean(in.bytes, in.len);
  mp_ingest again;
  assert_int_equal(mp_ingest_event(in.bytes, in.len, &again, &e), 0);
  assert_int_equal(again.flags, 0);
  assert_int_equal(again.len, in.len);
  assert_memory_equal(again.bytes, in.bytes, in.len);
  mp_ingest_clear(&again);
  mp_ingest_clear(&in);
  free(b);
}

static void check_param(const char *key, const char *value) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Parameter p = MLPROV__EVENT__V1__PARAMETER__INIT;
  p.key = (char *)key;
  p.value = (char *)value;
  ev.seq = 1;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_PARAMETER;
  ev.parameter = &p;
  check_redacted(&ev);
}

static void check_annotation(const char *key, const char *text) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Annotation a = MLPROV__EVENT__V1__ANNOTATION__INIT;
  a.key = (char *)key;
  a.text = (char *)text;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_ANNOTATION;
  ev.annotation = &a;
  check_redacted(&ev);
}

static void check_exec(char **argv, size_t n) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Exec x = MLPROV__EVENT__V1__EXEC__INIT;
  x.path = "/usr/bin/tool";
  x.argv = argv;
  x.n_argv = n;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_EXEC;
  ev.exec = &x;
  check_redacted(&ev);
}

static void secrets_in_every_kind(void **state) {
  (void)state;
  char text[512];
  for (size_t i = 0; i < NSECRETS; i++) {
    snprintf(text, sizeof text, "prefix %s suffix", secrets[i]);
    check_param("note", text);
    check_annotation("note", text);
    char *argv[] = {"curl", "-H", text, NULL};
    check_exec(argv, 3);
    Event ev = MLPROV__EVENT__V1__EVENT__INIT;
    Mlprov__Event__V1__Dataset d = MLPROV__EVENT__V1__DATASET__INIT;
    char uri[256];
    snprintf(uri, sizeof uri, "https://hub.example/%s/data", secrets[i]);
    d.name = "ds";
    d.uri = uri;
    ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_DATASET;
    ev.dataset = &d;
    check_redacted(&ev);
  }
}

static void secrets_by_name_url_and_pem(void **state) {
  (void)state;
  check_param("api_token", "s3cret-value"); /* by name */
  /* nested JSON member named like a secret */
  check_param("config", "{\"lr\":0.1,\"db\":{\"password\":\"s3cret-value\"},\"tags\":[\"a\"]}");
  check_param("db_url", "postgresql://trainer:" URL_PASSWORD "@db:5432/runs");
  check_param("key_file_contents", "-----BEGIN PRIVATE KEY-----\n" PEM_BODY "\n-----END PRIVATE KEY-----\n");
  check_annotation("SESSION_COOKIE", "s3cret-value");
  char *argv[] = {"tool", "--password", "s3cret-value", "--token=s3cret-value", NULL};
  check_exec(argv, 4);
  /* digest map values and dependency fields are strings too */
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Dependency dep = MLPROV__EVENT__V1__DEPENDENCY__INIT;
  dep.name = "pkg";
  dep.purl = "pkg:generic/x?download_url=https://u:" URL_PASSWORD "@h/x";
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_DEPENDENCY;
  ev.dependency = &dep;
  check_redacted(&ev);
}

static void clean_events_pass_byte_for_byte(void **state) {
  (void)state;
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Parameter p = MLPROV__EVENT__V1__PARAMETER__INIT;
  p.key = "learning_rate";
  p.value = "0.001";
  ev.seq = 7;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_PARAMETER;
  ev.parameter = &p;
  size_t len;
  uint8_t *b = pack(&ev, &len);
  mp_ingest in;
  mp_err e;
  assert_int_equal(mp_ingest_event(b, len, &in, &e), 0);
  assert_int_equal(in.flags, 0);
  assert_ptr_equal(in.bytes, b);
  assert_int_equal(in.ev->seq, 7);
  mp_ingest_clear(&in);
  free(b);
  uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
  assert_int_equal(mp_ingest_event(junk, sizeof junk, &in, &e), MP_EPARSE);
}

static void records_become_leaf_hashes(void **state) {
  (void)state;
  mp_record *live = NULL, *replayed = NULL;
  mp_err e;
  char *argv[] = {"job", NULL};
  assert_int_equal(mp_record_new(argv, &live, &e), 0);
  assert_int_equal(mp_record_new(argv, &replayed, &e), 0);
  uint8_t leaves[5 * 32];
  for (int i = 0; i < 5; i++) {
    char data[64];
    int n = snprintf(data, sizeof data, "record %d with %s", i, secrets[0]);
    mp_merkle_leaf_hash(data, (size_t)n, leaves + 32 * i);
    Event ev = MLPROV__EVENT__V1__EVENT__INIT;
    Mlprov__Event__V1__Record r = MLPROV__EVENT__V1__RECORD__INIT;
    r.dataset = "train";
    r.data.data = (uint8_t *)data;
    r.data.len = (size_t)n;
    ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_RECORD;
    ev.record = &r;
    size_t len;
    uint8_t *b = pack(&ev, &len);
    mp_ingest in;
    assert_int_equal(mp_ingest_event(b, len, &in, &e), 0);
    assert_true(in.flags & MP_JOURNAL_F_LEAF);
    assert_clean(in.bytes, in.len);
    assert_null(memmem(in.bytes, in.len, "record ", 7));
    assert_int_equal(mp_ingest_apply(live, &in, &e), 0);
    mp_ingest again;
    assert_int_equal(mp_ingest_event(in.bytes, in.len, &again, &e), 0);
    assert_int_equal(mp_ingest_apply(replayed, &again, &e), 0);
    mp_ingest_clear(&again);
    mp_ingest_clear(&in);
    free(b);
  }
  uint8_t want[32], a[32], b2[32];
  mp_merkle_root(leaves, 5, want);
  assert_int_equal(live->nleafsets, 1);
  mp_merkle_root(live->leafsets[0].leaves, live->leafsets[0].n, a);
  mp_merkle_root(replayed->leafsets[0].leaves, replayed->leafsets[0].n, b2);
  assert_memory_equal(a, want, 32);
  assert_memory_equal(b2, want, 32);
  assert_true(live->mem > 0);
  mp_record_free(live);
  mp_record_free(replayed);
}

static void unknown_fields_kept_unless_secret(void **state) {
  (void)state;
  mp_err e;
  mp_ingest in;
  /* Event{seq=1, field 99 = "future"}: an unknown kind, kept as sent */
  static const uint8_t plain[] = {0x08, 0x01, 0x9a, 0x06, 0x06, 'f', 'u', 't', 'u', 'r', 'e'};
  assert_int_equal(mp_ingest_event(plain, sizeof plain, &in, &e), 0);
  assert_int_equal(in.flags, 0);
  assert_int_equal(in.ev->base.n_unknown_fields, 1);
  mp_ingest_clear(&in);
  /* the same carrying a token: dropped, the event stays (seq kept) */
  uint8_t secret[64] = {0x08, 0x01, 0x9a, 0x06, 0};
  size_t sl = strlen(secrets[2]);
  secret[4] = (uint8_t)sl;
  memcpy(secret + 5, secrets[2], sl);
  assert_int_equal(mp_ingest_event(secret, 5 + sl, &in, &e), 0);
  assert_true(in.flags & MP_JOURNAL_F_REDACTED);
  assert_int_equal(in.ev->base.n_unknown_fields, 0);
  assert_int_equal(in.ev->seq, 1);
  assert_clean(in.bytes, in.len);
  mp_record *r = NULL;
  char *argv[] = {"job", NULL};
  assert_int_equal(mp_record_new(argv, &r, &e), 0);
  assert_int_equal(mp_ingest_apply(r, &in, &e), 0);
  assert_int_equal(r->stats.redacted_events, 1);
  assert_int_equal(r->stats.unknown_events, 1);
  mp_record_free(r);
  mp_ingest_clear(&in);
}

static void hello_redacted(void **state) {
  (void)state;
  Mlprov__Event__V1__Hello h = MLPROV__EVENT__V1__HELLO__INIT;
  Mlprov__Event__V1__Rank rank = MLPROV__EVENT__V1__RANK__INIT;
  h.protocol_version = 1;
  h.hook_version = "0.1.0";
  rank.job_id = (char *)secrets[0];
  h.rank = &rank;
  uint8_t buf[256];
  size_t n = mlprov__event__v1__hello__pack(&h, buf);
  const uint8_t *bytes;
  size_t blen;
  uint8_t *owned;
  unsigned flags;
  Mlprov__Event__V1__Hello *got = mp_ingest_hello(buf, n, &bytes, &blen, &owned, &flags);
  assert_non_null(got);
  assert_non_null(owned);
  assert_int_equal(flags, MP_JOURNAL_F_REDACTED);
  assert_clean(bytes, blen);
  assert_int_equal(got->protocol_version, 1);
  mlprov__event__v1__hello__free_unpacked(got, NULL);
  free(owned);
  h.rank = NULL;
  n = mlprov__event__v1__hello__pack(&h, buf);
  got = mp_ingest_hello(buf, n, &bytes, &blen, &owned, &flags);
  assert_null(owned);
  assert_int_equal(flags, 0);
  assert_ptr_equal(bytes, buf);
  mlprov__event__v1__hello__free_unpacked(got, NULL);
  /* a hook_version that hides a token behind a NUL: journaled as decoded */
  uint8_t hidden[128] = {0x08, 0x01, 0x22, 0};
  size_t sl = strlen(secrets[0]);
  hidden[3] = (uint8_t)(6 + sl);
  memcpy(hidden + 4, "0.1.0", 6); /* with its NUL */
  memcpy(hidden + 10, secrets[0], sl);
  got = mp_ingest_hello(hidden, 10 + sl, &bytes, &blen, &owned, &flags);
  assert_non_null(got);
  assert_string_equal(got->hook_version, "0.1.0");
  assert_non_null(owned);
  assert_int_equal(flags, 0); /* nothing was redacted: the bytes are what was decoded */
  assert_clean(bytes, blen);
  assert_int_equal(blen, mlprov__event__v1__hello__get_packed_size(got));
  mlprov__event__v1__hello__free_unpacked(got, NULL);
  free(owned);
}

/* Ingesting what ingest produced takes the bytes as they are, flags 0. */
static void assert_fixed_point(const mp_ingest *in) {
  mp_ingest again;
  mp_err e;
  assert_int_equal(mp_ingest_event(in->bytes, in->len, &again, &e), 0);
  assert_int_equal(again.flags, 0);
  assert_ptr_equal(again.bytes, in->bytes);
  assert_null(again.owned);
  mp_ingest_clear(&again);
}

/* Bytes protobuf-c does not keep in the decoded event were never redacted:
 * they must not reach the journal. A string is kept only up to an embedded
 * NUL; a field sent twice keeps its last value. */
static void bytes_the_decoder_drops_are_not_journaled(void **state) {
  (void)state;
  mp_err e;
  mp_ingest in;
  size_t sl = strlen(secrets[3]);
  /* Event{seq=1, parameter{key="lr", value="0.1\0<token>"}} */
  uint8_t cut[160] = {0x08, 0x01, 0x6a, 0, 0x0a, 0x02, 'l', 'r', 0x12, 0};
  cut[9] = (uint8_t)(4 + sl);
  memcpy(cut + 10, "0.1", 4);
  memcpy(cut + 14, secrets[3], sl);
  cut[3] = (uint8_t)(10 + sl);
  size_t cutlen = 14 + sl;
  assert_int_equal(mp_ingest_event(cut, cutlen, &in, &e), 0);
  assert_string_equal(in.ev->parameter->value, "0.1");
  assert_int_equal(in.flags, 0);
  assert_non_null(in.owned);
  assert_clean(in.bytes, in.len);
  assert_fixed_point(&in);
  mp_ingest_clear(&in);

  /* Event{seq=1, annotation{key="note", text=<token>, text="fine"}}: the
   * token is overwritten by the second text, and must not be journaled */
  uint8_t twice[160] = {0x08, 0x01, 0x82, 0x01, 0, 0x0a, 0x04, 'n', 'o', 't', 'e', 0x12, (uint8_t)sl};
  memcpy(twice + 13, secrets[3], sl);
  memcpy(twice + 13 + sl, "\x12\x04" "fine", 6);
  twice[4] = (uint8_t)(6 + 2 + sl + 6);
  assert_int_equal(mp_ingest_event(twice, 13 + sl + 6, &in, &e), 0);
  assert_string_equal(in.ev->annotation->text, "fine");
  assert_non_null(in.owned);
  assert_clean(in.bytes, in.len);
  assert_fixed_point(&in);
  mp_ingest_clear(&in);

  /* The same size is not the same bytes: an artifact whose path hides
   * "xyz" behind a NUL (4 bytes lost) and whose role -1 comes as a 6-byte
   * varint (re-encoded in 10: 4 bytes gained). */
  static const uint8_t same_size[] = {0x08, 0x01, 0x72, 0x0f, 0x0a, 0x06, 'a', 'b', 0,   'x', 'y',
                                      'z',  0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  assert_int_equal(mp_ingest_event(same_size, sizeof same_size, &in, &e), 0);
  assert_string_equal(in.ev->artifact->path, "ab");
  assert_int_equal(in.len, sizeof same_size);
  assert_non_null(in.owned);
  assert_null(memmem(in.bytes, in.len, "xyz", 3));
  assert_fixed_point(&in);
  mp_ingest_clear(&in);
}

/* Whether an unknown field looks like a credential is decided on its own
 * bytes, so the verdict survives the re-encoding that moves its neighbours. */
static void unknown_field_verdict_survives_reencoding(void **state) {
  (void)state;
  mp_err e;
  mp_ingest in;
  /* Event{dataset{name "x" twice (a re-encoding), field 8 = 74}}: 0x40 is '@' */
  static const uint8_t ev[] = {0x08, 0x01, 0x5a, 0x08, 0x0a, 0x01, 'y', 0x40, 0x4a, 0x0a, 0x01, 'x'};
  assert_int_equal(mp_ingest_event(ev, sizeof ev, &in, &e), 0);
  assert_int_equal(in.flags, 0);
  assert_int_equal(in.ev->dataset->base.n_unknown_fields, 1);
  assert_non_null(in.owned);
  assert_fixed_point(&in);
  mp_ingest_clear(&in);
  /* field number 0, which protobuf-c keeps from a two-byte tag but would
   * refuse once re-encoded in one: not an event */
  static const uint8_t zero[] = {0x08, 0x01, 0x82, 0x00, 0x01, 'x'};
  assert_int_equal(mp_ingest_event(zero, sizeof zero, &in, &e), MP_EPARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(secrets_in_every_kind),
      cmocka_unit_test(secrets_by_name_url_and_pem),
      cmocka_unit_test(clean_events_pass_byte_for_byte),
      cmocka_unit_test(records_become_leaf_hashes),
      cmocka_unit_test(unknown_fields_kept_unless_secret),
      cmocka_unit_test(hello_redacted),
      cmocka_unit_test(bytes_the_decoder_drops_are_not_journaled),
      cmocka_unit_test(unknown_field_verdict_survives_reencoding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
