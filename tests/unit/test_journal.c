/* test_journal.c — the journal format: known answers (CRC-32C, the chain
 * recomputed from the documented layout), a round trip, every truncation
 * point (a torn tail is dropped, never misread), every single-byte flip
 * (named at the right frame), structure rules, version 1 still read, EVENTS
 * bodies split, and a write that fails part-way (file size limit) leaving a
 * verifiable journal. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "journal.h"
#include "unit.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  return unit_tmpdir_make(dir, sizeof dir, "tj");
}

static int teardown(void **state) {
  (void)state;
  return unit_tmpdir_remove(dir);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* A small journal: start, accept, hello, 5 events, incident, end. Fills the
 * frame start offsets (nframes + 1 entries, the last = file size). */
static void make_journal(const char *path, size_t *offsets, size_t *nframes, uint8_t chain[32]) {
  mp_journal *j = NULL;
  mp_err e;
  unlink(path);
  assert_int_equal(mp_journal_create(path, &j, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_START, 0, 0, "{\"v\":1}", 7, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_ACCEPT, 0, 1, "{\"pid\":1}", 9, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_HELLO, 0, 1, "\x08\x01", 2, &e), 0);
  for (int i = 0; i < 5; i++) {
    char body[32];
    int n = snprintf(body, sizeof body, "event-%d", i);
    assert_int_equal(mp_journal_append(j, MP_JOURNAL_EVENT, i == 2 ? MP_JOURNAL_F_REDACTED : 0, 1, body, (size_t)n, &e), 0);
  }
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_INCIDENT, 0, 2, "", 0, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_END, 0, 0, "{}", 2, &e), 0);
  assert_int_equal(mp_journal_sync(j, &e), 0);
  mp_journal_state st;
  mp_journal_get_state(j, &st);
  assert_int_equal(st.frames, 10);
  assert_int_equal(st.appended, 10);
  assert_int_equal(st.synced_bytes, st.bytes);
  assert_false(st.failed);
  memcpy(chain, st.chain, 32);
  mp_journal_free(j);
  size_t len;
  uint8_t *b = slurp(path, &len);
  assert_int_equal(len, st.bytes);
  size_t off = MP_JOURNAL_FILE_HEADER, k = 0;
  while (off < len) {
    offsets[k++] = off;
    uint32_t blen = (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 | (uint32_t)b[off + 2] << 8 | b[off + 3];
    off += MP_JOURNAL_FRAME_HEADER + blen + MP_JOURNAL_TRAILER;
  }
  offsets[k] = off;
  *nframes = k;
  free(b);
}

/* make_journal at DIR/name, read back into memory. */
static uint8_t *fixture(const char *name, size_t *offs, size_t *n, uint8_t final[32], size_t *len) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  make_journal(path, offs, n, final);
  return slurp(path, len);
}

/* Reads every frame of an in-memory journal; the last mp_journal_next result
 * (0 or an error, e filled). *frames (may be NULL) counts the good ones. */
static int drain(const uint8_t *b, size_t len, mp_err *e, size_t *frames, uint64_t *torn) {
  mp_journal_reader *r = NULL;
  int rc = mp_journal_reader_mem(b, len, &r, e);
  assert_int_equal(rc, 0);
  mp_journal_frame f;
  size_t got = 0;
  while ((rc = mp_journal_next(r, &f, e)) == 1) got++;
  if (frames) *frames = got;
  if (torn) *torn = mp_journal_torn_bytes(r);
  mp_journal_reader_free(r);
  return rc;
}

static void crc32c_known_answer(void **state) {
  (void)state;
  assert_int_equal(mp_crc32c("123456789", 9), 0xE3069283u); /* RFC 3720 B.4 check value */
  assert_int_equal(mp_crc32c("", 0), 0);
}

/* The chain recomputed here from the layout in journal.h, not from journal.c. */
static void chain_matches_documented_layout(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("doc.journal", offs, &n, final, &len);
  assert_memory_equal(b, "MLPROVJ\n\0\0\0\2\0\0\0\0", 16);
  uint8_t h[32];
  mp_sha256(b, 16, h);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *f = b + offs[i];
    size_t blen = offs[i + 1] - offs[i] - 24 - 32;
    uint32_t crc = (uint32_t)f[20] << 24 | (uint32_t)f[21] << 16 | (uint32_t)f[22] << 8 | f[23];
    assert_int_equal(crc, mp_crc32c(f, 20));
    uint8_t pre[56];
    memcpy(pre, h, 32);
    memcpy(pre + 32, f, 24);
    mp_sha256_2(pre, sizeof pre, f + 24, blen, h);
    assert_memory_equal(h, f + 24 + blen, 32);
  }
  assert_memory_equal(h, final, 32);
  free(b);
}

