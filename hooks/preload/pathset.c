/* pathset.c — see pathset.h. Open addressing with linear probing, grown to
 * twice the size at half load. */
#include "pathset.h"

#include <string.h>
#include <sys/mman.h>

#define INITIAL_CAP 4096

/* FNV-1a 64 and a multiply-rotate hash with another seed: independent enough
 * that the pair behaves as one 128-bit fingerprint. */
static void fingerprint(unsigned kind, const char *key, size_t len, uint64_t out[2]) {
  uint64_t a = 0xcbf29ce484222325ull ^ kind;
  uint64_t b = 0x9e3779b97f4a7c15ull ^ ((uint64_t)kind << 32) ^ len;
  const unsigned char *p = (const unsigned char *)key;
  for (size_t i = 0; i < len; i++) {
    a ^= p[i];
    a *= 0x100000001b3ull;
    b = (b ^ p[i]) * 0xff51afd7ed558ccdull;
    b ^= b >> 29;
  }
  b ^= b >> 33;
  b *= 0xc4ceb9fe1a85ec53ull;
  b ^= b >> 33;
  out[0] = a | 1; /* never {0,0} */
  out[1] = b;
}

static void *map(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void insert(uint64_t *slots, size_t cap, const uint64_t fp[2]) {
  size_t i = (size_t)(fp[1] & (cap - 1));
  while (slots[2 * i] != 0) i = (i + 1) & (cap - 1);
  slots[2 * i] = fp[0];
  slots[2 * i + 1] = fp[1];
}

static int grow(mp_pathset *s) {
  size_t ncap = s->cap ? s->cap * 2 : INITIAL_CAP;
  uint64_t *ns = map(ncap * 2 * sizeof *ns);
  if (!ns) return -1;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[2 * i] != 0) insert(ns, ncap, s->slots + 2 * i);
  if (s->slots) munmap(s->slots, s->cap * 2 * sizeof *s->slots);
  s->slots = ns;
  s->cap = ncap;
  return 0;
}

int mp_pathset_add(mp_pathset *s, unsigned kind, const char *key, size_t len) {
  uint64_t fp[2];
  fingerprint(kind, key, len, fp);
  if (s->cap) {
    size_t i = (size_t)(fp[1] & (s->cap - 1));
    while (s->slots[2 * i] != 0) {
      if (s->slots[2 * i] == fp[0] && s->slots[2 * i + 1] == fp[1]) return 0;
      i = (i + 1) & (s->cap - 1);
    }
  }
  if ((s->n + 1) * 2 > s->cap && grow(s) != 0) return -1;
  insert(s->slots, s->cap, fp);
  s->n++;
  return 1;
}

void mp_pathset_free(mp_pathset *s) {
  if (s->slots) munmap(s->slots, s->cap * 2 * sizeof *s->slots);
  memset(s, 0, sizeof *s);
}
