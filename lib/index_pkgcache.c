/* index_pkgcache.c — the package-id cache of an index writer (index_int.h):
 * package identity (purl, name, version, digest) -> packages.id, so that a
 * record's ~300 dependencies cost a hash lookup each rather than a query.
 *
 * Open addressing with linear probing over entries kept in insertion order;
 * the four strings are hashed in place (no key string is built) and stored
 * once in one arena, so a hit allocates nothing. A slot holds the entry
 * number and 32 bits of its hash, so a probe reads the entry only when those
 * bits match.
 *
 * Invariant that makes forgetting cheap: the table is always exactly what
 * inserting entries 0..n-1 in order into an empty table would give (growing
 * re-inserts in entry order, nothing is ever deleted out of order). An entry
 * probes past occupied slots only, so no older entry's probe sequence crosses
 * a younger entry's slot: removing the youngest entries, youngest first, by
 * emptying their slots leaves a valid table. Ids handed out in a transaction
 * that is rolled back are forgotten that way (mp_pkgcache_truncate).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"

typedef struct entry {
  uint64_t hash;
  int64_t id;
  size_t off;      /* strings in the arena: purl, name, version, digest */
  uint32_t len[4];
} entry;

struct mp_pkgcache {
  entry *ent;
  size_t n, cap, committed;
  char *arena;
  size_t used, acap;
  uint64_t *slot; /* 0: empty; else entry number + 1 | hash bits << 32 */
  size_t mask;    /* slots - 1 (a power of two) */
};

#define INITIAL_SLOTS 1024

mp_pkgcache *mp_pkgcache_new(void) {
  mp_pkgcache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->slot = calloc(INITIAL_SLOTS, sizeof *c->slot);
  if (!c->slot) {
    free(c);
    return NULL;
  }
  c->mask = INITIAL_SLOTS - 1;
  return c;
}

void mp_pkgcache_free(mp_pkgcache *c) {
  if (!c) return;
  free(c->ent);
  free(c->arena);
  free(c->slot);
  free(c);
}

size_t mp_pkgcache_size(const mp_pkgcache *c) { return c->n; }

static uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

/* 8-byte words, a multiply-rotate round each; every string's length goes in
 * too, so ("ab","c") and ("a","bc") differ. Finalised with murmur3's fmix. */
static uint64_t hash_pkg(const char *const s[4], const uint32_t len[4]) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (int k = 0; k < 4; k++) {
    size_t i = 0, n = len[k];
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      memcpy(&w, s[k] + i, 8);
      h = rotl((h ^ w) * 0x87c37b91114253d5ull, 31) * 5 + 0x52dce729;
    }
    uint64_t w = 0;
    memcpy(&w, s[k] + i, n - i);
    h = rotl((h ^ w ^ (uint64_t)n << 56) * 0x4cf5ad432745937full, 33) * 5 + 0x38495ab5;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

static void place(uint64_t *slot, size_t mask, uint64_t hash, size_t e) {
  size_t i = (size_t)hash & mask;
  while (slot[i]) i = (i + 1) & mask;
  slot[i] = (uint64_t)(e + 1) | (hash >> 32) << 32;
}

/* Doubles the table, re-inserting in entry order (see the invariant). */
static int grow_slots(mp_pkgcache *c) {
  size_t nslots = (c->mask + 1) * 2;
  uint64_t *ns = calloc(nslots, sizeof *ns);
  if (!ns) return -1;
  for (size_t e = 0; e < c->n; e++) place(ns, nslots - 1, c->ent[e].hash, e);
  free(c->slot);
  c->slot = ns;
  c->mask = nslots - 1;
  return 0;
}

static int same(const mp_pkgcache *c, const entry *x, const char *const s[4], const uint32_t len[4]) {
  if (memcmp(x->len, len, sizeof x->len)) return 0;
  const char *a = c->arena + x->off;
  for (int k = 0; k < 4; a += len[k], k++)
    if (memcmp(a, s[k], len[k])) return 0;
  return 1;
}

