/* merkle.c — see merkle.h.
 *
 * Roots are computed bottom-up with a stack of perfect subtree roots (one per
 * set bit of the count so far); folding the stack right to left at the end
 * gives exactly RFC 9162's split rule. The parallel root splits the leaves
 * into chunks whose size c is a power of two: every split point of the RFC
 * recursion that lies above the chunks is a multiple of c (the largest power
 * of two below J*c+m, m < c, is k*c with k the largest power of two below J
 * or J+1), so the tree over the chunk roots, taken as leaves, is the same
 * tree. Proofs walk the RFC recursion top-down and compute each sibling
 * subtree's root, which costs O(n) hashes in total per proof.
 */
#include "merkle.h"

#include <stdlib.h>
#include <string.h>

#include "hashpool.h"

/* Below this many leaves a subtree root is computed on one thread. */
#define MT_MIN_LEAVES (1u << 14)

static const uint8_t LEAF_PREFIX = 0x00, NODE_PREFIX = 0x01;

void mp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]) {
  mp_sha256_2(&LEAF_PREFIX, 1, data, len, out);
}

void mp_merkle_node_hash(const uint8_t left[MP_SHA256_LEN], const uint8_t right[MP_SHA256_LEN],
                         uint8_t out[MP_SHA256_LEN]) {
  uint8_t buf[1 + 2 * MP_SHA256_LEN];
  buf[0] = NODE_PREFIX;
  memcpy(buf + 1, left, MP_SHA256_LEN);
  memcpy(buf + 1 + MP_SHA256_LEN, right, MP_SHA256_LEN);
  mp_sha256(buf, sizeof buf, out);
}

void mp_merkle_leaf_hash_ctx(mp_sha256_ctx *c, const void *data, size_t len,
                             uint8_t out[MP_SHA256_LEN]) {
  mp_sha256_ctx_2(c, &LEAF_PREFIX, 1, data, len, out);
}

void mp_merkle_node_hash_ctx(mp_sha256_ctx *c, const uint8_t left[MP_SHA256_LEN],
                             const uint8_t right[MP_SHA256_LEN], uint8_t out[MP_SHA256_LEN]) {
  uint8_t buf[1 + 2 * MP_SHA256_LEN];
  buf[0] = NODE_PREFIX;
  memcpy(buf + 1, left, MP_SHA256_LEN);
  memcpy(buf + 1 + MP_SHA256_LEN, right, MP_SHA256_LEN);
  mp_sha256_begin(c);
  mp_sha256_update(c, buf, sizeof buf);
  mp_sha256_end(c, out);
}

/* c may be NULL: the one-shot hash is used then. */
static void node(mp_sha256_ctx *c, const uint8_t *l, const uint8_t *r, uint8_t *out) {
  if (c) mp_merkle_node_hash_ctx(c, l, r, out);
  else mp_merkle_node_hash(l, r, out);
}

static void root_ctx(mp_sha256_ctx *c, const uint8_t *leaves, size_t n, uint8_t out[MP_SHA256_LEN]) {
  if (n == 0) {
    mp_sha256("", 0, out);
    return;
  }
  uint8_t stack[64][MP_SHA256_LEN];
  uint8_t heights[64];
  size_t top = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(stack[top], leaves + i * MP_SHA256_LEN, MP_SHA256_LEN);
    heights[top++] = 0;
    /* equal-height neighbours are the left and right halves of a subtree */
    while (top >= 2 && heights[top - 1] == heights[top - 2]) {
      node(c, stack[top - 2], stack[top - 1], stack[top - 2]);
      heights[top - 2]++;
      top--;
    }
  }
  while (top >= 2) {
    node(c, stack[top - 2], stack[top - 1], stack[top - 2]);
    top--;
  }
  memcpy(out, stack[0], MP_SHA256_LEN);
}

void mp_merkle_root(const uint8_t *leaves, size_t n, uint8_t out[MP_SHA256_LEN]) {
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  root_ctx(c, leaves, n, out);
  mp_sha256_ctx_free(c);
}

typedef struct chunk_job {
  const uint8_t *leaves;
  size_t n, chunk;
  uint8_t *roots;
  mp_sha256_ctx **ctx;
} chunk_job;

static void chunk_task(void *arg, size_t t, unsigned worker) {
  chunk_job *j = arg;
  size_t start = t * j->chunk, len = j->n - start < j->chunk ? j->n - start : j->chunk;
  root_ctx(j->ctx[worker], j->leaves + start * MP_SHA256_LEN, len, j->roots + t * MP_SHA256_LEN);
}

