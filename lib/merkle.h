/* merkle.h — Merkle trees exactly as RFC 9162 (Certificate Transparency v2)
 * section 2.1 defines them:
 *   MTH({})      = SHA-256()
 *   leaf hash    = SHA-256(0x00 || d)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),
 *                  k = the largest power of two smaller than n.
 * with inclusion proofs (2.1.3: PATH), consistency proofs (2.1.4: PROOF) and
 * the RFC's two verification algorithms (2.1.3.2 and 2.1.4.2), step for step.
 *
 * Trees are given as arrays of n leaf hashes (n * 32 bytes). Building a root
 * or a proof costs O(n) node hashes and O(log n) memory; the _mt variants
 * spread that over threads (the tree over power-of-two chunks of the leaves is
 * the same tree, see merkle.c). Verifying costs O(log n) hashes.
 */
#ifndef MP_MERKLE_H
#define MP_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

/* Longest possible path or consistency proof: ceil(log2(2^64)) + 1. */
#define MP_MERKLE_MAX_PATH 65

typedef uint8_t mp_hash32[MP_SHA256_LEN];

void mp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]);
void mp_merkle_node_hash(const uint8_t left[MP_SHA256_LEN], const uint8_t right[MP_SHA256_LEN],
                         uint8_t out[MP_SHA256_LEN]);
/* The same with a caller's reusable context (much faster in loops). */
void mp_merkle_leaf_hash_ctx(mp_sha256_ctx *c, const void *data, size_t len,
                             uint8_t out[MP_SHA256_LEN]);
void mp_merkle_node_hash_ctx(mp_sha256_ctx *c, const uint8_t left[MP_SHA256_LEN],
                             const uint8_t right[MP_SHA256_LEN], uint8_t out[MP_SHA256_LEN]);

/* Root over n leaf hashes. mp_merkle_root never fails (it falls back to the
 * one-shot hash when out of memory); mp_merkle_root_mt uses up to `threads`
 * threads (0: one per CPU) and fails only when out of memory. */
void mp_merkle_root(const uint8_t *leaves, size_t n, uint8_t out[MP_SHA256_LEN]);
int mp_merkle_root_mt(const uint8_t *leaves, size_t n, unsigned threads,
                      uint8_t out[MP_SHA256_LEN], mp_err *e);

/* PATH(index, D[n]) into path (at most MP_MERKLE_MAX_PATH entries), ordered
 * from the leaf's sibling up, as RFC 9162 2.1.3.1. MP_EUSAGE when index >= n. */
int mp_merkle_inclusion_path(const uint8_t *leaves, size_t n, uint64_t index, unsigned threads,
                             mp_hash32 *path, size_t *pathlen, mp_err *e);
/* PROOF(m, D[n]) as RFC 9162 2.1.4.1 (0 < m <= n; empty when m == n). */
int mp_merkle_consistency_proof(const uint8_t *leaves, size_t n, uint64_t m, unsigned threads,
                                mp_hash32 *proof, size_t *prooflen, mp_err *e);

/* RFC 9162 2.1.3.2: 0 when `leaf` is at `index` in the tree of `size` leaves
 * with root `root`; MP_EVERIFY (with the reason) otherwise. */
int mp_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MP_SHA256_LEN],
                               const mp_hash32 *path, size_t pathlen,
                               const uint8_t root[MP_SHA256_LEN], mp_err *e);
/* RFC 9162 2.1.4.2 for 0 < first < second; first == second holds when the
 * proof is empty and the roots are equal. first == 0 is refused (there is no
 * root of an empty tree to be consistent with). */
int mp_merkle_verify_consistency(uint64_t first, uint64_t second,
                                 const uint8_t first_root[MP_SHA256_LEN],
                                 const uint8_t second_root[MP_SHA256_LEN], const mp_hash32 *proof,
                                 size_t prooflen, mp_err *e);

/* Expected inclusion path length for index in a tree of size leaves. */
size_t mp_merkle_path_len(uint64_t index, uint64_t size);

#endif
