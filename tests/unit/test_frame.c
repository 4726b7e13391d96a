/* test_frame.c — the incremental frame reader: byte-at-a-time delivery, many
 * frames in one read, the size limit checked on the header alone, and reads
 * lent in place (lend/settle) split anywhere. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame.h"
#include "unit.h"

static void frames_split_anywhere(void **state) {
  (void)state;
  uint8_t stream[64];
  size_t n = 0;
  const char *bodies[] = {"alpha", "", "gamma-delta"};
  for (int i = 0; i < 3; i++) {
    mp_frame_header((uint32_t)strlen(bodies[i]), stream + n);
    n += 4;
    memcpy(stream + n, bodies[i], strlen(bodies[i]));
    n += strlen(bodies[i]);
  }
  mp_frame_reader r;
  mp_frame_reader_init(&r, 1024);
  int got = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(mp_frame_reader_feed(&r, stream + i, 1), 0);
    const uint8_t *f;
    size_t len;
    int rc;
    while ((rc = mp_frame_reader_next(&r, &f, &len)) == 1) {
      assert_int_equal(len, strlen(bodies[got]));
      assert_memory_equal(f, bodies[got], len);
      got++;
    }
    assert_int_equal(rc, 0);
  }
  assert_int_equal(got, 3);
  assert_int_equal(mp_frame_reader_pending(&r), 0);
  mp_frame_reader_free(&r);
}

static void oversize_header_rejected_before_body(void **state) {
  (void)state;
  mp_frame_reader r;
  mp_frame_reader_init(&r, 100);
  uint8_t h[4];
  mp_frame_header(101, h);
  assert_int_equal(mp_frame_reader_feed(&r, h, 4), 0);
  const uint8_t *f;
  size_t len;
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), MP_ELIMIT);
  assert_int_equal(r.bad_len, 101);
  mp_frame_reader_free(&r);
}

static void torn_tail_is_pending(void **state) {
  (void)state;
  mp_frame_reader r;
  mp_frame_reader_init(&r, 100);
  uint8_t h[4];
  mp_frame_header(10, h);
  mp_frame_reader_feed(&r, h, 4);
  mp_frame_reader_feed(&r, (const uint8_t *)"abc", 3);
  const uint8_t *f;
  size_t len;
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), 0);
  assert_int_equal(mp_frame_reader_pending(&r), 7);
  mp_frame_reader_free(&r);
}

static void many_frames_compact(void **state) {
  (void)state;
  mp_frame_reader r;
  mp_frame_reader_init(&r, 100);
  uint8_t fr[4 + 8];
  mp_frame_header(8, fr);
  memcpy(fr + 4, "12345678", 8);
  for (int round = 0; round < 10000; round++) {
    assert_int_equal(mp_frame_reader_feed(&r, fr, sizeof fr), 0);
    const uint8_t *f;
    size_t len;
    assert_int_equal(mp_frame_reader_next(&r, &f, &len), 1);
    assert_int_equal(len, 8);
  }
  assert_true(r.cap <= 4096); /* the buffer does not grow with the stream */
  mp_frame_reader_free(&r);
}

/* Reads stream in pieces of the given sizes through lend/settle; returns the
 * frames found, checked against the bodies in order. */
