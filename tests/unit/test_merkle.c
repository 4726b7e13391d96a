/* test_merkle.c — RFC 9162 trees: the published Certificate Transparency
 * vectors (google/certificate-transparency cpp/merkletree/merkle_tree_test.cc:
 * roots of the 8-leaf reference tree, paths and consistency proofs), then
 * every tree size 1..257 against a reference written straight from the RFC's
 * recursive definitions (MTH, PATH, SUBPROOF), then the verifiers against
 * every kind of tampering. tests/reference/rfc9162.py checks the same trees
 * from Python (test_dataset_reference.sh). */
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "merkle.h"
#include "unit.h"

#define MAXN 257

static void unhex(const char *h, uint8_t *out) {
  assert_int_equal(mp_hex_decode(h, strlen(h), out, strlen(h) / 2), 0);
}

/* --- the CT reference tree ------------------------------------------------- */

static const char *CT_INPUTS[8] = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                   "606162636465666768696a6b6c6d6e6f"};
static const char *CT_ROOTS[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static void ct_leaves(uint8_t leaves[8][32]) {
  for (int i = 0; i < 8; i++) {
    uint8_t d[16];
    size_t n = strlen(CT_INPUTS[i]) / 2;
    unhex(CT_INPUTS[i], d);
    mp_merkle_leaf_hash(d, n, leaves[i]);
  }
}

static void ct_roots(void **state) {
  (void)state;
  uint8_t leaves[8][32], root[32], want[32];
  ct_leaves(leaves);
  for (size_t n = 0; n <= 8; n++) {
    unhex(CT_ROOTS[n], want);
    mp_merkle_root(leaves[0], n, root);
    assert_memory_equal(root, want, 32);
    assert_int_equal(mp_merkle_root_mt(leaves[0], n, 2, root, NULL), 0);
    assert_memory_equal(root, want, 32);
  }
}

typedef struct ct_vec {
  uint64_t index, size;  /* 0-based index (the CT file counts from 1) */
  size_t len;
  const char *hashes[3];
} ct_vec;

static void expect_hashes(const mp_hash32 *got, size_t len, const ct_vec *v) {
  assert_int_equal(len, v->len);
  for (size_t k = 0; k < len; k++) {
    uint8_t want[32];
    unhex(v->hashes[k], want);
    assert_memory_equal(got[k], want, 32);
  }
}

static void ct_paths(void **state) {
  (void)state;
  static const ct_vec v[] = {
      {0, 1, 0, {NULL}},
      {0, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5, 8, 3, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1, 5, 3, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  uint8_t leaves[8][32], root[32];
  ct_leaves(leaves);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    mp_hash32 path[MP_MERKLE_MAX_PATH];
    size_t len = 99;
    assert_int_equal(mp_merkle_inclusion_path(leaves[0], v[i].size, v[i].index, 1, path, &len, NULL), 0);
    expect_hashes(path, len, &v[i]);
    unhex(CT_ROOTS[v[i].size], root);
    assert_int_equal(mp_merkle_verify_inclusion(v[i].index, v[i].size, leaves[v[i].index], path, len, root, NULL), 0);
  }
}

static void ct_consistency(void **state) {
  (void)state;
  static const ct_vec v[] = {
      {1, 1, 0, {NULL}},
      {1, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6, 8, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 5, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  uint8_t leaves[8][32], r1[32], r2[32];
  ct_leaves(leaves);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    mp_hash32 proof[MP_MERKLE_MAX_PATH];
    size_t len = 99;
    /* here .index is the first tree size, .size the second */
    assert_int_equal(mp_merkle_consistency_proof(leaves[0], v[i].size, v[i].index, 1, proof, &len, NULL), 0);
    expect_hashes(proof, len, &v[i]);
    unhex(CT_ROOTS[v[i].index], r1);
    unhex(CT_ROOTS[v[i].size], r2);
    assert_int_equal(mp_merkle_verify_consistency(v[i].index, v[i].size, r1, r2, proof, len, NULL), 0);
  }
}

/* --- the reference: RFC 9162 2.1 definitions, memoised --------------------- */

static uint8_t LEAVES[MAXN][32];
static uint8_t MTH[MAXN + 1][MAXN + 1][32]; /* MTH[lo][size] */

static void build_reference(void) {
  for (int i = 0; i < MAXN; i++) {
    uint8_t d[2] = {(uint8_t)i, (uint8_t)(i >> 8)};
    mp_merkle_leaf_hash(d, i < 256 ? 1 : 2, LEAVES[i]);
  }
  for (int lo = 0; lo <= MAXN; lo++) mp_sha256("", 0, MTH[lo][0]);
  for (int size = 1; size <= MAXN; size++)
    for (int lo = 0; lo + size <= MAXN; lo++) {
      if (size == 1) {
        memcpy(MTH[lo][1], LEAVES[lo], 32);
        continue;
      }
      int k = 1;
      while (k * 2 < size) k *= 2;
      mp_merkle_node_hash(MTH[lo][k], MTH[lo + k][size - k], MTH[lo][size]);
    }
}

static int split(int n) {
  int k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/* PATH(m, D[lo:lo+n]) */
static size_t ref_path(int m, int lo, int n, mp_hash32 *out) {
  if (n == 1) return 0;
  int k = split(n);
  size_t len;
  if (m < k) {
    len = ref_path(m, lo, k, out);
    memcpy(out[len++], MTH[lo + k][n - k], 32);
  } else {
    len = ref_path(m - k, lo + k, n - k, out);
    memcpy(out[len++], MTH[lo][k], 32);
  }
  return len;
}

/* SUBPROOF(m, D[lo:lo+n], b) */
static size_t ref_subproof(int m, int lo, int n, int b, mp_hash32 *out) {
  if (m == n) {
    if (b) return 0;
    memcpy(out[0], MTH[lo][m], 32);
    return 1;
  }
  int k = split(n);
  size_t len;
  if (m <= k) {
    len = ref_subproof(m, lo, k, b, out);
    memcpy(out[len++], MTH[lo + k][n - k], 32);
  } else {
    len = ref_subproof(m - k, lo + k, n - k, 0, out);
    memcpy(out[len++], MTH[lo][k], 32);
  }
  return len;
}

static int setup(void **state) {
  (void)state;
  build_reference();
  return 0;
}

static void roots_every_size(void **state) {
  (void)state;
  uint8_t root[32];
  for (int n = 0; n <= MAXN; n++) {
    mp_merkle_root(LEAVES[0], (size_t)n, root);
    assert_memory_equal(root, MTH[0][n], 32);
  }
}

static void inclusion_every_size_and_index(void **state) {
  (void)state;
  mp_hash32 path[MP_MERKLE_MAX_PATH], want[MP_MERKLE_MAX_PATH];
  for (int n = 1; n <= MAXN; n++) {
    const uint8_t *root = MTH[0][n];
    for (int m = 0; m < n; m++) {
      size_t len = 0, wl = ref_path(m, 0, n, want);
      assert_int_equal(mp_merkle_inclusion_path(LEAVES[0], (size_t)n, (uint64_t)m, 1, path, &len, NULL), 0);
      assert_int_equal(len, wl);
      assert_int_equal(len, mp_merkle_path_len((uint64_t)m, (uint64_t)n));
      assert_memory_equal(path, want, len * 32);
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[m], path, len, root, NULL), 0);
      /* wrong index, size, leaf, root; a path element changed, one too many or too few */
      mp_err e;
      if (n > 1) {
        assert_int_equal(mp_merkle_verify_inclusion((uint64_t)((m + 1) % n), (uint64_t)n, LEAVES[m], path, len, root, &e), MP_EVERIFY);
        assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[(m + 1) % n], path, len, root, &e), MP_EVERIFY);
      }
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n * 2, LEAVES[m], path, len, root, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)m, LEAVES[m], path, len, root, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[m], path, len, MTH[0][n - 1], &e), MP_EVERIFY);
      for (size_t k = 0; k < len; k++) {
        path[k][(k * 7 + (size_t)m) % 32] ^= (uint8_t)(1u << (k % 8));
        assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[m], path, len, root, &e), MP_EVERIFY);
        path[k][(k * 7 + (size_t)m) % 32] ^= (uint8_t)(1u << (k % 8));
      }
      memcpy(path[len], root, 32);
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[m], path, len + 1, root, &e), MP_EVERIFY);
      if (len) assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, LEAVES[m], path, len - 1, root, &e), MP_EVERIFY);
    }
  }
}