int mp_merkle_root_mt(const uint8_t *leaves, size_t n, unsigned threads,
                      uint8_t out[MP_SHA256_LEN], mp_err *e) {
  if (!threads) threads = mp_cpu_count();
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  if (!c) return mp_err_set(e, MP_ENOMEM, "out of memory hashing a Merkle tree");
  if (threads < 2 || n < 2 * (size_t)MT_MIN_LEAVES) {
    root_ctx(c, leaves, n, out);
    mp_sha256_ctx_free(c);
    return 0;
  }
  /* power-of-two chunks, about four per thread so that no thread idles long */
  size_t chunk = MT_MIN_LEAVES;
  while (chunk * 2 <= n / (4 * (size_t)threads)) chunk *= 2;
  size_t nchunks = (n + chunk - 1) / chunk;
  unsigned nw = mp_parallel_workers(threads, nchunks);
  chunk_job j = {.leaves = leaves, .n = n, .chunk = chunk};
  j.roots = malloc(nchunks * MP_SHA256_LEN);
  j.ctx = calloc(nw, sizeof *j.ctx);
  int ok = j.roots && j.ctx;
  for (unsigned w = 0; ok && w < nw; w++) ok = (j.ctx[w] = mp_sha256_ctx_new()) != NULL;
  if (ok) {
    mp_parallel_for(nw, nchunks, chunk_task, &j);
    root_ctx(c, j.roots, nchunks, out);
  }
  for (unsigned w = 0; j.ctx && w < nw; w++) mp_sha256_ctx_free(j.ctx[w]);
  free(j.ctx);
  free(j.roots);
  mp_sha256_ctx_free(c);
  return ok ? 0 : mp_err_set(e, MP_ENOMEM, "out of memory hashing a Merkle tree");
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split_of(uint64_t n) { return 1ull << (63 - __builtin_clzll(n - 1)); }

static int subtree_root(mp_sha256_ctx *c, const uint8_t *leaves, uint64_t lo, uint64_t size,
                        unsigned threads, uint8_t *out, mp_err *e) {
  const uint8_t *base = leaves + lo * MP_SHA256_LEN;
  if (size >= 2 * (uint64_t)MT_MIN_LEAVES && threads != 1)
    return mp_merkle_root_mt(base, (size_t)size, threads, out, e);
  root_ctx(c, base, (size_t)size, out);
  return 0;
}

int mp_merkle_inclusion_path(const uint8_t *leaves, size_t n, uint64_t index, unsigned threads,
                             mp_hash32 *path, size_t *pathlen, mp_err *e) {
  if (index >= n)
    return mp_err_set(e, MP_EUSAGE, "leaf index %llu is outside a tree of %zu leaves",
                      (unsigned long long)index, n);
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  if (!c) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_hash32 top_down[MP_MERKLE_MAX_PATH];
  size_t k = 0;
  uint64_t lo = 0, size = n, idx = index;
  int rc = 0;
  while (rc == 0 && size > 1) {
    uint64_t s = split_of(size);
    if (idx < s) {
      rc = subtree_root(c, leaves, lo + s, size - s, threads, top_down[k++], e);
      size = s;
    } else {
      rc = subtree_root(c, leaves, lo, s, threads, top_down[k++], e);
      lo += s;
      idx -= s;
      size -= s;
    }
  }
  mp_sha256_ctx_free(c);
  if (rc) return rc;
  /* PATH lists the deepest sibling first */
  for (size_t i = 0; i < k; i++) memcpy(path[i], top_down[k - 1 - i], MP_SHA256_LEN);
  *pathlen = k;
  return 0;
}

int mp_merkle_consistency_proof(const uint8_t *leaves, size_t n, uint64_t m, unsigned threads,
                                mp_hash32 *proof, size_t *prooflen, mp_err *e) {
  if (m == 0 || m > n)
    return mp_err_set(e, MP_EUSAGE, "no consistency proof from %llu to %zu leaves",
                      (unsigned long long)m, n);
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  if (!c) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_hash32 top_down[MP_MERKLE_MAX_PATH];
  size_t k = 0;
  uint64_t lo = 0, size = n;
  int whole = 1; /* SUBPROOF's b: the old root is the subtree we are in */
  int rc = 0;
  while (rc == 0 && m < size) {
    uint64_t s = split_of(size);
    if (m <= s) {
      rc = subtree_root(c, leaves, lo + s, size - s, threads, top_down[k++], e);
      size = s;
    } else {
      rc = subtree_root(c, leaves, lo, s, threads, top_down[k++], e);
      lo += s;
      m -= s;
      size -= s;
      whole = 0;
    }
  }
  size_t out = 0;
  /* SUBPROOF(m, D[m], false) = {MTH(D[m])}: it comes first */
  if (rc == 0 && !whole) rc = subtree_root(c, leaves, lo, size, threads, proof[out++], e);
  mp_sha256_ctx_free(c);
  if (rc) return rc;
  for (size_t i = 0; i < k; i++) memcpy(proof[out++], top_down[k - 1 - i], MP_SHA256_LEN);
  *prooflen = out;
  return 0;
}

size_t mp_merkle_path_len(uint64_t index, uint64_t size) {
  size_t k = 0;
  while (size > 1) {
    uint64_t s = split_of(size);
    if (index < s) {
      size = s;
    } else {
      index -= s;
      size -= s;
    }
    k++;
  }
  return k;
}

/* RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is set
 * or fn is 0" (both verification algorithms). */
static void shift_to_set_bit(uint64_t *fn, uint64_t *sn) {
  while (!(*fn & 1) && *fn != 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

int mp_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MP_SHA256_LEN],
                               const mp_hash32 *path, size_t pathlen,
                               const uint8_t root[MP_SHA256_LEN], mp_err *e) {
  /* 1. */
  if (index >= size)
    return mp_err_set(e, MP_EVERIFY, "inclusion proof: leaf index %llu is not below the tree size %llu",
                      (unsigned long long)index, (unsigned long long)size);
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  /* 2., 3. */
  uint64_t fn = index, sn = size - 1;
  uint8_t r[MP_SHA256_LEN];
  memcpy(r, leaf, MP_SHA256_LEN);
  /* 4. */
  for (size_t i = 0; i < pathlen; i++) {
    if (sn == 0) {
      mp_sha256_ctx_free(c);
      return mp_err_set(e, MP_EVERIFY, "inclusion proof: path longer than the tree is deep (%zu hashes)",
                        pathlen);
    }
    if ((fn & 1) || fn == sn) {
      node(c, path[i], r, r);
      if (!(fn & 1)) shift_to_set_bit(&fn, &sn);
    } else {
      node(c, r, path[i], r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  mp_sha256_ctx_free(c);
  /* 5. */
  if (sn != 0)
    return mp_err_set(e, MP_EVERIFY, "inclusion proof: path too short for leaf %llu of %llu (%zu hashes)",
                      (unsigned long long)index, (unsigned long long)size, pathlen);
  if (memcmp(r, root, MP_SHA256_LEN) != 0)
    return mp_err_set(e, MP_EVERIFY, "inclusion proof: the path does not lead to the root");
  return 0;
}

int mp_merkle_verify_consistency(uint64_t first, uint64_t second,
                                 const uint8_t first_root[MP_SHA256_LEN],
                                 const uint8_t second_root[MP_SHA256_LEN], const mp_hash32 *proof,
                                 size_t prooflen, mp_err *e) {
  if (first == 0 || first > second)
    return mp_err_set(e, MP_EVERIFY, "consistency proof: tree sizes %llu -> %llu are not 0 < first <= second",
                      (unsigned long long)first, (unsigned long long)second);
  if (first == second) {
    if (prooflen != 0 || memcmp(first_root, second_root, MP_SHA256_LEN) != 0)
      return mp_err_set(e, MP_EVERIFY, "consistency proof: equal tree sizes need equal roots and an empty proof");
    return 0;
  }
  /* 1. */
  if (prooflen == 0) return mp_err_set(e, MP_EVERIFY, "consistency proof: empty proof");
  if (prooflen >= MP_MERKLE_MAX_PATH)
    return mp_err_set(e, MP_EVERIFY, "consistency proof: %zu hashes is too long", prooflen);
  /* 2. */
  const uint8_t *items[MP_MERKLE_MAX_PATH + 1];
  size_t n = 0;
  if ((first & (first - 1)) == 0) items[n++] = first_root;
  for (size_t i = 0; i < prooflen; i++) items[n++] = proof[i];
  /* 3., 4. */
  uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  /* 5. */
  uint8_t fr[MP_SHA256_LEN], sr[MP_SHA256_LEN];
  memcpy(fr, items[0], MP_SHA256_LEN);
  memcpy(sr, items[0], MP_SHA256_LEN);
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  /* 6. */
  for (size_t i = 1; i < n; i++) {
    if (sn == 0) {
      mp_sha256_ctx_free(c);
      return mp_err_set(e, MP_EVERIFY, "consistency proof: longer than the tree is deep");
    }
    if ((fn & 1) || fn == sn) {
      node(c, items[i], fr, fr);
      node(c, items[i], sr, sr);
      if (!(fn & 1)) shift_to_set_bit(&fn, &sn);
    } else {
      node(c, sr, items[i], sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
  mp_sha256_ctx_free(c);
  /* 7. */
  if (sn != 0) return mp_err_set(e, MP_EVERIFY, "consistency proof: too short");
  if (memcmp(fr, first_root, MP_SHA256_LEN) != 0)
    return mp_err_set(e, MP_EVERIFY, "consistency proof: does not lead to the first root");
  if (memcmp(sr, second_root, MP_SHA256_LEN) != 0)
    return mp_err_set(e, MP_EVERIFY, "consistency proof: does not lead to the second root");
  return 0;
}
