/* test_dsproof.c — dataset commitments and proofs (dstree.c, dsproof.c,
 * dsclaim.c): for every tree size 1..257, inclusion proofs of records and
 * non-inclusion proofs for gaps of the sorted tree (below the first, between
 * two, above the last; all of them up to 40 records, then a spread) verify
 * against a statement; every
 * single-bit change of a proof file, of the record and of the signed roots is
 * refused; forged "not included" proofs for included records never verify;
 * duplicates, malformed proof files and malformed tree files give clear
 * errors. */
#include <stdlib.h>
#include <string.h>

#include "dsclaim.h"
#include "encoding.h"
#include "merkle.h"
#include "statement.h"
#include "unit.h"

#define MAXN 257

static uint8_t LEAVES[MAXN][32];

static int setup(void **state) {
  (void)state;
  for (int i = 0; i < MAXN; i++) {
    char rec[32];
    int n = snprintf(rec, sizeof rec, "record %d", i);
    mp_merkle_leaf_hash(rec, (size_t)n, LEAVES[i]);
  }
  return 0;
}

/* A statement committing to tree t, as `dataset commit --key` signs it. */
static json_t *statement_for(const mp_dstree *t) {
  json_t *st = mp_dsclaim_statement(t->name, NULL, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 0,
                                    &t->commit, t->format);
  assert_non_null(st);
  return st;
}

/* Parses and checks a proof file against the statement, as `dataset verify`. */
static int check(const json_t *st, const uint8_t *buf, size_t len, const uint8_t record[32]) {
  mp_dsproof *p = NULL;
  mp_err e;
  int rc = mp_dsproof_parse(buf, len, &p, &e);
  if (rc) return rc;
  rc = mp_dsclaim_verify(st, p, record, NULL, &e);
  mp_dsproof_free(p);
  return rc;
}

static void encode(const mp_dsproof *p, uint8_t **buf, size_t *len) {
  assert_int_equal(mp_dsproof_encode(p, buf, len, NULL), 0);
}

/* x + 1 as a 256-bit big-endian number (x is never all ones here). */
static void plus_one(const uint8_t x[32], uint8_t out[32]) {
  memcpy(out, x, 32);
  for (int i = 31; i >= 0 && ++out[i] == 0; i--) {
  }
}

static void minus_one(const uint8_t x[32], uint8_t out[32]) {
  memcpy(out, x, 32);
  for (int i = 31; i >= 0 && out[i]-- == 0; i--) {
  }
}

static void every_size_every_record_every_gap(void **state) {
  (void)state;
  for (int n = 1; n <= MAXN; n++) {
    mp_dstree *t = NULL;
    assert_int_equal(mp_dstree_new("every-size", MP_DSFMT_LINES, LEAVES[0], (size_t)n, 1, &t, NULL), 0);
    assert_int_equal(t->commit.size, n);
    assert_int_equal(t->commit.distinct, n);
    json_t *st = statement_for(t);
    for (int i = 0; i < n; i++) {
      mp_dsproof *p = NULL;
      uint8_t *buf;
      size_t len;
      assert_int_equal(mp_dsproof_make(t, LEAVES[i], &p, NULL), 0);
      assert_int_equal(p->kind, MP_DSPROOF_INCLUDED);
      assert_int_equal(p->leaves[0].index, i);
      assert_int_equal(p->occurrences, 1);
      encode(p, &buf, &len);
      /* 32 * ceil(log2 n) bytes of path plus a small header */
      assert_true(len <= 123 + strlen("every-size") + 32 * mp_merkle_path_len(0, (uint64_t)n));
      assert_int_equal(check(st, buf, len, LEAVES[i]), 0);
      free(buf);
      mp_dsproof_free(p);
    }
    assert_int_equal(mp_dstree_sorted(t, NULL), 0);
    for (int g = 0; g <= n; g++) {
      uint8_t absent[32];
      if (g == 0) minus_one(t->sorted, absent);
      else plus_one(t->sorted + (g - 1) * 32, absent);
      mp_dsproof *p = NULL;
      uint8_t *buf;
      size_t len;
      assert_int_equal(mp_dsproof_make(t, absent, &p, NULL), 0);
      assert_int_equal(p->kind, MP_DSPROOF_ABSENT);
      assert_int_equal(p->nleaves, (g == 0 || g == n) ? 1 : 2);
      encode(p, &buf, &len);
      assert_int_equal(check(st, buf, len, absent), 0);
      /* not the proof of another record */
      assert_int_equal(check(st, buf, len, LEAVES[0]), MP_EVERIFY);
      free(buf);
      mp_dsproof_free(p);
    }
    json_decref(st);
    mp_dstree_free(t);
  }
}