/* Every single-bit change of the leaf, each path hash and the root. */
static void inclusion_every_bit_flip(void **state) {
  (void)state;
  static const int sizes[] = {1, 2, 3, 5, 8, 13, 64, 100, 255, 256, 257};
  mp_hash32 path[MP_MERKLE_MAX_PATH];
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    int n = sizes[s];
    int idx[3] = {0, n / 2, n - 1};
    for (int t = 0; t < 3; t++) {
      int m = idx[t];
      size_t len = 0;
      assert_int_equal(mp_merkle_inclusion_path(LEAVES[0], (size_t)n, (uint64_t)m, 1, path, &len, NULL), 0);
      uint8_t leaf[32], root[32];
      memcpy(leaf, LEAVES[m], 32);
      memcpy(root, MTH[0][n], 32);
      for (int bit = 0; bit < 256; bit++) {
        leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, leaf, path, len, root, NULL), MP_EVERIFY);
        leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        root[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, leaf, path, len, root, NULL), MP_EVERIFY);
        root[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        for (size_t k = 0; k < len; k++) {
          path[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
          assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, leaf, path, len, root, NULL), MP_EVERIFY);
          path[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
      }
      /* The index is bound by the path. The tree size is not (a path can fit
       * several sizes, e.g. leaf 0 of 5 and of 7): RFC 9162 takes it from the
       * signed tree head, mlprov from the signed statement (dsproof.c). */
      for (int bit = 0; bit < 64; bit++) {
        uint64_t mi = (uint64_t)m ^ (1ull << bit);
        assert_int_equal(mp_merkle_verify_inclusion(mi, (uint64_t)n, leaf, path, len, root, NULL), MP_EVERIFY);
      }
      assert_int_equal(mp_merkle_verify_inclusion((uint64_t)m, (uint64_t)n, leaf, path, len, root, NULL), 0);
    }
  }
}

