/* filequeue.c — see filequeue.h. Events are front-coded, as in a sorted
 * dictionary: each stores how many leading bytes its path shares with the
 * path before it and only the rest. Paths that arrive together mostly share a
 * directory, so a queued event takes a few bytes, not the whole path: memory
 * that is cheap to keep and cheap to touch (every new page costs a fault).
 *
 * An item is three varints — shared prefix length, (suffix length << 1 |
 * written), encoded size — then the suffix; items never straddle blocks. A
 * FileBatch's paths, front-coded already (filebatch.h), are kept as they
 * came in one item: shared length 0, their length << 1, encoded size 0 (no
 * event encodes to 0 bytes), then the bytes; its last path is the one the
 * next item is front-coded against. */
#include "filequeue.h"

#include <stdlib.h>
#include <string.h>

#include "filebatch.h"
#include "varint.h"

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
  mp_filebatch_iter batch;      /* reads a batch item when the queue is applied */
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

/* Reads back a varint this queue wrote (within end). */
static uint64_t get_varint(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  (void)mp_varint_get(p, end, MP_VARINT_MAX, &v);
  return v;
}

/* Room for need bytes in the last block: 0, or -1 when memory ran out. */
static int reserve(mp_fileq *q, size_t need) {
  if (q->tail && BLOCK - sizeof(block) - q->tail->used >= need) return 0;
  block *b = malloc(BLOCK);
  if (!b) return -1;
  b->next = NULL;
  b->used = 0;
  if (q->tail) q->tail->next = b;
  else q->head = b;
  q->tail = b;
  q->blocks++;
  return 0;
}

int mp_fileq_add_batch(mp_fileq *q, const uint8_t *paths, size_t len, size_t count, const char *last,
                       size_t last_len) {
  if (!len || last_len > PATH_MAX_LEN || 3 * 5 + len > BLOCK - sizeof(block) || reserve(q, 3 * 5 + len) != 0)
    return -1;
  uint8_t *p = q->tail->data + q->tail->used, *start = p;
  p += mp_varint_put(p, 0);
  p += mp_varint_put(p, (uint64_t)len << 1);
  p += mp_varint_put(p, 0);
  memcpy(p, paths, len);
  p += len;
  q->tail->used += (size_t)(p - start);
  memcpy(q->last, last, last_len);
  q->last_len = last_len;
  q->n += count;
  return 0;
}

int mp_fileq_add(mp_fileq *q, int written, const char *path, size_t len, size_t rawlen) {
  if (len > PATH_MAX_LEN || rawlen == 0 || rawlen > UINT32_MAX) return -1;
  size_t shared = mp_shared_prefix(path, q->last, len < q->last_len ? len : q->last_len);
  if (reserve(q, 3 * 5 + len - shared) != 0) return -1;
  uint8_t *p = q->tail->data + q->tail->used, *start = p;
  p += mp_varint_put(p, shared);
  p += mp_varint_put(p, (uint64_t)(len - shared) << 1 | (written ? 1u : 0u));
  p += mp_varint_put(p, rawlen);
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
      size_t shared = (size_t)get_varint(&p, end);
      uint64_t sw = get_varint(&p, end);
      size_t rawlen = (size_t)get_varint(&p, end), suffix = (size_t)(sw >> 1);
      if (rawlen == 0) { /* a FileBatch's paths */
        mp_filebatch_begin(&q->batch, p, suffix);
        while (mp_filebatch_next(&q->batch) == 1)
          if (mp_record_file(r, q->batch.written, q->batch.path, MP_FILEBATCH_RAWLEN(q->batch.len), e) != 0) failed++;
        p += suffix;
        memcpy(q->last, q->batch.path, q->batch.len); /* what the next item is front-coded against */
        continue;
      }
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
