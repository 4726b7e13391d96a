/* test_ingest_path.c — the agent's protobuf-free reading of path events
 * (mp_ingest_path_event, mp_ingest_batch_event) against mp_ingest_event,
 * the protobuf-c path it short-cuts: what the hooks write is taken, with the same
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
#include "filebatch.h"
#include "ingest.h"
#include "redact.h"
#include "unit.h"
#include "unit_event.h"
#include "wire.h"

typedef Mlprov__Event__V1__Event Event;

static const struct timespec when = {1700000000, 123456789};

/* A path event as a hook sends it (the byte-for-byte encoding protobuf-c
 * gives, which the C hook and `mlprov event file` send). */
static size_t hook_event(uint8_t *out, size_t cap, int kind, uint64_t seq, const char *path) {
  Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  t.seconds = when.tv_sec;
  t.nanos = (int32_t)when.tv_nsec;
  Event ev;
  Mlprov__Event__V1__FileRead fr;
  Mlprov__Event__V1__FileWritten fw;
  ut_path_event(&ev, &fr, &fw, kind == MP_WIRE_FILE_WRITTEN, path);
  ev.seq = seq;
  ev.time = &t;
  size_t n = mlprov__event__v1__event__get_packed_size(&ev);
  assert_true(n <= cap);
  return mlprov__event__v1__event__pack(&ev, out);
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

/* --- FileBatch ------------------------------------------------------------ */

/* The hook's FileBatch frame for paths (written[i]: a write), without the
 * 4-byte frame header. */
static size_t hook_batch(uint8_t *out, size_t cap, uint64_t seq, const char *const *paths, const int *written,
                         size_t n) {
  static uint8_t buf[1 << 17];
  size_t at = MP_WIRE_BATCH_HEAD_MAX;
  const char *prev = "";
  for (size_t i = 0; i < n; i++) {
    size_t k = mp_wire_batch_entry(buf + at, sizeof buf - at, written ? written[i] : 0, prev, strlen(prev), paths[i],
                                   strlen(paths[i]), NULL);
    assert_true(k > 0);
    at += k;
    prev = paths[i];
  }
  size_t len = mp_wire_batch_frame(buf, at - MP_WIRE_BATCH_HEAD_MAX, seq, &when);
  assert_true(len > 4 && len - 4 <= cap);
  memcpy(out, buf + 4, len - 4);
  return len - 4;
}

/* Whatever the fast path takes as a batch, protobuf-c reads the same way,
 * and its paths decode. */
static void check_batch_agrees(const uint8_t *frame, size_t len) {
  static mp_filebatch_iter it, it2;
  mp_ingest_batch b;
  if (mp_ingest_batch_event(frame, len, &b, &it) != 1) return;
  mp_ingest in;
  mp_err e;
  mp_err_clear(&e);
  if (mp_ingest_event(frame, len, &in, &e) != 0) fail_msg("the fast path took a batch protobuf-c refuses: %s", e.msg);
  assert_int_equal(in.flags, 0);
  assert_ptr_equal(in.bytes, frame);
  assert_int_equal(in.len, len);
  assert_int_equal(in.ev->kind_case, MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH);
  assert_int_equal(in.ev->seq, b.seq);
  assert_int_equal(in.ev->file_batch->paths.len, b.len);
  assert_memory_equal(in.ev->file_batch->paths.data, b.paths, b.len);
  assert_true(no_unknown(&in.ev->base) && no_unknown(&in.ev->file_batch->base));
  mp_filebatch_begin(&it2, b.paths, b.len);
  size_t k = 0;
  while (mp_filebatch_next(&it2) == 1) {
    assert_int_equal(strlen(it2.path), it2.len);
    assert_false(mp_redact_value_changes(it2.path));
    k++;
  }
  assert_int_equal(k, b.count);
  mp_ingest_clear(&in);
}

static void batches_taken(void **state) {
  (void)state;
  static uint8_t f[1 << 17];
  static mp_filebatch_iter it;
  static char many[3000][32];
  const char *pp[3000];
  int wr[3000];
  for (int i = 0; i < 3000; i++) {
    snprintf(many[i], sizeof many[i], "/data/train/f-%d%s", i, i % 7 ? "" : ".tmp");
    pp[i] = many[i];
    wr[i] = i % 5 == 0;
  }
  /* a repeated path (nothing left to send), a prefix of the path before, no
   * shared prefix, non-ASCII, and batches whose paths need 1-, 2- and 3-byte
   * lengths */
  static const char *const odd[] = {"/a/bc", "/a/bc", "/a/b", "/x/ü/ñ.txt", "relative/but-taken"};
  const size_t sizes[] = {1, 2, 5, 40, 3000};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    const char *const *paths = sizes[s] == 5 ? odd : pp;
    size_t n = hook_batch(f, sizeof f, 1000 + s, paths, sizes[s] == 5 ? NULL : wr, sizes[s]);
    mp_ingest_batch b;
    assert_int_equal(mp_ingest_batch_event(f, n, &b, &it), 1);
    assert_int_equal(b.count, sizes[s]);
    assert_int_equal(b.seq, 1000 + s);
    mp_filebatch_begin(&it, b.paths, b.len);
    for (size_t i = 0; i < sizes[s]; i++) {
      assert_int_equal(mp_filebatch_next(&it), 1);
      assert_string_equal(it.path, paths[i]);
      assert_int_equal(it.written, sizes[s] == 5 ? 0 : wr[i]);
    }
    assert_int_equal(mp_filebatch_next(&it), 0);
    check_batch_agrees(f, n);
    mp_ingest_path pe;
    assert_int_equal(mp_ingest_path_event(f, n, &pe), 0); /* not a single path */
  }
}