static void consistency_every_pair(void **state) {
  (void)state;
  mp_hash32 proof[MP_MERKLE_MAX_PATH], want[MP_MERKLE_MAX_PATH];
  for (int n = 1; n <= MAXN; n++) {
    /* every pair up to 64, then a spread of first sizes */
    for (int m = 1; m <= n; m += (n <= 64 ? 1 : 7)) {
      size_t len = 0, wl = ref_subproof(m, 0, n, 1, want);
      assert_int_equal(mp_merkle_consistency_proof(LEAVES[0], (size_t)n, (uint64_t)m, 1, proof, &len, NULL), 0);
      assert_int_equal(len, wl);
      assert_memory_equal(proof, want, len * 32);
      const uint8_t *r1 = MTH[0][m], *r2 = MTH[0][n];
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, r2, proof, len, NULL), 0);
      mp_err e;
      if (m == n) {
        assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, MTH[0][n - 1], proof, len, &e), MP_EVERIFY);
        continue;
      }
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r2, r1, proof, len, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, r2, proof, 0, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, r2, proof, len - 1, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m + 1, (uint64_t)n, r1, r2, proof, len, &e), MP_EVERIFY);
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n * 2, r1, r2, proof, len, &e), MP_EVERIFY);
      for (size_t k = 0; k < len; k++) {
        int bit = (int)((k * 37 + (size_t)m) % 256);
        proof[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, r2, proof, len, &e), MP_EVERIFY);
        proof[k][bit / 8] ^= (uint8_t)(1u << (bit % 8));
      }
      memcpy(proof[len], r2, 32);
      assert_int_equal(mp_merkle_verify_consistency((uint64_t)m, (uint64_t)n, r1, r2, proof, len + 1, &e), MP_EVERIFY);
    }
  }
}

