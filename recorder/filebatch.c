/* filebatch.c — see filebatch.h. */
#include "filebatch.h"

#include <stdlib.h>
#include <string.h>

/* A varint in its shortest form, of at most 5 bytes (lengths stay far below
 * 2^32); -1 otherwise. */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned i = 0; i < 5 && *p < end; i++) {
    uint8_t b = *(*p)++;
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) return -1;
      *v = x;
      return 0;
    }
  }
  return -1;
}

void mp_filebatch_begin(mp_filebatch_iter *it, const uint8_t *paths, size_t n) {
  it->p = paths;
  it->end = paths ? paths + n : paths; /* protobuf-c gives NULL for no bytes */
  it->count = 0;
  it->written = 0;
  it->len = 0;
  it->path[0] = '\0';
}

int mp_filebatch_next(mp_filebatch_iter *it) {
  if (it->p == it->end) return 0;
  uint64_t head, rest;
  if (get_varint(&it->p, it->end, &head) != 0 || get_varint(&it->p, it->end, &rest) != 0) return -1;
  uint64_t shared = head >> 1;
  if (shared > it->len || rest > (uint64_t)(it->end - it->p) || shared + rest == 0 ||
      shared + rest > MP_FILEBATCH_PATH_MAX || memchr(it->p, 0, (size_t)rest))
    return -1;
  memcpy(it->path + shared, it->p, (size_t)rest);
  it->p += rest;
  it->len = (size_t)(shared + rest);
  it->path[it->len] = '\0';
  it->written = (int)(head & 1);
  it->count++;
  return 1;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

int mp_filebatch_put(mp_filebatch_buf *b, int written, const char *path, size_t len) {
  size_t shared = 0;
  while (shared < len && shared < b->prev_len && path[shared] == b->prev[shared]) shared++;
  size_t need = b->len + 20 + (len - shared);
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  uint8_t *p = b->data + b->len;
  p = put_varint(p, (uint64_t)shared << 1 | (written ? 1 : 0));
  p = put_varint(p, len - shared);
  memcpy(p, path + shared, len - shared);
  b->len = (size_t)(p - b->data) + (len - shared);
  memcpy(b->prev + shared, path + shared, len - shared);
  b->prev_len = len;
  return 0;
}

void mp_filebatch_buf_free(mp_filebatch_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}