/* Every single-bit change of the proof file, of the record and of each signed
 * root and size is refused: every tree shape up to 33 records, and the
 * power-of-two edges above (test_merkle.c flips path bits at every size). */
static void every_bit_flip_refused(void **state) {
  (void)state;
  int sizes[33 + 7];
  size_t nsizes = 0;
  for (int n = 1; n <= 33; n++) sizes[nsizes++] = n;
  static const int edges[] = {63, 64, 65, 100, 255, 256, 257};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) sizes[nsizes++] = edges[i];
  for (size_t s = 0; s < nsizes; s++) {
    int n = sizes[s];
    mp_dstree *t = NULL;
    assert_int_equal(mp_dstree_new("flips", MP_DSFMT_JSONL, LEAVES[0], (size_t)n, 1, &t, NULL), 0);
    assert_int_equal(mp_dstree_sorted(t, NULL), 0);
    uint8_t targets[3][32];
    memcpy(targets[0], LEAVES[n / 2], 32);        /* included */
    plus_one(t->sorted + (n / 2) * 32, targets[1]); /* absent, between (or after the last) */
    minus_one(t->sorted, targets[2]);               /* absent, before the first */
    json_t *st = statement_for(t);
    for (int k = 0; k < 3; k++) {
      mp_dsproof *p = NULL;
      uint8_t *buf;
      size_t len;
      assert_int_equal(mp_dsproof_make(t, targets[k], &p, NULL), 0);
      encode(p, &buf, &len);
      assert_int_equal(check(st, buf, len, targets[k]), 0);
      for (size_t bit = 0; bit < len * 8; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int rc = check(st, buf, len, targets[k]);
        if (rc != MP_EPARSE && rc != MP_EVERIFY) fail_msg("size %d target %d: bit %zu of the proof flipped: rc %d", n, k, bit, rc);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      }
      for (int bit = 0; bit < 256; bit++) {
        uint8_t r[32];
        memcpy(r, targets[k], 32);
        r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(check(st, buf, len, r), MP_EVERIFY);
      }
      /* the signed roots and sizes: every bit of each */
      json_t *ann = json_object_get(json_array_get(json_object_get(st, "subject"), 0), "annotations");
      static const char *roots[] = {"recordsMerkleRoot", "recordsSortedMerkleRoot"};
      for (int r = 0; r < 2; r++) {
        char hex[65];
        snprintf(hex, sizeof hex, "%s", json_string_value(json_object_get(ann, roots[r])));
        for (int bit = 0; bit < 256; bit++) {
          uint8_t raw[32];
          char flipped[65];
          mp_hex_decode(hex, 64, raw, 32);
          raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
          mp_hex_encode(raw, 32, flipped);
          json_object_set_new(ann, roots[r], json_string(flipped));
          int rc = check(st, buf, len, targets[k]);
          /* a root the proof does not use may change freely */
          int used = (r == 0) == (p->kind == MP_DSPROOF_INCLUDED);
          if (used) assert_int_equal(rc, MP_EVERIFY);
          else assert_int_equal(rc, 0);
        }
        json_object_set_new(ann, roots[r], json_string(hex));
      }
      static const char *sizes_k[] = {"recordsTreeSize", "recordsSortedTreeSize"};
      for (int r = 0; r < 2; r++) {
        json_int_t v = json_integer_value(json_object_get(ann, sizes_k[r]));
        int used = (r == 0) == (p->kind == MP_DSPROOF_INCLUDED);
        for (int bit = 0; bit < 62; bit++) {
          json_object_set_new(ann, sizes_k[r], json_integer(v ^ ((json_int_t)1 << bit)));
          if (used) assert_int_equal(check(st, buf, len, targets[k]), MP_EVERIFY);
        }
        json_object_set_new(ann, sizes_k[r], json_integer(v));
      }
      assert_int_equal(check(st, buf, len, targets[k]), 0);
      free(buf);
      mp_dsproof_free(p);
    }
    json_decref(st);
    mp_dstree_free(t);
  }
}

