/* filequeue.c — see filequeue.h. An event is stored as a 12-byte header
 * (path length, written flag, encoded size) and the path with its NUL,
 * padded to 4 bytes, in the last of a list of blocks. */
#include "filequeue.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK MP_FILEQ_BLOCK

typedef struct item {
  uint32_t len;           /* path bytes (its NUL follows them) */
  uint32_t written;
  uint32_t rawlen;
  char path[];
} item;

typedef struct block {
  struct block *next;
  size_t used;
  _Alignas(item) char data[];
} block;

struct mp_fileq {
  block *head, *tail;
  size_t n;
  size_t blocks;
};

mp_fileq *mp_fileq_new(void) { return calloc(1, sizeof(mp_fileq)); }

static void free_blocks(mp_fileq *q) {
  for (block *b = q->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  q->head = q->tail = NULL;
  q->n = q->blocks = 0;
}

void mp_fileq_free(mp_fileq *q) {
  if (!q) return;
  free_blocks(q);
  free(q);
}

size_t mp_fileq_count(const mp_fileq *q) { return q ? q->n : 0; }

size_t mp_fileq_mem(const mp_fileq *q) { return q ? q->blocks * BLOCK : 0; }

static size_t item_size(size_t len) { return (sizeof(item) + len + 1 + 3) & ~(size_t)3; }

int mp_fileq_add(mp_fileq *q, int written, const char *path, size_t len, size_t rawlen) {
  size_t need = item_size(len);
  if (need > BLOCK - sizeof(block) || rawlen > UINT32_MAX) return -1;
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
  item *it = (item *)(q->tail->data + q->tail->used);
  it->len = (uint32_t)len;
  it->written = !!written;
  it->rawlen = (uint32_t)rawlen;
  memcpy(it->path, path, len);
  it->path[len] = '\0';
  q->tail->used += need;
  q->n++;
  return 0;
}

uint64_t mp_fileq_apply(mp_fileq *q, mp_record *r, mp_err *e) {
  if (!q || !q->n) return 0;
  uint64_t failed = 0;
  for (block *b = q->head; b; b = b->next)
    for (size_t off = 0; off < b->used;) {
      const item *it = (const item *)(b->data + off);
      if (mp_record_file(r, (int)it->written, it->path, it->rawlen, e) != 0) failed++;
      off += item_size(it->len);
    }
  free_blocks(q);
  return failed;
}
