/* fileio.h — whole-file reads with a size limit, and atomic writes that never
 * leave a half-written file where a previous good one was. */
#ifndef MP_FILEIO_H
#define MP_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Reads all of path (at most max bytes) into a malloc'd, NUL-terminated
 * buffer. "-" reads standard input. */
int mp_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen, mp_err *e);

/* The same for a file read, used and released at once: a large regular file
 * goes into huge-page memory (bigmem.h). data is NUL-terminated. */
typedef struct mp_file_buf {
  uint8_t *data;
  size_t len;
  size_t big;  /* mp_big_alloc size, 0: malloc'd */
} mp_file_buf;
int mp_file_buf_read(const char *path, size_t max, mp_file_buf *out, mp_err *e);
void mp_file_buf_free(mp_file_buf *b);
/* Writes data to path via a temporary file in the same directory, fsync and
 * rename. mode applies to the new file. With exclusive, an existing path is
 * an MP_EEXISTS error. */
int mp_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  int exclusive, mp_err *e);
/* Like mp_write_file for several buffers (concatenated). */
int mp_write_file_parts(const char *path, const void *const *parts, const size_t *lens,
                        size_t nparts, mode_t mode, int exclusive, mp_err *e);

/* When path exists, keeps it as PATH.~N~ (the first free N; *backup is that
 * name, malloc'd) — a hard link, so path stays unless move is set, in which
 * case path is then removed. *backup is NULL when there was nothing to keep. */
int mp_file_backup(const char *path, int move, char **backup, mp_err *e);

/* Lexically normalises an absolute path: collapses "//", "." and ".."
 * (malloc'd). Symlinks are not resolved. */
char *mp_path_normalize(const char *abs);

#endif
