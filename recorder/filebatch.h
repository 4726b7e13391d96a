/* filebatch.h — the front-coded paths of a FileBatch event
 * (schema/event.proto): read one by one, and written again when redaction
 * changed one of them. The LD_PRELOAD hook writes them with its own encoder
 * (hooks/preload/wire.c: no malloc, no link to this library); the tests hold
 * the two to the same bytes. */
#ifndef MP_FILEBATCH_H
#define MP_FILEBATCH_H

#include <stddef.h>
#include <stdint.h>

#define MP_FILEBATCH_PATH_MAX 4095 /* bytes of a path, as a FileRead's */

typedef struct mp_filebatch_iter {
  const uint8_t *p, *end;
  size_t count;                          /* paths read so far */
  int written;                           /* of the current path */
  size_t len;                            /* of the current path */
  char path[MP_FILEBATCH_PATH_MAX + 1];  /* the current path, NUL-terminated */
} mp_filebatch_iter;

/* What one path of a batch counts for in the agent's memory accounting
 * (mp_record_file's rawlen), live and in a replay alike. */
#define MP_FILEBATCH_RAWLEN(pathlen) ((pathlen) + 16)

void mp_filebatch_begin(mp_filebatch_iter *it, const uint8_t *paths, size_t n);
/* 1: the next path is in it->path / it->len / it->written; 0: there is no
 * more; -1: the bytes are not a valid batch (a length past the end, a shared
 * prefix longer than the path before, an empty or too long path, a NUL, a
 * varint not in its shortest form). */
int mp_filebatch_next(mp_filebatch_iter *it);

/* A batch being written (malloc'd). */
typedef struct mp_filebatch_buf {
  uint8_t *data;
  size_t len, cap;
  char prev[MP_FILEBATCH_PATH_MAX + 1];
  size_t prev_len;
} mp_filebatch_buf;

/* Appends a path (1 to MP_FILEBATCH_PATH_MAX bytes, no NUL); -1 when memory
 * ran out. */
int mp_filebatch_put(mp_filebatch_buf *b, int written, const char *path, size_t len);
void mp_filebatch_buf_free(mp_filebatch_buf *b);

#endif