/* A path the redactor would change sends the batch through protobuf-c's
 * route: that path is redacted whole (the secret spans the part shared
 * with the path before), the others are kept, and the re-encoded batch is
 * then one the fast path takes. */
static void batch_secrets_redacted(void **state) {
  (void)state;
  static uint8_t f[8192];
  static mp_filebatch_iter it;
  static const char *const paths[] = {"/tok/hf_abcdefghij", "/tok/hf_abcdefghijklmnopqrstuvwxyzABCDEF123456/x",
                                      "/tok/plain", "/u/https://me:hunter2@example.com/y"};
  size_t n = hook_batch(f, sizeof f, 9, paths, NULL, 4);
  mp_ingest_batch b;
  assert_int_equal(mp_ingest_batch_event(f, n, &b, &it), 0);
  mp_ingest in;
  mp_err e;
  assert_int_equal(mp_ingest_event(f, n, &in, &e), 0);
  assert_true(in.flags & 1);
  assert_non_null(in.owned);
  const char *want[] = {"/tok/hf_abcdefghij", "/tok/" MP_REDACTED "/x", "/tok/plain",
                        "/u/https://me:" MP_REDACTED "@example.com/y"};
  mp_filebatch_begin(&it, in.ev->file_batch->paths.data, in.ev->file_batch->paths.len);
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(mp_filebatch_next(&it), 1);
    assert_string_equal(it.path, want[i]);
  }
  assert_int_equal(mp_filebatch_next(&it), 0);
  /* ingesting the journaled bytes again changes nothing (a replay) */
  mp_ingest again;
  assert_int_equal(mp_ingest_event(in.bytes, in.len, &again, &e), 0);
  assert_int_equal(again.flags, 0);
  assert_ptr_equal(again.bytes, in.bytes);
  mp_ingest_clear(&again);
  mp_ingest_clear(&in);
  /* without the URL (still a match once redacted) the fast path takes it */
  n = hook_batch(f, sizeof f, 9, paths, NULL, 3);
  assert_int_equal(mp_ingest_event(f, n, &in, &e), 0);
  assert_true(in.flags & 1);
  assert_int_equal(mp_ingest_batch_event(in.bytes, in.len, &b, &it), 1);
  mp_ingest_clear(&in);
}

/* An Event holding a FileBatch of these paths (NULL: none), packed by
 * protobuf-c into out. */
static size_t pack_batch(uint8_t *out, uint64_t seq, const uint8_t *paths, size_t len) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__FileBatch fb = MLPROV__EVENT__V1__FILE_BATCH__INIT;
  ev.seq = seq;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH;
  ev.file_batch = &fb;
  fb.paths.data = (uint8_t *)paths;
  fb.paths.len = len;
  return pack(&ev, out);
}

