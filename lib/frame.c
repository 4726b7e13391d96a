/* frame.c — see frame.h. The buffer is compacted lazily: consumed bytes are
 * dropped when more than half the buffer is dead, so a stream of small frames
 * costs amortised O(1) per byte. Lent bytes are read where they are: only a
 * frame split across two reads is copied. */
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

static uint32_t get_len(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int mp_frame_reader_lend(mp_frame_reader *r, const uint8_t *data, size_t n) {
  size_t take = 0, own = r->len - r->start;
  if (own) {
    /* complete the frame begun in the buffer, header then body; when the
     * buffer holds a whole frame or an oversize header already, everything
     * is copied, as feed does */
    uint8_t h[MP_FRAME_HEADER];
    size_t hn = own < MP_FRAME_HEADER ? own : MP_FRAME_HEADER;
    memcpy(h, r->buf + r->start, hn);
    take = MP_FRAME_HEADER - hn < n ? MP_FRAME_HEADER - hn : n;
    memcpy(h + hn, data, take);
    if (hn + take == MP_FRAME_HEADER) {
      uint32_t flen = get_len(h);
      size_t whole = MP_FRAME_HEADER + (size_t)flen;
      take = flen > r->max_frame || own >= whole || whole - own > n ? n : whole - own;
    }
    if (take && mp_frame_reader_feed(r, data, take) != 0) return MP_ENOMEM;
  }
  r->lent = data + take;
  r->lent_pos = 0;
  r->lent_len = n - take;
  return 0;
}

int mp_frame_reader_settle(mp_frame_reader *r) {
  if (!r->lent) return 0;
  const uint8_t *rest = r->lent + r->lent_pos;
  size_t n = r->lent_len - r->lent_pos;
  r->lent = NULL;
  r->lent_pos = r->lent_len = 0;
  return n ? mp_frame_reader_feed(r, rest, n) : 0;
}

int mp_frame_reader_next(mp_frame_reader *r, const uint8_t **frame, size_t *len) {
  /* the buffer's bytes come before the lent ones; while it holds a frame not
   * yet complete, lend left nothing lent */
  int own = r->len > r->start || !r->lent;
  const uint8_t *base = own ? r->buf : r->lent;
  size_t *pos = own ? &r->start : &r->lent_pos;
  size_t avail = (own ? r->len : r->lent_len) - *pos;
  if (avail < MP_FRAME_HEADER) return 0;
  const uint8_t *p = base + *pos;
  uint32_t n = get_len(p);
  if (n > r->max_frame) {
    r->bad_len = n;
    return MP_ELIMIT;
  }
  if (avail - MP_FRAME_HEADER < n) return 0;
  *frame = p + MP_FRAME_HEADER;
  *len = n;
  *pos += MP_FRAME_HEADER + n;
  return 1;
}

size_t mp_frame_reader_pending(const mp_frame_reader *r) {
  return r->len - r->start + (r->lent ? r->lent_len - r->lent_pos : 0);
}