static int lend_pieces(const uint8_t *stream, size_t n, const size_t *sizes, size_t nsizes, const char *const *bodies,
                       int nbodies) {
  mp_frame_reader r;
  mp_frame_reader_init(&r, 1024);
  int got = 0;
  size_t off = 0;
  for (size_t k = 0; k < nsizes && off < n; k++) {
    size_t piece = sizes[k] < n - off ? sizes[k] : n - off;
    /* a copy that is wiped after settle: frames must not point into it later */
    uint8_t *copy = malloc(piece ? piece : 1);
    memcpy(copy, stream + off, piece);
    assert_int_equal(mp_frame_reader_lend(&r, copy, piece), 0);
    const uint8_t *f;
    size_t len;
    int rc;
    while ((rc = mp_frame_reader_next(&r, &f, &len)) == 1) {
      assert_true(got < nbodies);
      assert_int_equal(len, strlen(bodies[got]));
      assert_memory_equal(f, bodies[got], len);
      got++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(mp_frame_reader_settle(&r), 0);
    memset(copy, 0xAA, piece);
    free(copy);
    off += piece;
  }
  assert_int_equal(mp_frame_reader_pending(&r), 0);
  mp_frame_reader_free(&r);
  return got;
}

/* lend/settle give the frames feed gives, wherever the reads split them:
 * every split into two reads, and reads of every fixed size. */
static void lent_reads_split_anywhere(void **state) {
  (void)state;
  uint8_t stream[256];
  size_t n = 0;
  const char *bodies[] = {"alpha", "", "gamma-delta", "x", "a longer body of several words"};
  int nb = 5;
  for (int i = 0; i < nb; i++) {
    mp_frame_header((uint32_t)strlen(bodies[i]), stream + n);
    n += 4;
    memcpy(stream + n, bodies[i], strlen(bodies[i]));
    n += strlen(bodies[i]);
  }
  for (size_t cut = 0; cut <= n; cut++) {
    size_t sizes[2] = {cut, n - cut};
    assert_int_equal(lend_pieces(stream, n, sizes, 2, bodies, nb), nb);
  }
  for (size_t piece = 1; piece <= n; piece++) {
    size_t sizes[256];
    for (size_t k = 0; k < 256; k++) sizes[k] = piece;
    assert_int_equal(lend_pieces(stream, n, sizes, 256, bodies, nb), nb);
  }
}

/* A torn tail of lent data is kept (copied) and counted as pending; an
 * oversize header is refused whether it was lent or buffered. */
static void lent_tail_and_limit(void **state) {
  (void)state;
  mp_frame_reader r;
  mp_frame_reader_init(&r, 100);
  uint8_t b[4 + 3 + 4];
  mp_frame_header(3, b);
  memcpy(b + 4, "abc", 3);
  mp_frame_header(10, b + 7);
  assert_int_equal(mp_frame_reader_lend(&r, b, 9), 0); /* a frame and half a header */
  const uint8_t *f;
  size_t len;
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), 1);
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), 0);
  assert_int_equal(mp_frame_reader_pending(&r), 2);
  assert_int_equal(mp_frame_reader_settle(&r), 0);
  assert_int_equal(mp_frame_reader_pending(&r), 2);
  assert_int_equal(mp_frame_reader_lend(&r, b + 9, 2), 0); /* the header's end */
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), 0);
  assert_int_equal(mp_frame_reader_settle(&r), 0);
  assert_int_equal(mp_frame_reader_pending(&r), 4);
  mp_frame_reader_free(&r);
  mp_frame_reader_init(&r, 100);
  mp_frame_header(101, b);
  assert_int_equal(mp_frame_reader_lend(&r, b, 4), 0);
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), MP_ELIMIT);
  assert_int_equal(r.bad_len, 101);
  mp_frame_reader_free(&r);
  mp_frame_reader_init(&r, 100);
  assert_int_equal(mp_frame_reader_lend(&r, b, 2), 0);
  assert_int_equal(mp_frame_reader_settle(&r), 0);
  assert_int_equal(mp_frame_reader_lend(&r, b + 2, 2), 0);
  assert_int_equal(mp_frame_reader_next(&r, &f, &len), MP_ELIMIT);
  mp_frame_reader_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frames_split_anywhere),
      cmocka_unit_test(oversize_header_rejected_before_body),
      cmocka_unit_test(torn_tail_is_pending),
      cmocka_unit_test(many_frames_compact),
      cmocka_unit_test(lent_reads_split_anywhere),
      cmocka_unit_test(lent_tail_and_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
