/* filequeue.c — see filequeue.h. Events are front-coded, as in a sorted
 * dictionary: each stores how many leading bytes its path shares with the
 * path before it and only the rest. Paths that arrive together mostly share a
 * directory, so a queued event takes a few bytes, not the whole path: memory
 * that is cheap to keep and cheap to touch (every new page costs a fault).
 *
 * An item is three varints — shared prefix length, (suffix length << 1 |
 * written), encoded size — then the suffix; items never straddle blocks. */
#include "filequeue.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK MP_FILEQ_BLOCK
#define PATH_MAX_LEN 65535 /* longer paths are refused (the agent applies them at once) */

typedef struct block {
  struct block *next;
  size_t used;
  uint8_t data[];
} block;

struct mp_fileq {
  block *head, *tail;
  size_t n;
  size_t blocks;
  size_t last_len;
  char last[PATH_MAX_LEN + 1];  /* the path of the last item queued */
};

mp_fileq *mp_fileq_new(void) { return calloc(1, sizeof(mp_fileq)); }

static void free_blocks(mp_fileq *q) {
  for (block *b = q->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  q->head = q->tail = NULL;
  q->n = q->blocks = 0;
  q->last_len = 0;
}

void mp_fileq_free(mp_fileq *q) {
  if (!q) return;
  free_blocks(q);
  free(q);
}

size_t mp_fileq_count(const mp_fileq *q) { return q ? q->n : 0; }

size_t mp_fileq_mem(const mp_fileq *q) { return q ? q->blocks * BLOCK : 0; }

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) p[n++] = (uint8_t)(v | 0x80);
  p[n++] = (uint8_t)v;
  return n;
}

static uint64_t get_varint(const uint8_t **p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

int mp_fileq_add(mp_fileq *q, int written, const char *path, size_t len, size_t rawlen) {
  if (len > PATH_MAX_LEN || rawlen > UINT32_MAX) return -1;
  size_t shared = 0, max = len < q->last_len ? len : q->last_len;
  while (shared + 8 <= max && memcmp(path + shared, q->last + shared, 8) == 0) shared += 8;
  while (shared < max && path[shared] == q->last[shared]) shared++;
  size_t need = 3 * 5 + len - shared;
  if (!q->tail || BLOCK - sizeof(block) - q->tail->used < need) {
    block *b = malloc(BLOCK);
    if (!b) return -1;
    b->next = NULL;
    b->used = 0;
    if (q->tail) q->tail->next = b;
    else q->head = b;
    q->tail = b;
    q->blocks++;
  }
  uint8_t *p = q->tail->data + q->tail->used, *start = p;
  p += put_varint(p, shared);
  p += put_varint(p, (uint64_t)(len - shared) << 1 | (written ? 1u : 0u));
  p += put_varint(p, rawlen);
  memcpy(p, path + shared, len - shared);
  p += len - shared;
  q->tail->used += (size_t)(p - start);
  memcpy(q->last + shared, path + shared, len - shared);
  q->last_len = len;
  q->n++;
  return 0;
}

uint64_t mp_fileq_apply(mp_fileq *q, mp_record *r, mp_err *e) {
  if (!q || !q->n) return 0;
  uint64_t failed = 0;
  size_t len = 0;
  for (block *b = q->head; b; b = b->next)
    for (const uint8_t *p = b->data, *end = b->data + b->used; p < end;) {
      size_t shared = (size_t)get_varint(&p);
      uint64_t sw = get_varint(&p);
      size_t rawlen = (size_t)get_varint(&p), suffix = (size_t)(sw >> 1);
      /* q->last is rebuilt item by item: each shares a prefix with the one before */
      memcpy(q->last + shared, p, suffix);
      p += suffix;
      len = shared + suffix;
      q->last[len] = '\0';
      if (mp_record_file(r, (int)(sw & 1), q->last, rawlen, e) != 0) failed++;
    }
  free_blocks(q);
  return failed;
}