static void edge_cases(void **state) {
  (void)state;
  mp_hash32 path[MP_MERKLE_MAX_PATH];
  size_t len;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_merkle_inclusion_path(LEAVES[0], 5, 5, 1, path, &len, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "outside"));
  assert_int_equal(mp_merkle_inclusion_path(LEAVES[0], 0, 0, 1, path, &len, &e), MP_EUSAGE);
  assert_int_equal(mp_merkle_consistency_proof(LEAVES[0], 5, 0, 1, path, &len, &e), MP_EUSAGE);
  assert_int_equal(mp_merkle_consistency_proof(LEAVES[0], 5, 6, 1, path, &len, &e), MP_EUSAGE);
  /* empty tree: nothing is in it */
  assert_int_equal(mp_merkle_verify_inclusion(0, 0, LEAVES[0], path, 0, MTH[0][0], &e), MP_EVERIFY);
  /* a one-leaf tree: its root is the leaf, with an empty path */
  assert_int_equal(mp_merkle_verify_inclusion(0, 1, LEAVES[0], path, 0, LEAVES[0], NULL), 0);
  assert_int_equal(mp_merkle_verify_consistency(0, 3, MTH[0][0], MTH[0][3], path, 0, &e), MP_EVERIFY);
  assert_int_equal(mp_merkle_verify_consistency(4, 3, MTH[0][4], MTH[0][3], path, 0, &e), MP_EVERIFY);
  assert_int_equal(mp_merkle_verify_consistency(3, 3, MTH[0][3], MTH[0][3], path, 0, NULL), 0);
  memcpy(path[0], MTH[0][3], 32);
  assert_int_equal(mp_merkle_verify_consistency(3, 3, MTH[0][3], MTH[0][3], path, 1, &e), MP_EVERIFY);
  /* huge sizes must not overflow anything */
  assert_int_equal(mp_merkle_path_len(0, UINT64_MAX), 64);
  assert_int_equal(mp_merkle_path_len(UINT64_MAX - 1, UINT64_MAX), 63);
  assert_int_equal(mp_merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX, LEAVES[0], path, 1, MTH[0][3], &e), MP_EVERIFY);
}

/* The threaded root and proofs agree with the single-threaded ones on trees
 * large enough to be split into chunks (sizes around the chunk boundaries). */
static void threaded_matches_single(void **state) {
  (void)state;
  static const size_t sizes[] = {32769, 65536 + 4097, 131075};
  size_t maxn = 131075;
  uint8_t *leaves = malloc(maxn * 32);
  assert_non_null(leaves);
  for (size_t i = 0; i < maxn; i++) {
    uint32_t x = (uint32_t)i;
    mp_merkle_leaf_hash(&x, sizeof x, leaves + i * 32);
  }
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    uint8_t a[32], b[32];
    mp_merkle_root(leaves, sizes[s], a);
    assert_int_equal(mp_merkle_root_mt(leaves, sizes[s], 2, b, NULL), 0);
    assert_memory_equal(a, b, 32);
    assert_int_equal(mp_merkle_root_mt(leaves, sizes[s], 3, b, NULL), 0);
    assert_memory_equal(a, b, 32);
    mp_hash32 p1[MP_MERKLE_MAX_PATH], p2[MP_MERKLE_MAX_PATH];
    size_t l1, l2;
    uint64_t idx = sizes[s] / 3;
    assert_int_equal(mp_merkle_inclusion_path(leaves, sizes[s], idx, 1, p1, &l1, NULL), 0);
    assert_int_equal(mp_merkle_inclusion_path(leaves, sizes[s], idx, 2, p2, &l2, NULL), 0);
    assert_int_equal(l1, l2);
    assert_memory_equal(p1, p2, l1 * 32);
    assert_int_equal(mp_merkle_verify_inclusion(idx, sizes[s], leaves + idx * 32, p1, l1, a, NULL), 0);
  }
  free(leaves);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ct_roots),
      cmocka_unit_test(ct_paths),
      cmocka_unit_test(ct_consistency),
      cmocka_unit_test(roots_every_size),
      cmocka_unit_test(inclusion_every_size_and_index),
      cmocka_unit_test(inclusion_every_bit_flip),
      cmocka_unit_test(consistency_every_pair),
      cmocka_unit_test(edge_cases),
      cmocka_unit_test(threaded_matches_single),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