static void round_trip(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/rt.journal", dir);
  size_t offs[16], n;
  uint8_t final[32];
  make_journal(path, offs, &n, final);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  mp_journal_reader *r = NULL;
  mp_err e;
  assert_int_equal(mp_journal_reader_open(path, &r, &e), 0);
  mp_journal_frame f;
  static const unsigned types[] = {MP_JOURNAL_START, MP_JOURNAL_ACCEPT, MP_JOURNAL_HELLO, MP_JOURNAL_EVENT,
                                   MP_JOURNAL_EVENT, MP_JOURNAL_EVENT, MP_JOURNAL_EVENT, MP_JOURNAL_EVENT,
                                   MP_JOURNAL_INCIDENT, MP_JOURNAL_END};
  for (unsigned i = 0; i < 10; i++) {
    assert_int_equal(mp_journal_next(r, &f, &e), 1);
    assert_int_equal(f.index, i + 1);
    assert_int_equal(f.offset, offs[i]);
    assert_int_equal(f.type, types[i]);
    if (i == 5) {
      assert_int_equal(f.flags, MP_JOURNAL_F_REDACTED);
      assert_int_equal(f.len, 7);
      assert_memory_equal(f.body, "event-2", 7);
    }
    assert_true(f.time_ns > 1600000000ull * 1000000000ull);
  }
  assert_int_equal(mp_journal_next(r, &f, &e), 0);
  assert_int_equal(mp_journal_next(r, &f, &e), 0);
  assert_int_equal(mp_journal_torn_bytes(r), 0);
  assert_true(mp_journal_ended(r));
  assert_memory_equal(mp_journal_chain(r), final, 32);
  mp_journal_reader_free(r);
  /* never over an existing file */
  mp_journal *j = NULL;
  assert_int_equal(mp_journal_create(path, &j, &e), MP_EEXISTS);
  assert_non_null(strstr(e.msg, path));
}

/* Cut the file at every length: a prefix of whole frames is returned, the
 * rest is reported as a torn tail, nothing is misread. */
static void every_truncation_is_a_torn_tail(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("cut.journal", offs, &n, final, &len);
  for (size_t cut = MP_JOURNAL_FILE_HEADER; cut <= len; cut++) {
    mp_err e;
    size_t got;
    uint64_t torn;
    if (drain(b, cut, &e, &got, &torn) != 0) fail_msg("cut at %zu: %s", cut, e.msg);
    size_t whole = 0;
    while (whole < n && offs[whole + 1] <= cut) whole++;
    assert_int_equal(got, whole);
    assert_int_equal(torn, cut - offs[whole]);
  }
  /* a cut inside the file header is not a journal at all */
  mp_journal_reader *r = NULL;
  mp_err e;
  assert_int_not_equal(mp_journal_reader_mem(b, 12, &r, &e), 0);
  free(b);
}

/* Flip each byte in turn: the reader fails and names the frame that holds it. */
static void every_flipped_byte_names_its_frame(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("flip.journal", offs, &n, final, &len);
  for (size_t pos = 0; pos < len; pos++) {
    b[pos] ^= 0x20;
    mp_journal_reader *r = NULL;
    mp_err e;
    mp_err_clear(&e);
    if (pos < MP_JOURNAL_FILE_HEADER) {
      if (mp_journal_reader_mem(b, len, &r, &e) == 0) fail_msg("flip at %zu in the file header was accepted", pos);
    } else {
      int rc = drain(b, len, &e, NULL, NULL);
      if (rc != MP_EVERIFY) fail_msg("flip at %zu: rc %d (%s)", pos, rc, e.msg);
      size_t k = 0;
      while (offs[k + 1] <= pos) k++;
      char want[64];
      snprintf(want, sizeof want, "frame %zu (offset %zu)", k + 1, offs[k]);
      if (!strstr(e.msg, want)) fail_msg("flip at %zu: '%s' does not name %s", pos, e.msg, want);
    }
    b[pos] ^= 0x20;
  }
  free(b);
}

static void zero_tail_is_torn(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("zero.journal", offs, &n, final, &len);
  uint8_t *z = calloc(1, len + 5000);
  memcpy(z, b, len);
  mp_err e;
  size_t got;
  uint64_t torn;
  assert_int_equal(drain(z, len + 5000, &e, &got, &torn), 0);
  assert_int_equal(got, n);
  assert_int_equal(torn, 5000);
  /* zeros then something else is damage, not a tail */
  z[len + 4000] = 1;
  assert_int_equal(drain(z, len + 5000, &e, NULL, NULL), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "frame 11 "));
  free(z);
  free(b);
}