static void set_leaf(mp_dsproof_leaf *l, const mp_dstree *t, const uint8_t *leaves, uint64_t size, uint64_t i) {
  l->index = i;
  memcpy(l->leaf, leaves + i * 32, 32);
  assert_int_equal(mp_merkle_inclusion_path(leaves, size, i, 1, l->path, &l->pathlen, NULL), 0);
  (void)t;
}

/* A prover who holds the whole tree tries to show that an included record is
 * absent: neighbours that are not adjacent, a neighbour equal to the record,
 * a false edge, a shorter tree, the record tree instead of the sorted one. */
static void forged_absence_refused(void **state) {
  (void)state;
  int n = 100;
  mp_dstree *t = NULL;
  assert_int_equal(mp_dstree_new("forge", MP_DSFMT_RECORDS, LEAVES[0], (size_t)n, 1, &t, NULL), 0);
  assert_int_equal(mp_dstree_sorted(t, NULL), 0);
  json_t *st = statement_for(t);
  for (uint64_t pos = 0; pos < (uint64_t)n; pos++) {
    const uint8_t *rec = t->sorted + pos * 32;
    mp_dsproof p = {.kind = MP_DSPROOF_ABSENT, .format = MP_DSFMT_RECORDS, .name = "forge", .size = (uint64_t)n};
    memcpy(p.root, t->commit.sorted_root, 32);
    memcpy(p.record, rec, 32);
    mp_err e;
    /* the two leaves around it: not adjacent; claimed adjacent: wrong leaves */
    if (pos > 0 && pos + 1 < (uint64_t)n) {
      p.nleaves = 2;
      set_leaf(&p.leaves[0], t, t->sorted, (uint64_t)n, pos - 1);
      set_leaf(&p.leaves[1], t, t->sorted, (uint64_t)n, pos + 1);
      assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
      p.leaves[1].index = pos;
      assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
    }
    /* the record itself as one of the two */
    if (pos + 1 < (uint64_t)n) {
      p.nleaves = 2;
      set_leaf(&p.leaves[0], t, t->sorted, (uint64_t)n, pos);
      set_leaf(&p.leaves[1], t, t->sorted, (uint64_t)n, pos + 1);
      assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
    }
    /* a false edge */
    p.nleaves = 1;
    set_leaf(&p.leaves[0], t, t->sorted, (uint64_t)n, 0);
    assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
    set_leaf(&p.leaves[0], t, t->sorted, (uint64_t)n, (uint64_t)n - 1);
    assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
    /* a prefix of the sorted tree in which the record would be the last+1 */
    if (pos > 0) {
      uint8_t root[32];
      mp_merkle_root(t->sorted, pos, root);
      p.size = pos;
      memcpy(p.root, root, 32);
      set_leaf(&p.leaves[0], t, t->sorted, pos, pos - 1);
      assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
      assert_non_null(strstr(e.msg, "signed"));
      p.size = (uint64_t)n;
      memcpy(p.root, t->commit.sorted_root, 32);
    }
    /* the record tree's leaves claimed as the sorted tree's */
    p.nleaves = 1;
    p.size = (uint64_t)n;
    memcpy(p.root, t->commit.root, 32);
    set_leaf(&p.leaves[0], t, t->leaves, (uint64_t)n, 0);
    assert_int_equal(mp_dsclaim_verify(st, &p, rec, NULL, &e), MP_EVERIFY);
  }
  json_decref(st);
  mp_dstree_free(t);
}

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, 32); }

