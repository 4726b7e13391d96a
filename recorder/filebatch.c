/* filebatch.c — see filebatch.h. */
#include "filebatch.h"

#include <stdlib.h>
#include <string.h>

#include "varint.h"

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
  if (mp_varint_get(&it->p, it->end, 5, &head) != 0 || mp_varint_get(&it->p, it->end, 5, &rest) != 0) return -1;
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

int mp_filebatch_put(mp_filebatch_buf *b, int written, const char *path, size_t len) {
  size_t shared = mp_shared_prefix(path, b->prev, len < b->prev_len ? len : b->prev_len);
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
  p += mp_varint_put(p, (uint64_t)shared << 1 | (written ? 1 : 0));
  p += mp_varint_put(p, len - shared);
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
