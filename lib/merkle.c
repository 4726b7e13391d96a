/* merkle.c — see merkle.h. The root is computed bottom-up with a stack of
 * perfect subtree roots (one per set bit of the count so far); folding the
 * stack right to left at the end gives exactly RFC 9162's split rule. */
#include "merkle.h"

#include <string.h>

void mp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]) {
  static const uint8_t zero = 0x00;
  mp_sha256_2(&zero, 1, data, len, out);
}

void mp_merkle_node_hash(const uint8_t left[MP_SHA256_LEN], const uint8_t right[MP_SHA256_LEN],
                         uint8_t out[MP_SHA256_LEN]) {
  uint8_t buf[1 + 2 * MP_SHA256_LEN];
  buf[0] = 0x01;
  memcpy(buf + 1, left, MP_SHA256_LEN);
  memcpy(buf + 1 + MP_SHA256_LEN, right, MP_SHA256_LEN);
  mp_sha256(buf, sizeof buf, out);
}

void mp_merkle_root(const uint8_t *leaves, size_t n, uint8_t out[MP_SHA256_LEN]) {
  if (n == 0) {
    mp_sha256("", 0, out);
    return;
  }
  uint8_t stack[64][MP_SHA256_LEN];
  size_t heights[64];
  size_t top = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(stack[top], leaves + i * MP_SHA256_LEN, MP_SHA256_LEN);
    heights[top++] = 0;
    /* merge equal-height subtrees: they are left and right halves */
    while (top >= 2 && heights[top - 1] == heights[top - 2]) {
      mp_merkle_node_hash(stack[top - 2], stack[top - 1], stack[top - 2]);
      heights[top - 2]++;
      top--;
    }
  }
  while (top >= 2) {
    mp_merkle_node_hash(stack[top - 2], stack[top - 1], stack[top - 2]);
    top--;
  }
  memcpy(out, stack[0], MP_SHA256_LEN);
}
