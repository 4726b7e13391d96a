/* varint.h — protobuf's base-128 varints (LEB128), and the shared-prefix
 * length of front coding, for the hand-written readers and writers of
 * mlprov's compact formats: the preload hook's frames, FileBatch paths, the
 * agent's file queue, the index's posting lists. Header-only: the preload
 * library (libc only) uses it too. */
#ifndef MP_VARINT_H
#define MP_VARINT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MP_VARINT_MAX 10 /* bytes of the longest, a 64-bit value */

/* Bytes v takes. */
static inline size_t mp_varint_len(uint64_t v) {
  size_t n = 1;
  while (v >>= 7) n++;
  return n;
}

/* Writes v at p (room for mp_varint_len(v) bytes); the bytes written. */
static inline size_t mp_varint_put(uint8_t *p, uint64_t v) {
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) p[n++] = (uint8_t)(v | 0x80);
  p[n++] = (uint8_t)v;
  return n;
}

/* Reads a varint in its shortest form, of at most max bytes, that fits 64
 * bits, advancing *p; -1 otherwise or when it runs past end. */
static inline int mp_varint_get(const uint8_t **p, const uint8_t *end, unsigned max, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned i = 0; i < max && *p < end; i++) {
    uint8_t b = *(*p)++;
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) return -1; /* a trailing zero group: not the shortest form */
      if (i == 9 && b > 1) return -1; /* bits past the 64th */
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* How many leading bytes a and b (at least max bytes each) share, at most
 * max; 8 bytes a step, since paths share most of their length. */
static inline size_t mp_shared_prefix(const char *a, const char *b, size_t max) {
  size_t n = 0;
  while (n + 8 <= max && memcmp(a + n, b + n, 8) == 0) n += 8;
  while (n < max && a[n] == b[n]) n++;
  return n;
}

#endif