static void duplicates(void **state) {
  (void)state;
  uint8_t leaves[6][32];
  int order[6] = {3, 1, 3, 2, 1, 3};
  for (int i = 0; i < 6; i++) memcpy(leaves[i], LEAVES[order[i]], 32);
  mp_dstree *t = NULL;
  assert_int_equal(mp_dstree_new("dups", MP_DSFMT_LINES, leaves[0], 6, 2, &t, NULL), 0);
  assert_int_equal(t->commit.size, 6);
  assert_int_equal(t->commit.distinct, 3);
  mp_dsproof *p = NULL;
  assert_int_equal(mp_dsproof_make(t, LEAVES[1], &p, NULL), 0);
  assert_int_equal(p->kind, MP_DSPROOF_INCLUDED);
  assert_int_equal(p->leaves[0].index, 1); /* the first occurrence */
  assert_int_equal(p->occurrences, 2);
  json_t *st = statement_for(t);
  uint8_t *buf;
  size_t len;
  encode(p, &buf, &len);
  assert_int_equal(check(st, buf, len, LEAVES[1]), 0);
  free(buf);
  mp_dsproof_free(p);
  assert_int_equal(mp_dsproof_make(t, LEAVES[0], &p, NULL), 0);
  assert_int_equal(p->kind, MP_DSPROOF_ABSENT);
  encode(p, &buf, &len);
  assert_int_equal(check(st, buf, len, LEAVES[0]), 0);
  free(buf);
  mp_dsproof_free(p);
  json_decref(st);
  mp_dstree_free(t);
  /* the sorted tree of a large input (bucket sort) equals qsort's, duplicates removed */
  size_t big = 200000;
  uint8_t *many = malloc(big * 32), *sorted = NULL;
  assert_non_null(many);
  for (size_t i = 0; i < big; i++) {
    uint32_t x = (uint32_t)(i % 150000);
    mp_merkle_leaf_hash(&x, sizeof x, many + i * 32);
  }
  size_t m = 0;
  assert_int_equal(mp_dstree_sort(many, big, 2, &sorted, &m, NULL), 0);
  assert_int_equal(m, 150000);
  for (size_t i = 1; i < m; i++) assert_true(memcmp(sorted + (i - 1) * 32, sorted + i * 32, 32) < 0);
  free(sorted);
  /* hashes that share their first byte: one large group, sorted by its second byte then qsort */
  size_t same = 20000;
  for (size_t i = 0; i < same; i++) many[i * 32] = 0x42;
  memcpy(many + 10000 * 32, many, 5000 * 32); /* and duplicates within it */
  for (size_t i = 15000; i < same; i++) memcpy(many + i * 32, many + 3 * 32, 32); /* 5000 times one hash */
  uint8_t *ref = malloc(same * 32);
  assert_non_null(ref);
  memcpy(ref, many, same * 32);
  qsort(ref, same, 32, cmp_hash);
  assert_int_equal(mp_dstree_sort(many, same, 2, &sorted, &m, NULL), 0);
  size_t k = 1;
  for (size_t i = 1; i < same; i++)
    if (memcmp(ref + i * 32, ref + (k - 1) * 32, 32)) memmove(ref + k++ * 32, ref + i * 32, 32);
  assert_int_equal(m, k);
  assert_memory_equal(sorted, ref, k * 32);
  free(ref);
  free(sorted);
  free(many);
  /* an empty input commits to the empty tree and has no tree file */
  mp_dscommit c;
  assert_int_equal(mp_dstree_commit(NULL, 0, 1, &c, NULL, NULL), 0);
  assert_int_equal(c.distinct, 0);
  mp_err e;
  assert_int_equal(mp_dstree_new("empty", MP_DSFMT_LINES, NULL, 0, 1, &t, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "empty dataset"));
}

