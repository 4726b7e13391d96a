/* fileio.c — see fileio.h. Atomic writes: write to "path.tmp.XXXXXX" in the
 * same directory, fsync, rename over path, fsync the directory. */
#include "fileio.h"

#include "bigmem.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mp_read_file(const char *path, size_t max, uint8_t **out, size_t *outlen, mp_err *e) {
  int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening %s", path);
  size_t cap = 65536, len = 0;
  /* a regular file is read into a buffer of its size: no regrowth copies */
  struct stat sb;
  if (fd != STDIN_FILENO && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
      (uint64_t)sb.st_size < max)
    cap = (size_t)sb.st_size + 1; /* one spare byte so EOF is seen without a regrowth */
  uint8_t *buf = malloc(cap + 1);
  if (!buf) {
    if (fd != STDIN_FILENO) close(fd);
    return mp_err_set(e, MP_ENOMEM, "reading %s: out of memory", path);
  }
  for (;;) {
    if (len == cap) {
      if (cap >= max) {
        free(buf);
        if (fd != STDIN_FILENO) close(fd);
        return mp_err_set(e, MP_ELIMIT, "reading %s: larger than %zu bytes", path, max);
      }
      size_t ncap = cap * 2 > max ? max : cap * 2;
      uint8_t *nb = realloc(buf, ncap + 1);
      if (!nb) {
        free(buf);
        if (fd != STDIN_FILENO) close(fd);
        return mp_err_set(e, MP_ENOMEM, "reading %s: out of memory", path);
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      free(buf);
      if (fd != STDIN_FILENO) close(fd);
      return mp_err_errno(e, MP_EIO, saved, "reading %s", path);
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  if (fd != STDIN_FILENO) close(fd);
  buf[len] = '\0';
  *out = buf;
  *outlen = len;
  return 0;
}

/* A large regular file is read into huge-page memory in one pass; anything
 * else (small, a pipe, "-", one that grows while read) by mp_read_file. */
int mp_file_buf_read(const char *path, size_t max, mp_file_buf *out, mp_err *e) {
  memset(out, 0, sizeof *out);
  struct stat sb;
  int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size >= MP_BIG_MIN &&
      (uint64_t)sb.st_size < max) {
    size_t cap = (size_t)sb.st_size + 1; /* a spare byte: a file that grew is seen */
    size_t big;
    uint8_t *buf = mp_buf_alloc(cap + 1, &big);
    size_t len = 0;
    while (buf && len < cap) {
      ssize_t n = read(fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int saved = errno;
        mp_buf_free(buf, big);
        close(fd);
        return mp_err_errno(e, MP_EIO, saved, "reading %s", path);
      }
      if (n == 0) break;
      len += (size_t)n;
    }
    if (buf && len < cap) {
      close(fd);
      buf[len] = '\0';
      out->data = buf;
      out->len = len;
      out->big = big;
      return 0;
    }
    mp_buf_free(buf, big); /* it grew while read (or no memory): the ordinary way */
  }
  if (fd >= 0) close(fd);
  return mp_read_file(path, max, &out->data, &out->len, e);
}

void mp_file_buf_free(mp_file_buf *b) {
  mp_buf_free(b->data, b->big);
  memset(b, 0, sizeof *b);
}

static int write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int mp_write_file_parts(const char *path, const void *const *parts, const size_t *lens,
                        size_t nparts, mode_t mode, int exclusive, mp_err *e) {
  if (exclusive && access(path, F_OK) == 0)
    return mp_err_set(e, MP_EEXISTS, "writing %s: file exists (refusing to overwrite)", path);
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp) return mp_err_set(e, MP_ENOMEM, "writing %s: out of memory", path);
  snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    free(tmp);
    return mp_err_errno(e, MP_EIO, saved, "writing %s", path);
  }
  int rc = 0, saved = 0;
  if (fchmod(fd, mode) != 0) saved = errno;
  for (size_t i = 0; !saved && i < nparts; i++)
    if (write_all(fd, parts[i], lens[i]) != 0) saved = errno;
  if (!saved && fsync(fd) != 0) saved = errno;
  if (close(fd) != 0 && !saved) saved = errno;
  if (!saved && exclusive) {
    /* link() fails if path appeared meanwhile: no silent overwrite. */
    if (link(tmp, path) != 0) saved = errno;
    unlink(tmp);
  } else if (!saved && rename(tmp, path) != 0) {
    saved = errno;
  }
  if (saved) {
    unlink(tmp);
    rc = saved == EEXIST ? mp_err_set(e, MP_EEXISTS, "writing %s: file exists", path)
                         : mp_err_errno(e, MP_EIO, saved, "writing %s", path);
  } else {
    char *dcopy = strdup(path);
    if (dcopy) {
      int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
      free(dcopy);
    }
  }
  free(tmp);
  return rc;
}

int mp_write_file(const char *path, const void *data, size_t len, mode_t mode, int exclusive,
                  mp_err *e) {
  const void *parts[1] = {data};
  size_t lens[1] = {len};
  return mp_write_file_parts(path, parts, lens, 1, mode, exclusive, e);
}

int mp_file_backup(const char *path, int move, char **backup, mp_err *e) {
  *backup = NULL;
  if (access(path, F_OK) != 0) return 0;
  size_t n = strlen(path) + 24;
  char *b = malloc(n);
  if (!b) return mp_err_set(e, MP_ENOMEM, "out of memory");
  for (unsigned i = 1; i < 100000; i++) {
    snprintf(b, n, "%s.~%u~", path, i);
    if (access(b, F_OK) == 0) continue;
    /* link (+ unlink): never replaces a backup that appeared meanwhile */
    if (link(path, b) != 0) continue;
    if (move && unlink(path) != 0) {
      int saved = errno;
      unlink(b);
      free(b);
      return mp_err_errno(e, MP_EIO, saved, "moving previous %s aside", path);
    }
    *backup = b;
    return 0;
  }
  free(b);
  return mp_err_set(e, MP_EIO, "keeping previous %s: no free backup name", path);
}

/* Normalises "a/./b", "a//b" and trailing slashes so one file has one key. */
char *mp_path_normalize(const char *abs) {
  char *out = malloc(strlen(abs) + 2);
  if (!out) return NULL;
  size_t o = 0;
  for (const char *p = abs; *p;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 1 && p[0] == '.') {
      /* skip */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;
    } else {
      out[o++] = '/';
      memcpy(out + o, p, len);
      o += len;
    }
    p += len;
  }
  if (o == 0) out[o++] = '/';
  out[o] = '\0';
  return out;
}
