/* test_ingest_path.c — the agent's protobuf-free reading of path events
 * (mp_ingest_path_event) against mp_ingest_event, the protobuf-c path it
 * short-cuts: what the preload hook's encoder writes is taken, with the same
 * kind, seq and path; whenever it takes a frame (every byte of several frames
 * changed to every value, every cut, random insertions), protobuf-c decodes
 * that frame to the same event, which redaction leaves unchanged and which
 * re-encodes to the frame's own bytes; it leaves
 * to protobuf-c every frame that needs more (a secret in the path, a digest,
 * a size, unknown or repeated fields, a NUL or nothing in the path, another
 * encoding than protobuf-c's). */
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "ingest.h"
#include "unit.h"
#include "wire.h"

typedef Mlprov__Event__V1__Event Event;

static const struct timespec when = {1700000000, 123456789};

/* The encoder's frame for path, without the 4-byte frame header. */
static size_t hook_event(uint8_t *out, size_t cap, int kind, uint64_t seq, const char *path) {
  uint8_t buf[8192];
  size_t n = mp_wire_path_event(buf, sizeof buf, kind, seq, &when, path, strlen(path));
  assert_true(n > 4 && n - 4 <= cap);
  memcpy(out, buf + 4, n - 4);
  return n - 4;
}

static int no_unknown(const ProtobufCMessage *m) { return !m || m->n_unknown_fields == 0; }

/* Whatever the fast path takes, protobuf-c must read the same way. */
static void check_agrees(const uint8_t *frame, size_t len) {
  mp_ingest_path pe;
  if (mp_ingest_path_event(frame, len, &pe) != 1) return;
  mp_ingest in;
  mp_err e;
  mp_err_clear(&e);
  if (mp_ingest_event(frame, len, &in, &e) != 0) fail_msg("the fast path took a frame protobuf-c refuses");
  assert_int_equal(in.flags, 0);
  assert_ptr_equal(in.bytes, frame);
  assert_int_equal(in.len, len);
  assert_int_equal(in.ev->kind_case, pe.kind);
  assert_int_equal(in.ev->seq, pe.seq);
  const char *path = pe.kind == MLPROV__EVENT__V1__EVENT__KIND_FILE_READ ? in.ev->file_read->path
                                                                          : in.ev->file_written->path;
  assert_non_null(path);
  assert_string_equal(path, pe.path);
  assert_int_equal(strlen(pe.path), pe.len);
  assert_true(no_unknown(&in.ev->base) && no_unknown((ProtobufCMessage *)in.ev->time));
  if (pe.kind == MLPROV__EVENT__V1__EVENT__KIND_FILE_READ) {
    assert_true(no_unknown(&in.ev->file_read->base));
    assert_int_equal(in.ev->file_read->n_digest, 0);
    assert_int_equal(in.ev->file_read->size, 0);
  } else {
    assert_true(no_unknown(&in.ev->file_written->base));
  }
  mp_ingest_clear(&in);
}

static void hook_events_taken(void **state) {
  (void)state;
  static const char *const paths[] = {"/data/train/f-1", "/a", "/x/ü/ñ.txt", "/usr/lib/python3.11/os.py"};
  static const uint64_t seqs[] = {1, 127, 128, 300, 1ull << 40};
  uint8_t f[8192];
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++)
      for (int kind = 0; kind < 2; kind++) {
        int wk = kind ? MP_WIRE_FILE_WRITTEN : MP_WIRE_FILE_READ;
        size_t n = hook_event(f, sizeof f, wk, seqs[k], paths[i]);
        mp_ingest_path pe;
        assert_int_equal(mp_ingest_path_event(f, n, &pe), 1);
        assert_int_equal(pe.seq, seqs[k]);
        assert_string_equal(pe.path, paths[i]);
        check_agrees(f, n);
      }
  /* a path of 4095 bytes is the longest taken */
  char longp[4097];
  memset(longp, 'a', sizeof longp);
  longp[0] = '/';
  longp[4095] = '\0';
  size_t n = hook_event(f, sizeof f, MP_WIRE_FILE_READ, 1, longp);
  mp_ingest_path pe;
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 1);
  longp[4095] = 'a';
  longp[4096] = '\0';
  n = hook_event(f, sizeof f, MP_WIRE_FILE_READ, 1, longp);
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 0);
}

/* A protobuf-c packed Event, to add what the hook never sends. */
static size_t pack(const Event *ev, uint8_t *out) { return mlprov__event__v1__event__pack(ev, out); }

