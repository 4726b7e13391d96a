/* test_frame.c — the incremental frame reader: byte-at-a-time delivery, many
 * frames in one read, the size limit checked on the header alone. */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frames_split_anywhere),
      cmocka_unit_test(oversize_header_rejected_before_body),
      cmocka_unit_test(torn_tail_is_pending),
      cmocka_unit_test(many_frames_compact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
