/* frame.c — see frame.h. The buffer is compacted lazily: consumed bytes are
 * dropped when more than half the buffer is dead, so a stream of small frames
 * costs amortised O(1) per byte. */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

void mp_frame_header(uint32_t len, uint8_t hdr[MP_FRAME_HEADER]) {
  hdr[0] = (uint8_t)(len >> 24);
  hdr[1] = (uint8_t)(len >> 16);
  hdr[2] = (uint8_t)(len >> 8);
  hdr[3] = (uint8_t)len;
}

void mp_frame_reader_init(mp_frame_reader *r, size_t max_frame) {
  memset(r, 0, sizeof *r);
  r->max_frame = max_frame ? max_frame : MP_FRAME_MAX_DEFAULT;
}

void mp_frame_reader_free(mp_frame_reader *r) {
  free(r->buf);
  memset(r, 0, sizeof *r);
}

int mp_frame_reader_feed(mp_frame_reader *r, const uint8_t *data, size_t n) {
  if (r->start > 0 && (r->start >= r->len || r->start > r->cap / 2)) {
    memmove(r->buf, r->buf + r->start, r->len - r->start);
    r->len -= r->start;
    r->start = 0;
  }
  if (r->len + n > r->cap) {
    size_t ncap = r->cap ? r->cap : 4096;
    while (ncap < r->len + n) ncap *= 2;
    uint8_t *nb = realloc(r->buf, ncap);
    if (!nb) return MP_ENOMEM;
    r->buf = nb;
    r->cap = ncap;
  }
  memcpy(r->buf + r->len, data, n);
  r->len += n;
  return 0;
}

int mp_frame_reader_next(mp_frame_reader *r, const uint8_t **frame, size_t *len) {
  size_t avail = r->len - r->start;
  if (avail < MP_FRAME_HEADER) return 0;
  const uint8_t *p = r->buf + r->start;
  uint32_t n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  if (n > r->max_frame) {
    r->bad_len = n;
    return MP_ELIMIT;
  }
  if (avail - MP_FRAME_HEADER < n) return 0;
  *frame = p + MP_FRAME_HEADER;
  *len = n;
  r->start += MP_FRAME_HEADER + n;
  return 1;
}

size_t mp_frame_reader_pending(const mp_frame_reader *r) { return r->len - r->start; }
