/* dsproof.c — see dsproof.h. The parser accepts exactly one encoding of each
 * proof (fixed fields, exact length, path lengths bounded), so that a proof
 * file either parses to the proof it was made as or is refused; verification
 * then decides everything from the trusted size and root. */
#include "dsproof.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"

void mp_dsproof_free(mp_dsproof *p) {
  if (!p) return;
  free(p->name);
  free(p);
}

static int prove_leaf(const uint8_t *leaves, uint64_t n, uint64_t index, unsigned threads,
                      mp_dsproof_leaf *out, mp_err *e) {
  out->index = index;
  memcpy(out->leaf, leaves + index * MP_SHA256_LEN, MP_SHA256_LEN);
  return mp_merkle_inclusion_path(leaves, (size_t)n, index, threads, out->path, &out->pathlen, e);
}

int mp_dsproof_make(mp_dstree *t, const uint8_t record[MP_SHA256_LEN], mp_dsproof **out, mp_err *e) {
  mp_dsproof *p = calloc(1, sizeof *p);
  if (!p || !(p->name = strdup(t->name))) {
    free(p);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  p->format = t->format;
  memcpy(p->record, record, MP_SHA256_LEN);
  uint64_t n = t->commit.size, first = UINT64_MAX;
  for (uint64_t i = 0; i < n; i++)
    if (memcmp(t->leaves + i * MP_SHA256_LEN, record, MP_SHA256_LEN) == 0) {
      if (first == UINT64_MAX) first = i;
      p->occurrences++;
    }
  int rc;
  if (first != UINT64_MAX) {
    p->kind = MP_DSPROOF_INCLUDED;
    p->size = n;
    memcpy(p->root, t->commit.root, MP_SHA256_LEN);
    p->nleaves = 1;
    rc = prove_leaf(t->leaves, n, first, t->threads, &p->leaves[0], e);
  } else if ((rc = mp_dstree_sorted(t, e)) == 0) {
    p->kind = MP_DSPROOF_ABSENT;
    uint64_t m = t->commit.distinct;
    p->size = m;
    memcpy(p->root, t->commit.sorted_root, MP_SHA256_LEN);
    /* lower bound: the first sorted leaf above the record (none equals it) */
    uint64_t lo = 0, hi = m;
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo) / 2;
      if (memcmp(t->sorted + mid * MP_SHA256_LEN, record, MP_SHA256_LEN) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo == 0 || lo == m) {
      p->nleaves = 1;
      rc = prove_leaf(t->sorted, m, lo == 0 ? 0 : m - 1, t->threads, &p->leaves[0], e);
    } else {
      p->nleaves = 2;
      rc = prove_leaf(t->sorted, m, lo - 1, t->threads, &p->leaves[0], e);
      if (rc == 0) rc = prove_leaf(t->sorted, m, lo, t->threads, &p->leaves[1], e);
    }
  }
  if (rc) {
    mp_dsproof_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

int mp_dsproof_encode(const mp_dsproof *p, uint8_t **buf, size_t *len, mp_err *e) {
  size_t nl = p->name ? strlen(p->name) : 0;
  if (nl == 0 || nl > 65535 || p->nleaves < 1 || p->nleaves > 2)
    return mp_err_set(e, MP_EUSAGE, "cannot encode this proof (dataset name of %zu bytes, %zu leaves)", nl, p->nleaves);
  size_t n = 82 + nl;
  for (size_t i = 0; i < p->nleaves; i++) {
    if (p->leaves[i].pathlen > 64) return mp_err_set(e, MP_EUSAGE, "cannot encode a path of %zu hashes", p->leaves[i].pathlen);
    n += 41 + 32 * p->leaves[i].pathlen;
  }
  uint8_t *b = malloc(n), *w = b;
  if (!b) return mp_err_set(e, MP_ENOMEM, "out of memory");
  memcpy(w, MP_DSPROOF_MAGIC, 4);
  w[4] = 1;
  w[5] = (uint8_t)p->kind;
  w[6] = (uint8_t)p->format;
  w[7] = (uint8_t)p->nleaves;
  mp_put_be64(w + 8, p->size);
  memcpy(w + 16, p->root, MP_SHA256_LEN);
  memcpy(w + 48, p->record, MP_SHA256_LEN);
  w[80] = (uint8_t)(nl >> 8);
  w[81] = (uint8_t)nl;
  memcpy(w + 82, p->name, nl);
  w += 82 + nl;
  for (size_t i = 0; i < p->nleaves; i++) {
    const mp_dsproof_leaf *l = &p->leaves[i];
    mp_put_be64(w, l->index);
    memcpy(w + 8, l->leaf, MP_SHA256_LEN);
    w[40] = (uint8_t)l->pathlen;
    memcpy(w + 41, l->path, 32 * l->pathlen);
    w += 41 + 32 * l->pathlen;
  }
  *buf = b;
  *len = n;
  return 0;
}

int mp_dsproof_parse(const uint8_t *buf, size_t len, mp_dsproof **out, mp_err *e) {
  if (len < 82 || memcmp(buf, MP_DSPROOF_MAGIC, 4) != 0)
    return mp_err_set(e, MP_EPARSE, "not an mlprov proof file (no MPRF header)");
  if (buf[4] != 1) return mp_err_set(e, MP_EPARSE, "proof file version %u (this mlprov reads version 1)", buf[4]);
  int kind = buf[5];
  size_t count = buf[7], nl = (size_t)buf[80] << 8 | buf[81];
  if (kind != MP_DSPROOF_INCLUDED && kind != MP_DSPROOF_ABSENT)
    return mp_err_set(e, MP_EPARSE, "proof kind %d is neither 1 (included) nor 2 (not included)", kind);
  if (!mp_dsformat_name(buf[6])) return mp_err_set(e, MP_EPARSE, "unknown record format %u", buf[6]);
  if (count < 1 || count > 2 || (kind == MP_DSPROOF_INCLUDED && count != 1))
    return mp_err_set(e, MP_EPARSE, "%zu leaf entries for a proof of kind %d", count, kind);
  if (nl == 0 || len < 82 + nl || memchr(buf + 82, 0, nl))
    return mp_err_set(e, MP_EPARSE, "malformed dataset name (%zu bytes)", nl);
  uint64_t size = mp_get_be64(buf + 8);
  if (size == 0) return mp_err_set(e, MP_EPARSE, "tree size 0: an empty tree proves nothing");
  mp_dsproof *p = calloc(1, sizeof *p);
  if (!p || !(p->name = strndup((const char *)buf + 82, nl))) {
    free(p);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  p->kind = kind;
  p->format = (mp_dsformat)buf[6];
  p->nleaves = count;
  p->size = size;
  memcpy(p->root, buf + 16, MP_SHA256_LEN);
  memcpy(p->record, buf + 48, MP_SHA256_LEN);
  size_t off = 82 + nl;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < count; i++) {
    mp_dsproof_leaf *l = &p->leaves[i];
    if (len - off < 41) {
      rc = mp_err_set(e, MP_EPARSE, "truncated at leaf entry %zu (byte %zu)", i + 1, off);
      break;
    }
    l->index = mp_get_be64(buf + off);
    memcpy(l->leaf, buf + off + 8, MP_SHA256_LEN);
    l->pathlen = buf[off + 40];
    off += 41;
    if (l->pathlen > 64) rc = mp_err_set(e, MP_EPARSE, "leaf entry %zu: path of %zu hashes (at most 64)", i + 1, l->pathlen);
    else if (len - off < 32 * l->pathlen) rc = mp_err_set(e, MP_EPARSE, "truncated in the path of leaf entry %zu", i + 1);
    else {
      memcpy(l->path, buf + off, 32 * l->pathlen);
      off += 32 * l->pathlen;
    }
  }
  if (rc == 0 && off != len) rc = mp_err_set(e, MP_EPARSE, "%zu unexpected bytes after the proof", len - off);
  if (rc) {
    mp_dsproof_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

static int check_leaf(const mp_dsproof *p, const mp_dsproof_leaf *l, const char *which, mp_err *e) {
  int rc = mp_merkle_verify_inclusion(l->index, p->size, l->leaf, (const mp_hash32 *)l->path, l->pathlen,
                                      p->root, e);
  return rc ? mp_err_prefix(e, "%s (index %llu)", which, (unsigned long long)l->index) : 0;
}

int mp_dsproof_verify(const mp_dsproof *p, const uint8_t record[MP_SHA256_LEN],
                      uint64_t trusted_size, const uint8_t trusted_root[MP_SHA256_LEN], mp_err *e) {
  const char *tree = p->kind == MP_DSPROOF_INCLUDED ? "record tree" : "sorted tree";
  if (memcmp(p->record, record, MP_SHA256_LEN) != 0)
    return mp_err_set(e, MP_EVERIFY, "the proof is about another record (its leaf hash differs from the record's)");
  if (p->size != trusted_size)
    return mp_err_set(e, MP_EVERIFY, "the proof is for a %s of %llu leaves, the signed %s has %llu", tree,
                      (unsigned long long)p->size, tree, (unsigned long long)trusted_size);
  if (memcmp(p->root, trusted_root, MP_SHA256_LEN) != 0)
    return mp_err_set(e, MP_EVERIFY, "the proof is for another %s (its root differs from the signed root)", tree);
  const mp_dsproof_leaf *a = &p->leaves[0], *b = &p->leaves[1];
  if (p->kind == MP_DSPROOF_INCLUDED) {
    if (p->nleaves != 1 || memcmp(a->leaf, record, MP_SHA256_LEN) != 0)
      return mp_err_set(e, MP_EVERIFY, "inclusion proof: the proven leaf is not the record");
    return check_leaf(p, a, "inclusion proof", e);
  }
  if (p->kind != MP_DSPROOF_ABSENT) return mp_err_set(e, MP_EVERIFY, "unknown proof kind %d", p->kind);
  if (p->nleaves == 1) {
    int below = memcmp(record, a->leaf, MP_SHA256_LEN) < 0, above = memcmp(record, a->leaf, MP_SHA256_LEN) > 0;
    /* an edge: the record sorts before the first or after the last leaf */
    if (!((below && a->index == 0) || (above && a->index == p->size - 1)))
      return mp_err_set(e, MP_EVERIFY, "non-inclusion proof: leaf %llu is not an edge of the sorted tree on the record's side",
                        (unsigned long long)a->index);
    return check_leaf(p, a, below ? "non-inclusion proof, first leaf" : "non-inclusion proof, last leaf", e);
  }
  if (p->nleaves != 2) return mp_err_set(e, MP_EVERIFY, "non-inclusion proof with %zu leaves", p->nleaves);
  if (a->index == UINT64_MAX || b->index != a->index + 1)
    return mp_err_set(e, MP_EVERIFY, "non-inclusion proof: leaves %llu and %llu are not adjacent",
                      (unsigned long long)a->index, (unsigned long long)b->index);
  if (!(memcmp(a->leaf, record, MP_SHA256_LEN) < 0 && memcmp(record, b->leaf, MP_SHA256_LEN) < 0))
    return mp_err_set(e, MP_EVERIFY, "non-inclusion proof: the record's hash does not lie strictly between leaves %llu and %llu",
                      (unsigned long long)a->index, (unsigned long long)b->index);
  int rc = check_leaf(p, a, "non-inclusion proof, lower leaf", e);
  return rc ? rc : check_leaf(p, b, "non-inclusion proof, upper leaf", e);
}