/* Paths that are not a valid batch: refused by both routes. */
static void bad_batches_refused(void **state) {
  (void)state;
  static mp_filebatch_iter it;
  static char longp[4100];
  memset(longp, 'a', sizeof longp);
  static const struct { const char *b; size_t n; } bad[] = {
      {"\x02\x01" "a", 3},         /* the first path shares a byte with nothing */
      {"\x00\x01" "a" "\x04\x01" "b", 6}, /* shares 2 bytes with a 1-byte path */
      {"\x00\x05" "ab", 4},        /* runs past the end */
      {"\x00\x00", 2},          /* an empty path */
      {"\x00\x02" "a\0", 4},       /* a NUL */
      {"\x00\x81\x00" "a", 4},     /* a length not in its shortest form */
      {"\x00", 1},              /* cut after the first varint */
  };
  uint8_t f[8300];
  for (size_t i = 0; i <= sizeof bad / sizeof *bad; i++) {
    uint8_t lp[4200];
    size_t n;
    if (i < sizeof bad / sizeof *bad) {
      n = pack_batch(f, 3, (const uint8_t *)bad[i].b, bad[i].n);
    } else { /* a path of 4096 bytes */
      lp[0] = 0x00;
      lp[1] = 0x80;
      lp[2] = 0x20;
      memcpy(lp + 3, longp, 4096);
      n = pack_batch(f, 3, lp, 4099);
    }
    mp_ingest_batch b;
    assert_int_equal(mp_ingest_batch_event(f, n, &b, &it), 0);
    mp_ingest in;
    mp_err e;
    mp_err_clear(&e);
    if (mp_ingest_event(f, n, &in, &e) != MP_EPARSE) fail_msg("bad batch %zu was ingested", i);
  }
}

/* A FileBatch with no paths (protobuf-c leaves the empty bytes out, and
 * decodes them as NULL): protobuf-c's route ingests it and the record gets
 * no file from it. */
static void empty_batch_ingested(void **state) {
  (void)state;
  static mp_filebatch_iter it;
  uint8_t f[64];
  size_t n = pack_batch(f, 4, NULL, 0);
  mp_ingest_batch b;
  assert_int_equal(mp_ingest_batch_event(f, n, &b, &it), 0);
  mp_ingest in;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_ingest_event(f, n, &in, &e), 0);
  assert_null(in.ev->file_batch->paths.data);
  char *argv[] = {(char *)"job", NULL};
  mp_record *r = NULL;
  assert_int_equal(mp_record_new(argv, &r, &e), 0);
  assert_int_equal(mp_ingest_apply(r, &in, &e), 0);
  assert_int_equal(json_object_size(r->files_read) + json_object_size(r->files_written), 0);
  mp_record_free(r);
  mp_ingest_clear(&in);
}

/* Every byte of a batch to every value, every cut: whatever is taken agrees
 * with protobuf-c. */
static void batch_mutations_agree(void **state) {
  (void)state;
  uint8_t f[512], g[600];
  static const char *const paths[] = {"/data/f-1", "/data/f-2", "/data/g", "/x"};
  static const int wr[] = {0, 1, 0, 1};
  size_t n = hook_batch(f, sizeof f, 300, paths, wr, 4), taken = 0;
  static mp_filebatch_iter it;
  for (size_t i = 0; i < n; i++)
    for (int v = 0; v < 256; v++) {
      memcpy(g, f, n);
      g[i] = (uint8_t)v;
      mp_ingest_batch b;
      taken += mp_ingest_batch_event(g, n, &b, &it) == 1;
      check_batch_agrees(g, n);
    }
  for (size_t cut = 0; cut <= n; cut++) check_batch_agrees(f, cut);
  assert_true(taken > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hook_events_taken),
      cmocka_unit_test(others_left_to_protobuf_c),
      cmocka_unit_test(mutations_agree),
      cmocka_unit_test(batches_taken),
      cmocka_unit_test(batch_secrets_redacted),
      cmocka_unit_test(bad_batches_refused),
      cmocka_unit_test(empty_batch_ingested),
      cmocka_unit_test(batch_mutations_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