static void removed_or_moved_frames_break_the_chain(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("cut2.journal", offs, &n, final, &len);
  /* drop frame 5 */
  uint8_t *c = malloc(len);
  size_t k = offs[4];
  memcpy(c, b, k);
  memcpy(c + k, b + offs[5], len - offs[5]);
  size_t clen = len - (offs[5] - offs[4]);
  mp_err e;
  assert_int_equal(drain(c, clen, &e, NULL, NULL), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "frame 5 "));
  assert_non_null(strstr(e.msg, "chain hash mismatch"));
  /* a journal cut right after its start frame and given a copy of the end
   * frame: the chain breaks at the pasted frame */
  size_t endlen = offs[10] - offs[9];
  memcpy(c, b, offs[1]);
  memcpy(c + offs[1], b + offs[9], endlen);
  assert_int_equal(drain(c, offs[1] + endlen, &e, NULL, NULL), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "frame 2 "));
  free(c);
  free(b);
}

static void structure_rules(void **state) {
  (void)state;
  char path[128];
  mp_err e;
  mp_journal *j = NULL;
  mp_journal_reader *r = NULL;
  mp_journal_frame f;
  int rc;
  /* first frame not a start record */
  snprintf(path, sizeof path, "%s/nostart.journal", dir);
  assert_int_equal(mp_journal_create(path, &j, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_EVENT, 0, 1, "x", 1, &e), 0);
  assert_int_equal(mp_journal_sync(j, &e), 0);
  mp_journal_free(j);
  assert_int_equal(mp_journal_reader_open(path, &r, &e), 0);
  assert_int_equal(mp_journal_next(r, &f, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "frame 1 "));
  assert_non_null(strstr(e.msg, "not a start record"));
  /* sticky */
  assert_int_equal(mp_journal_next(r, &f, &e), MP_EVERIFY);
  mp_journal_reader_free(r);
  /* a frame after the end record */
  snprintf(path, sizeof path, "%s/afterend.journal", dir);
  assert_int_equal(mp_journal_create(path, &j, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_START, 0, 0, "{}", 2, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_END, 0, 0, "{}", 2, &e), 0);
  assert_int_equal(mp_journal_append(j, MP_JOURNAL_EVENT, 0, 1, "x", 1, &e), 0);
  assert_int_equal(mp_journal_sync(j, &e), 0);
  mp_journal_free(j);
  assert_int_equal(mp_journal_reader_open(path, &r, &e), 0);
  while ((rc = mp_journal_next(r, &f, &e)) == 1) {
  }
  assert_int_equal(rc, MP_EVERIFY);
  assert_non_null(strstr(e.msg, "frame 3 "));
  assert_non_null(strstr(e.msg, "follows the end record"));
  mp_journal_reader_free(r);
  /* not a journal; missing file */
  snprintf(path, sizeof path, "%s/other", dir);
  FILE *fp = fopen(path, "w");
  fputs("hello, this is not a journal", fp);
  fclose(fp);
  assert_int_equal(mp_journal_reader_open(path, &r, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "not an mlprov journal"));
  snprintf(path, sizeof path, "%s/missing", dir);
  assert_int_equal(mp_journal_reader_open(path, &r, &e), MP_ENOTFOUND);
  /* a newer format version is unsupported, not damage; version 0 is damage */
  uint8_t hdr[16] = "MLPROVJ\n\0\0\0\3\0\0\0\0";
  assert_int_equal(mp_journal_reader_mem(hdr, sizeof hdr, &r, &e), MP_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "version 3"));
  hdr[11] = 0;
  assert_int_equal(mp_journal_reader_mem(hdr, sizeof hdr, &r, &e), MP_EVERIFY);
}

/* Version 1 (before EVENTS frames) is still read: the fixture rewritten as
 * version 1, its chain recomputed from the documented layout. */
static void version_1_is_read(void **state) {
  (void)state;
  size_t offs[16], n, len;
  uint8_t final[32];
  uint8_t *b = fixture("v1.journal", offs, &n, final, &len);
  b[11] = 1;
  uint8_t h[32];
  mp_sha256(b, 16, h);
  for (size_t i = 0; i < n; i++) {
    uint8_t *f = b + offs[i];
    size_t blen = offs[i + 1] - offs[i] - 24 - 32;
    uint8_t pre[56];
    memcpy(pre, h, 32);
    memcpy(pre + 32, f, 24);
    mp_sha256_2(pre, sizeof pre, f + 24, blen, h);
    memcpy(f + 24 + blen, h, 32);
  }
  mp_err e;
  size_t got;
  uint64_t torn;
  assert_int_equal(drain(b, len, &e, &got, &torn), 0);
  assert_int_equal(got, n);
  assert_int_equal(torn, 0);
  /* and the chain is the version's: the version 2 trailers do not check */
  b[11] = 2;
  assert_int_equal(drain(b, len, &e, &got, &torn), MP_EVERIFY);
  assert_int_equal(got, 0);
  free(b);
}