static void others_left_to_protobuf_c(void **state) {
  (void)state;
  uint8_t f[8192];
  mp_ingest_path pe;
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__FileRead fr = MLPROV__EVENT__V1__FILE_READ__INIT;
  ev.seq = 7;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_READ;
  ev.file_read = &fr;
  fr.path = (char *)"/data/x";
  size_t n = pack(&ev, f);
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 1); /* no time: still the same event */
  fr.size = 10;
  n = pack(&ev, f);
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 0); /* a size */
  fr.size = 0;
  Mlprov__Event__V1__FileRead__DigestEntry de = MLPROV__EVENT__V1__FILE_READ__DIGEST_ENTRY__INIT;
  Mlprov__Event__V1__FileRead__DigestEntry *des[] = {&de};
  de.key = (char *)"sha256";
  de.value = (char *)"00";
  fr.n_digest = 1;
  fr.digest = des;
  n = pack(&ev, f);
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 0); /* a digest */
  fr.n_digest = 0;
  fr.path = (char *)"";
  n = pack(&ev, f);
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 0); /* no path */
  /* a secret in the path: protobuf-c's path redacts it */
  static const char *const secrets[] = {"/tmp/hf_abcdefghijklmnopqrstuvwxyzABCDEF123456/x",
                                        "/k/AKIAIOSFODNN7EXAMPLE", "/u/https://me:hunter2@example.com/"};
  for (size_t i = 0; i < 3; i++) {
    n = hook_event(f, sizeof f, MP_WIRE_FILE_READ, 1, secrets[i]);
    assert_int_equal(mp_ingest_path_event(f, n, &pe), 0);
    mp_ingest in;
    mp_err e;
    assert_int_equal(mp_ingest_event(f, n, &in, &e), 0);
    assert_true(in.flags & 1);
    mp_ingest_clear(&in);
  }
  /* an unknown field (a newer hook), a repeated seq, two kinds, a NUL */
  size_t base = hook_event(f, sizeof f, MP_WIRE_FILE_READ, 5, "/data/y");
  uint8_t g[8300];
  memcpy(g, f, base);
  memcpy(g + base, "\xf8\x01\x01", 3); /* field 31, varint 1 */
  assert_int_equal(mp_ingest_path_event(g, base + 3, &pe), 0);
  memcpy(g + base, "\x08\x09", 2); /* seq again */
  assert_int_equal(mp_ingest_path_event(g, base + 2, &pe), 0);
  size_t w = hook_event(g + base, sizeof g - base, MP_WIRE_FILE_WRITTEN, 5, "/data/z");
  assert_int_equal(mp_ingest_path_event(g, base + w, &pe), 0);
  n = hook_event(f, sizeof f, MP_WIRE_FILE_READ, 1, "/data/nul?x");
  uint8_t *q = memchr(f, '?', n);
  *q = '\0';
  assert_int_equal(mp_ingest_path_event(f, n, &pe), 0);
  /* the same event encoded another way than protobuf-c's: the journal keeps
   * only canonical bytes, so protobuf-c's path re-encodes these */
  static const uint8_t reordered[] = {0x52, 0x04, 0x0a, 0x02, '/', 'a', 0x08, 0x05};
  static const uint8_t long_seq[] = {0x08, 0x85, 0x00, 0x52, 0x04, 0x0a, 0x02, '/', 'a'};
  static const uint8_t zero_seq[] = {0x08, 0x00, 0x52, 0x04, 0x0a, 0x02, '/', 'a'};
  static const uint8_t zero_nanos[] = {0x08, 0x05, 0x12, 0x04, 0x08, 0x01, 0x10, 0x00, 0x52, 0x04, 0x0a, 0x02, '/', 'a'};
  static const uint8_t wide_nanos[] = {0x08, 0x05, 0x12, 0x06, 0x10, 0x81, 0x80, 0x80, 0x80, 0x10,
                                       0x52, 0x04, 0x0a, 0x02, '/', 'a'};
  static const uint8_t nanos_first[] = {0x12, 0x04, 0x10, 0x01, 0x08, 0x01, 0x52, 0x04, 0x0a, 0x02, '/', 'a'};
  const struct { const uint8_t *b; size_t n; } other[] = {
      {reordered, sizeof reordered}, {long_seq, sizeof long_seq},     {zero_seq, sizeof zero_seq},
      {zero_nanos, sizeof zero_nanos}, {wide_nanos, sizeof wide_nanos}, {nanos_first, sizeof nanos_first}};
  for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
    assert_int_equal(mp_ingest_path_event(other[i].b, other[i].n, &pe), 0);
    mp_ingest in;
    mp_err e;
    assert_int_equal(mp_ingest_event(other[i].b, other[i].n, &in, &e), 0);
    assert_int_equal(in.flags, 0);
    assert_non_null(in.owned);
    assert_int_equal(mp_ingest_path_event(in.bytes, in.len, &pe), 1); /* its canonical form is taken */
    mp_ingest_clear(&in);
  }
}

/* Every byte to every value, every cut, random insertions: whatever is
 * taken agrees with protobuf-c. */
static void mutations_agree(void **state) {
  (void)state;
  uint8_t f[512], g[600];
  static const char *const paths[] = {"/data/train/f-12", "/p"};
  unsigned seed = 42;
  size_t taken = 0;
  for (size_t p = 0; p < 2; p++)
    for (int kind = 0; kind < 2; kind++) {
      size_t n = hook_event(f, sizeof f, kind ? MP_WIRE_FILE_WRITTEN : MP_WIRE_FILE_READ, 300, paths[p]);
      for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 256; v++) {
          memcpy(g, f, n);
          g[i] = (uint8_t)v;
          mp_ingest_path pe;
          taken += mp_ingest_path_event(g, n, &pe) == 1;
          check_agrees(g, n);
        }
      for (size_t cut = 0; cut <= n; cut++) check_agrees(f, cut);
      for (int r = 0; r < 20000; r++) {
        size_t at = (size_t)rand_r(&seed) % (n + 1), k = 1 + (size_t)rand_r(&seed) % 4;
        memcpy(g, f, at);
        for (size_t j = 0; j < k; j++) g[at + j] = (uint8_t)rand_r(&seed);
        memcpy(g + at + k, f + at, n - at);
        check_agrees(g, n + k);
      }
    }
  assert_true(taken > 100); /* the mutations did reach accepted frames */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hook_events_taken),
      cmocka_unit_test(others_left_to_protobuf_c),
      cmocka_unit_test(mutations_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