int mp_pkgcache_key(mp_index_pkg *p) {
  const char *s[4] = {p->purl, p->name, p->version, p->digest};
  for (int k = 0; k < 4; k++) {
    size_t l = strlen(s[k]);
    if (l > UINT32_MAX) return -1;
    p->key_len[k] = (uint32_t)l;
  }
  p->key_hash = hash_pkg(s, p->key_len);
  p->keyed = 1;
  return 0;
}

int mp_pkgcache_find_add(mp_pkgcache *c, const mp_index_pkg *p, size_t *entry_no, int *added) {
  mp_index_pkg keyed;
  if (!p->keyed) {
    keyed = *p;
    if (mp_pkgcache_key(&keyed)) return -1;
    p = &keyed;
  }
  const char *s[4] = {p->purl, p->name, p->version, p->digest};
  const uint32_t *len = p->key_len;
  size_t total = (size_t)len[0] + len[1] + len[2] + len[3];
  uint64_t h = p->key_hash;
  uint64_t tag = (h >> 32) << 32;
  size_t i = (size_t)h & c->mask;
  for (; c->slot[i]; i = (i + 1) & c->mask) {
    uint64_t v = c->slot[i];
    if ((v & 0xffffffff00000000ull) != tag) continue;
    size_t e = (size_t)(v & 0xffffffffu) - 1;
    if (c->ent[e].hash == h && same(c, &c->ent[e], s, len)) {
      *entry_no = e;
      *added = 0;
      return 0;
    }
  }
  /* absent: a new entry in the empty slot the probe stopped at; the table
   * doubles first when the entry would fill more than half of it */
  if (c->n >= UINT32_MAX - 1 || mp_index_reserve((void **)&c->ent, &c->cap, c->n + 1, sizeof *c->ent, 256) ||
      mp_index_reserve((void **)&c->arena, &c->acap, c->used + total, 1, 16384))
    return -1;
  if ((c->n + 1) * 2 > c->mask + 1) {
    if (grow_slots(c)) return -1;
    for (i = (size_t)h & c->mask; c->slot[i]; i = (i + 1) & c->mask) {}
  }
  entry *x = &c->ent[c->n];
  x->hash = h;
  x->id = -1;
  x->off = c->used;
  memcpy(x->len, len, sizeof x->len);
  for (int k = 0; k < 4; k++) {
    memcpy(c->arena + c->used, s[k], len[k]);
    c->used += len[k];
  }
  c->slot[i] = (uint64_t)(c->n + 1) | tag;
  *entry_no = c->n++;
  *added = 1;
  return 0;
}

void mp_pkgcache_prefetch(const mp_pkgcache *c, const mp_index_pkg *p, size_t n) {
  /* the first slot each probe reads, then the entry it names: each a miss
   * once the table outgrows the caches, now overlapped rather than taken
   * one after another */
  for (size_t i = 0; i < n; i++)
    if (p[i].keyed) __builtin_prefetch(&c->slot[(size_t)p[i].key_hash & c->mask]);
  for (size_t i = 0; i < n; i++) {
    if (!p[i].keyed) continue;
    uint64_t v = c->slot[(size_t)p[i].key_hash & c->mask];
    if (v && (v >> 32) == (p[i].key_hash >> 32)) {
      const entry *x = &c->ent[(size_t)(v & 0xffffffffu) - 1];
      __builtin_prefetch(x);
      __builtin_prefetch(c->arena + x->off);
    }
  }
}

int64_t mp_pkgcache_id(const mp_pkgcache *c, size_t entry_no) { return c->ent[entry_no].id; }

void mp_pkgcache_set_id(mp_pkgcache *c, size_t entry_no, int64_t id) { c->ent[entry_no].id = id; }

void mp_pkgcache_truncate(mp_pkgcache *c, size_t n) {
  while (c->n > n) {
    entry *x = &c->ent[--c->n];
    size_t i = (size_t)x->hash & c->mask;
    while ((size_t)(c->slot[i] & 0xffffffffu) != c->n + 1) i = (i + 1) & c->mask;
    c->slot[i] = 0;
    c->used = x->off;
  }
  if (c->committed > c->n) c->committed = c->n;
}

void mp_pkgcache_commit(mp_pkgcache *c) { c->committed = c->n; }

void mp_pkgcache_rollback(mp_pkgcache *c) { mp_pkgcache_truncate(c, c->committed); }