/* An EVENTS body splits into its hook frames; a length that runs past the
 * body is an error, never a read past it. */
static void events_bodies_split(void **state) {
  (void)state;
  static const uint8_t body[] = {0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 3, 'x', 'y', 'z'};
  size_t off = 0, n;
  const uint8_t *ev;
  assert_int_equal(mp_journal_events_next(body, sizeof body, &off, &ev, &n), 1);
  assert_int_equal(n, 2);
  assert_memory_equal(ev, "ab", 2);
  assert_int_equal(mp_journal_events_next(body, sizeof body, &off, &ev, &n), 1);
  assert_int_equal(n, 0);
  assert_int_equal(mp_journal_events_next(body, sizeof body, &off, &ev, &n), 1);
  assert_int_equal(n, 3);
  assert_memory_equal(ev, "xyz", 3);
  assert_int_equal(mp_journal_events_next(body, sizeof body, &off, &ev, &n), 0);
  assert_int_equal(mp_journal_events_next(body, 0, &(size_t){0}, &ev, &n), 0);
  /* every cut inside the last frame, and a short header */
  for (size_t cut = 11; cut < sizeof body; cut++) {
    off = 0;
    int rc;
    size_t k = 0;
    while ((rc = mp_journal_events_next(body, cut, &off, &ev, &n)) == 1) {
      assert_true(ev + n <= body + cut);
      k++;
    }
    assert_int_equal(k, 2);
    assert_int_equal(rc, MP_EPARSE);
  }
  off = 0;
  assert_int_equal(mp_journal_events_next(body, 3, &off, &ev, &n), MP_EPARSE);
  /* a length near 2^32 */
  static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1};
  off = 0;
  assert_int_equal(mp_journal_events_next(huge, sizeof huge, &off, &ev, &n), MP_EPARSE);
}

/* A write that fails part-way: run in a child under a file size limit. */
static void failed_write_keeps_a_verifiable_prefix(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/full.journal", dir);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 5000, .rlim_max = 5000};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(10);
    mp_journal *j = NULL;
    mp_err e;
    if (mp_journal_create(path, &j, &e)) _exit(11);
    char body[300];
    memset(body, 'x', sizeof body);
    if (mp_journal_append(j, MP_JOURNAL_START, 0, 0, "{}", 2, &e)) _exit(12);
    int failed_at = -1;
    for (int i = 0; i < 40 && failed_at < 0; i++) {
      if (mp_journal_append(j, MP_JOURNAL_EVENT, 0, 1, body, sizeof body, &e)) _exit(13);
      /* several frames per write so the failure lands inside a batch */
      if (i % 3 == 2 && mp_journal_write(j, &e) != 0) failed_at = i;
    }
    if (failed_at < 0) _exit(14);
    if (!strstr(e.msg, "File too large")) _exit(15);
    mp_journal_state st;
    mp_journal_get_state(j, &st);
    if (!st.failed || st.frames == 0 || st.frames >= st.appended) _exit(16);
    if (mp_journal_append(j, MP_JOURNAL_EVENT, 0, 1, "y", 1, &e) != MP_EIO) _exit(17);
    struct stat sb;
    if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != st.bytes) _exit(18);
    mp_journal_free(j);
    mp_journal_reader *r = NULL;
    if (mp_journal_reader_open(path, &r, &e)) _exit(19);
    mp_journal_frame f;
    int rc;
    while ((rc = mp_journal_next(r, &f, &e)) == 1) {
    }
    if (rc != 0 || mp_journal_frames(r) != st.frames || mp_journal_torn_bytes(r) != 0) _exit(20);
    if (memcmp(mp_journal_chain(r), st.chain, 32) != 0) _exit(21);
    mp_journal_reader_free(r);
    _exit(0);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(crc32c_known_answer),
      cmocka_unit_test(chain_matches_documented_layout),
      cmocka_unit_test(round_trip),
      cmocka_unit_test(every_truncation_is_a_torn_tail),
      cmocka_unit_test(every_flipped_byte_names_its_frame),
      cmocka_unit_test(zero_tail_is_torn),
      cmocka_unit_test(removed_or_moved_frames_break_the_chain),
      cmocka_unit_test(structure_rules),
      cmocka_unit_test(version_1_is_read),
      cmocka_unit_test(events_bodies_split),
      cmocka_unit_test(failed_write_keeps_a_verifiable_prefix),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
