/* frame.h — length-prefixed frames on a byte stream (hook <-> agent).
 *
 * A frame is a 4-byte unsigned big-endian length N followed by N bytes.
 * The reader is incremental: feed it whatever arrived, take whole frames out.
 * A header announcing more than max_frame bytes is an error as soon as the
 * header is seen, before any of the body is buffered. This file is linked into
 * libmlprov-hook, so it depends on nothing but libc.
 */
#ifndef MP_FRAME_H
#define MP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define MP_FRAME_HEADER 4
#define MP_FRAME_MAX_DEFAULT (1u << 20)

typedef struct mp_frame_reader {
  uint8_t *buf;      /* buffered bytes [start, len) */
  size_t start, len, cap;
  size_t max_frame;  /* largest accepted frame body */
  uint32_t bad_len;  /* the announced length when an oversize header was seen */
  const uint8_t *lent; /* the caller's bytes [lent_pos, lent_len), read in place (mp_frame_reader_lend) */
  size_t lent_pos, lent_len;
} mp_frame_reader;

void mp_frame_header(uint32_t len, uint8_t hdr[MP_FRAME_HEADER]);

void mp_frame_reader_init(mp_frame_reader *r, size_t max_frame);
void mp_frame_reader_free(mp_frame_reader *r);
/* Appends n bytes; 0, or MP_ENOMEM. */
int mp_frame_reader_feed(mp_frame_reader *r, const uint8_t *data, size_t n);
/* Like feed, without copying: whole frames in data are returned from data
 * itself (only what completes a frame already begun is copied). data must
 * stay valid, and no other feed or lend happen, until mp_frame_reader_settle,
 * which copies a partial frame left at the end of data; 0, or MP_ENOMEM
 * (nothing of data consumed). For a reader of big reads, such as the agent's:
 * frames are handled where the read put them. */
int mp_frame_reader_lend(mp_frame_reader *r, const uint8_t *data, size_t n);
int mp_frame_reader_settle(mp_frame_reader *r);
/* 1 and a frame (valid until the next call) when one is complete, 0 when more
 * bytes are needed, MP_ELIMIT when the next frame is larger than max_frame. */
int mp_frame_reader_next(mp_frame_reader *r, const uint8_t **frame, size_t *len);
/* Bytes buffered that do not form a whole frame (a torn tail at EOF). */
size_t mp_frame_reader_pending(const mp_frame_reader *r);

#endif
