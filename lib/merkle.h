/* merkle.h — Merkle tree hashing as RFC 9162 (Certificate Transparency v2)
 * section 2.1 defines it:
 *   MTH({})      = SHA-256()
 *   leaf hash    = SHA-256(0x00 || d)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
 *                  k = the largest power of two smaller than n.
 */
#ifndef MP_MERKLE_H
#define MP_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

void mp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]);
void mp_merkle_node_hash(const uint8_t left[MP_SHA256_LEN], const uint8_t right[MP_SHA256_LEN],
                         uint8_t out[MP_SHA256_LEN]);
/* Root over n leaf hashes (n*32 bytes), O(n) time, O(log n) memory. */
void mp_merkle_root(const uint8_t *leaves, size_t n, uint8_t out[MP_SHA256_LEN]);

#endif