static void malformed_proofs(void **state) {
  (void)state;
  mp_dstree *t = NULL;
  assert_int_equal(mp_dstree_new("m", MP_DSFMT_LINES, LEAVES[0], 20, 1, &t, NULL), 0);
  mp_dsproof *p = NULL, *q = NULL;
  uint8_t absent[32];
  assert_int_equal(mp_dstree_sorted(t, NULL), 0);
  plus_one(t->sorted + 5 * 32, absent);
  assert_int_equal(mp_dsproof_make(t, absent, &p, NULL), 0);
  uint8_t *buf, *b2;
  size_t len;
  encode(p, &buf, &len);
  mp_err e;
  for (size_t cut = 0; cut < len; cut++) assert_int_equal(mp_dsproof_parse(buf, cut, &q, &e), MP_EPARSE);
  b2 = malloc(len + 1);
  memcpy(b2, buf, len);
  b2[len] = 0;
  assert_int_equal(mp_dsproof_parse(b2, len + 1, &q, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "unexpected bytes"));
  struct { size_t off; uint8_t val; const char *why; } bad[] = {
      {0, 'X', "not an mlprov proof"}, {4, 2, "version"}, {5, 0, "kind"}, {5, 3, "kind"},
      {6, 9, "record format"},         {7, 0, "leaf entries"}, {7, 3, "leaf entries"},
      {80, 0, "dataset name"},         {82, 0, "dataset name"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memcpy(b2, buf, len);
    b2[bad[i].off] = bad[i].val;
    if (bad[i].off == 80) b2[81] = 0;
    assert_int_equal(mp_dsproof_parse(b2, len, &q, &e), MP_EPARSE);
    assert_non_null(strstr(e.msg, bad[i].why));
  }
  memcpy(b2, buf, len);
  memset(b2 + 8, 0, 8); /* tree size 0 */
  assert_int_equal(mp_dsproof_parse(b2, len, &q, &e), MP_EPARSE);
  memcpy(b2, buf, len);
  b2[82 + 1 + 40] = 65; /* first path: 65 hashes */
  assert_int_equal(mp_dsproof_parse(b2, len, &q, &e), MP_EPARSE);
  /* a proof round-trips exactly */
  assert_int_equal(mp_dsproof_parse(buf, len, &q, NULL), 0);
  uint8_t *again;
  size_t alen;
  encode(q, &again, &alen);
  assert_int_equal(alen, len);
  assert_memory_equal(again, buf, len);
  free(again);
  mp_dsproof_free(q);
  free(b2);
  free(buf);
  mp_dsproof_free(p);
  mp_dstree_free(t);
}

static void malformed_trees(void **state) {
  (void)state;
  mp_dstree *t = NULL;
  assert_int_equal(mp_dstree_new("tree", MP_DSFMT_LINES, LEAVES[0], 10, 1, &t, NULL), 0);
  size_t len = MP_DSTREE_HEADER + 4 + 10 * 32;
  uint8_t *good = malloc(len);
  memcpy(good, t->buf, len);
  mp_dstree_free(t);
  mp_err e;
  struct { size_t off; uint8_t val; int code; const char *why; } bad[] = {
      {0, 'X', MP_EPARSE, "not an mlprov tree"},    {4, 2, MP_EUNSUPPORTED, "version"},
      {5, 7, MP_EPARSE, "malformed"},               {7, 4, MP_EPARSE, "malformed"},  /* no name */
      {15, 10, MP_EPARSE, "malformed"},             {22, 1, MP_EPARSE, "malformed"}, /* N = 0; M > N */
      {MP_DSTREE_HEADER + 4 + 5, 1, MP_EPARSE, "corrupt"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t *b = malloc(len);
    memcpy(b, good, len);
    b[bad[i].off] ^= bad[i].val;
    assert_int_equal(mp_dstree_parse("t", b, len, 1, &t, &e), bad[i].code);
    assert_non_null(strstr(e.msg, bad[i].why));
  }
  uint8_t *b = malloc(len);
  memcpy(b, good, len);
  assert_int_equal(mp_dstree_parse("t", b, len - 1, 1, &t, &e), MP_EPARSE);
  /* a wrong sorted root in the header is found when a non-inclusion proof needs it */
  b = malloc(len);
  memcpy(b, good, len);
  b[60] ^= 1;
  assert_int_equal(mp_dstree_parse("t", b, len, 1, &t, NULL), 0);
  mp_dsproof *p = NULL;
  uint8_t absent[32] = {0};
  assert_int_equal(mp_dsproof_make(t, absent, &p, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "corrupt"));
  mp_dstree_free(t);
  free(good);
}

/* Statements that do not commit to the dataset, or commit malformed values. */
static void claims(void **state) {
  (void)state;
  mp_dstree *t = NULL;
  assert_int_equal(mp_dstree_new("claims", MP_DSFMT_LINES, LEAVES[0], 10, 1, &t, NULL), 0);
  mp_dsproof *p = NULL;
  assert_int_equal(mp_dsproof_make(t, LEAVES[3], &p, NULL), 0);
  json_t *st = statement_for(t);
  json_t *subj = json_array_get(json_object_get(st, "subject"), 0), *ann = json_object_get(subj, "annotations");
  mp_err e;
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, NULL), 0);
  json_object_set_new(ann, "recordFormat", json_string("jsonl"));
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "records"));
  json_object_set_new(ann, "recordFormat", json_string("lines"));
  json_object_set_new(ann, "recordsTreeType", json_string("sha3"));
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, &e), MP_EVERIFY);
  json_object_set_new(ann, "recordsTreeType", json_string(MP_DSCLAIM_TREE_TYPE));
  json_object_set_new(ann, "recordsTreeSize", json_string("10"));
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "malformed"));
  json_object_set_new(ann, "recordsTreeSize", json_integer(10));
  json_object_set_new(subj, "name", json_string("other"));
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "\"other\""));
  json_decref(st);
  /* an SLSA provenance without a sorted root can prove inclusion only */
  json_t *rd = mp_rd_new("claims", NULL, NULL, NULL);
  mp_rd_annotate(rd, "kind", json_string("dataset"));
  char hex[65];
  mp_hex_encode(t->commit.root, 32, hex);
  mp_rd_annotate(rd, "recordsMerkleRoot", json_string(hex));
  mp_rd_annotate(rd, "recordsTreeSize", json_integer(10));
  mp_rd_annotate(rd, "recordFormat", json_string("lines"));
  st = json_pack("{s:s, s:s, s:{s:{s:[o]}}}", "_type", "https://in-toto.io/Statement/v1", "predicateType",
                 "https://slsa.dev/provenance/v1", "predicate", "buildDefinition", "resolvedDependencies", rd);
  assert_int_equal(mp_dsclaim_verify(st, p, LEAVES[3], NULL, NULL), 0);
  mp_dsproof *q = NULL;
  uint8_t absent[32] = {0};
  assert_int_equal(mp_dsproof_make(t, absent, &q, NULL), 0);
  assert_int_equal(mp_dsclaim_verify(st, q, absent, NULL, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "recordsSortedMerkleRoot"));
  json_decref(st);
  mp_dsproof_free(q);
  mp_dsproof_free(p);
  mp_dstree_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_size_every_record_every_gap),
      cmocka_unit_test(every_bit_flip_refused),
      cmocka_unit_test(forged_absence_refused),
      cmocka_unit_test(duplicates),
      cmocka_unit_test(malformed_proofs),
      cmocka_unit_test(malformed_trees),
      cmocka_unit_test(claims),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
