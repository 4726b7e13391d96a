/* dsrecord.c — see dsrecord.h. Lines are found with memchr in MP_HASH_BUF
 * reads; a line wholly inside one read is hashed in one call, a line that
 * spans reads is hashed incrementally, so memory stays at one buffer however
 * long a line is. Files are read the same way. */
#include "dsrecord.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merkle.h"
#include "modeldir.h"

static const char *const FORMAT_NAMES[MP_DSFMT_COUNT] = {"records", "lines", "files", "jsonl"};

const char *mp_dsformat_name(int f) {
  return f >= 0 && f < MP_DSFMT_COUNT ? FORMAT_NAMES[f] : NULL;
}

int mp_dsformat_parse(const char *s, mp_dsformat *out) {
  for (int i = 0; s && i < MP_DSFMT_COUNT; i++)
    if (strcmp(s, FORMAT_NAMES[i]) == 0) {
      *out = (mp_dsformat)i;
      return 0;
    }
  return -1;
}

static const uint8_t LEAF_PREFIX = 0x00;

/* One read of up to MP_HASH_BUF bytes, retried on EINTR: the byte count
 * (0 at the end), or -1 with e filled. */
static ssize_t read_chunk(int fd, uint8_t *buf, const char *what, const char *path, mp_err *e) {
  for (;;) {
    ssize_t n = read(fd, buf, MP_HASH_BUF);
    if (n >= 0) return n;
    if (errno != EINTR) {
      mp_err_errno(e, MP_EIO, errno, "reading %s%s", what, path);
      return -1;
    }
  }
}

/* --- lines and jsonl ------------------------------------------------------- */

typedef struct line_scan {
  const char *path;
  mp_dsformat fmt;
  mp_sha256_ctx *c;
  mp_dsrec_cb cb;
  void *ctx;
  mp_dsrec_stats *stats;
  uint64_t lineno;       /* of the line being read, from 1 */
  int partial;           /* a line is open (its hash begun) */
  uint64_t partial_len;
  uint8_t *jbuf;         /* jsonl: the open line's bytes */
  size_t jlen, jcap;
} line_scan;

static int jsonl_check(line_scan *s, const uint8_t *line, size_t len, mp_err *e) {
  if (len == 0)
    return mp_err_set(e, MP_EPARSE, "%s line %llu: empty line (a JSON Lines record must be a JSON value)",
                      s->path, (unsigned long long)s->lineno);
  json_error_t je;
  json_t *v = json_loadb((const char *)line, len, JSON_DECODE_ANY, &je);
  if (!v)
    return mp_err_set(e, MP_EPARSE, "%s line %llu: not JSON: %s (column %d)", s->path,
                      (unsigned long long)s->lineno, je.text, je.column);
  json_decref(v);
  return 0;
}

static int emit(line_scan *s, const uint8_t leaf[MP_SHA256_LEN], uint64_t len, mp_err *e) {
  if (s->stats) {
    s->stats->records++;
    s->stats->bytes += len;
    if (len > s->stats->largest) s->stats->largest = len;
  }
  s->lineno++;
  return s->cb(s->ctx, leaf, e);
}

/* A whole line inside one buffer. */
static int line_whole(line_scan *s, const uint8_t *p, size_t len, mp_err *e) {
  if (s->fmt == MP_DSFMT_JSONL) {
    int rc = jsonl_check(s, p, len, e);
    if (rc) return rc;
  }
  uint8_t leaf[MP_SHA256_LEN];
  mp_merkle_leaf_hash_ctx(s->c, p, len, leaf);
  return emit(s, leaf, len, e);
}

/* A piece of a line that spans buffers. */
static int line_piece(line_scan *s, const uint8_t *p, size_t len, mp_err *e) {
  if (!s->partial) {
    mp_sha256_begin(s->c);
    mp_sha256_update(s->c, &LEAF_PREFIX, 1);
    s->partial = 1;
    s->partial_len = 0;
    s->jlen = 0;
  }
  mp_sha256_update(s->c, p, len);
  s->partial_len += len;
  if (s->fmt != MP_DSFMT_JSONL) return 0;
  if (s->jlen + len > MP_DSREC_JSONL_MAX)
    return mp_err_set(e, MP_ELIMIT, "%s line %llu: longer than %u MiB, too long to parse as JSON (use --format lines to commit it as text)",
                      s->path, (unsigned long long)s->lineno, MP_DSREC_JSONL_MAX >> 20);
  if (s->jlen + len > s->jcap) {
    size_t ncap = s->jcap ? s->jcap : 65536;
    while (ncap < s->jlen + len) ncap *= 2;
    uint8_t *nb = realloc(s->jbuf, ncap);
    if (!nb) return mp_err_set(e, MP_ENOMEM, "out of memory reading %s", s->path);
    s->jbuf = nb;
    s->jcap = ncap;
  }
  memcpy(s->jbuf + s->jlen, p, len);
  s->jlen += len;
  return 0;
}

static int line_finish(line_scan *s, mp_err *e) {
  s->partial = 0;
  if (s->fmt == MP_DSFMT_JSONL) {
    int rc = jsonl_check(s, s->jbuf, s->jlen, e);
    if (rc) return rc;
  }
  uint8_t leaf[MP_SHA256_LEN];
  mp_sha256_end(s->c, leaf);
  return emit(s, leaf, s->partial_len, e);
}

static int scan_lines(int fd, line_scan *s, uint8_t *buf, mp_err *e) {
  for (;;) {
    ssize_t n = read_chunk(fd, buf, "", s->path, e);
    if (n < 0) return e ? e->code : MP_EIO;
    if (n == 0) break;
    const uint8_t *p = buf, *end = buf + n;
    while (p < end) {
      const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
      int rc;
      if (nl && !s->partial) {
        rc = line_whole(s, p, (size_t)(nl - p), e);
      } else {
        rc = line_piece(s, p, (size_t)((nl ? nl : end) - p), e);
        if (rc == 0 && nl) rc = line_finish(s, e);
      }
      if (rc) return rc;
      p = nl ? nl + 1 : end;
    }
  }
  return s->partial ? line_finish(s, e) : 0;
}

/* --- files ------------------------------------------------------------------ */

/* Streams one file into a leaf hash; a file that changes meanwhile is an
 * error (the record would not be the one on disk). */
static int leaf_of_regular(mp_sha256_ctx *c, const char *path, uint8_t *buf, uint8_t leaf[MP_SHA256_LEN],
                           uint64_t *size, mp_err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening %s", path);
  struct stat before, after;
  if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    close(fd);
    return mp_err_set(e, MP_EIO, "%s: not a regular file", path);
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  mp_sha256_begin(c);
  mp_sha256_update(c, &LEAF_PREFIX, 1);
  uint64_t total = 0;
  int rc = 0;
  for (;;) {
    ssize_t n = read_chunk(fd, buf, "", path, e);
    if (n < 0) {
      rc = MP_EIO;
      break;
    }
    if (n == 0) break;
    mp_sha256_update(c, buf, (size_t)n);
    total += (uint64_t)n;
  }
  if (rc == 0 && (fstat(fd, &after) != 0 || after.st_size != before.st_size ||
                  (uint64_t)after.st_size != total || after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
                  after.st_mtim.tv_nsec != before.st_mtim.tv_nsec))
    rc = mp_err_set(e, MP_EIO, "%s changed while it was being hashed", path);
  close(fd);
  if (rc) return rc;
  mp_sha256_end(c, leaf);
  *size = total;
  return 0;
}

static int scan_files(const char *path, mp_sha256_ctx *c, uint8_t *buf, mp_dsrec_cb cb, void *ctx,
                      mp_dsrec_stats *stats, mp_err *e) {
  mp_model *m = NULL;
  mp_model_opts mo = {0};
  int rc = mp_model_scan(path, &mo, &m, e);
  if (rc) return rc;
  for (size_t i = 0; rc == 0 && i < m->nfiles; i++) {
    uint8_t leaf[MP_SHA256_LEN];
    uint64_t size = 0;
    rc = leaf_of_regular(c, m->files[i].path, buf, leaf, &size, e);
    if (rc == 0 && stats) {
      stats->records++;
      stats->bytes += size;
      if (size > stats->largest) stats->largest = size;
    }
    if (rc == 0) rc = cb(ctx, leaf, e);
  }
  mp_model_free(m);
  return rc;
}

int mp_dsrec_scan(const char *path, mp_dsformat fmt, mp_dsrec_cb cb, void *ctx,
                  mp_dsrec_stats *stats, mp_err *e) {
  if (fmt != MP_DSFMT_LINES && fmt != MP_DSFMT_JSONL && fmt != MP_DSFMT_FILES)
    return mp_err_set(e, MP_EUSAGE, "records of format %s cannot be read from files",
                      mp_dsformat_name(fmt) ? mp_dsformat_name(fmt) : "?");
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  uint8_t *buf = malloc(MP_HASH_BUF);
  int rc = 0;
  if (!c || !buf) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  } else if (fmt == MP_DSFMT_FILES) {
    if (strcmp(path, "-") == 0) rc = mp_err_set(e, MP_EUSAGE, "--format files reads files, not standard input");
    else rc = scan_files(path, c, buf, cb, ctx, stats, e);
  } else {
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
      rc = mp_err_errno(e, MP_EIO, errno, "opening %s", path);
    } else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      rc = mp_err_set(e, MP_EUSAGE, "%s is a directory: --format %s reads a file (use --format files for a directory of records)",
                      path, mp_dsformat_name(fmt));
    } else {
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      line_scan s = {.path = path, .fmt = fmt, .c = c, .cb = cb, .ctx = ctx, .stats = stats, .lineno = 1};
      rc = scan_lines(fd, &s, buf, e);
      free(s.jbuf);
    }
    if (fd > STDIN_FILENO) close(fd);
  }
  free(buf);
  mp_sha256_ctx_free(c);
  return rc;
}

/* --- one record from a file -------------------------------------------------- */

int mp_dsrec_leaf_of_file(const char *path, mp_dsformat fmt, uint8_t leaf[MP_SHA256_LEN],
                          uint64_t *size, mp_err *e) {
  int stdin_ = strcmp(path, "-") == 0;
  int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening record %s", path);
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (!stdin_) close(fd);
    return mp_err_set(e, MP_EUSAGE, "record %s is a directory; a record is one file", path);
  }
  int one_line = fmt == MP_DSFMT_LINES || fmt == MP_DSFMT_JSONL;
  mp_sha256_ctx *c = mp_sha256_ctx_new();
  uint8_t *buf = malloc(MP_HASH_BUF);
  int rc = 0;
  if (!c || !buf) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto out;
  }
  mp_sha256_begin(c);
  mp_sha256_update(c, &LEAF_PREFIX, 1);
  /* The last byte is held back: a "\n" there ends the line and is not hashed. */
  int held = 0;
  uint8_t last = 0;
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read_chunk(fd, buf, "record ", path, e);
    if (n < 0) {
      rc = MP_EIO;
      goto out;
    }
    if (n == 0) break;
    if (held) {
      if (one_line && last == '\n') goto multiline;
      mp_sha256_update(c, &last, 1);
      total++;
    }
    if (one_line && n > 1 && memchr(buf, '\n', (size_t)n - 1)) goto multiline;
    mp_sha256_update(c, buf, (size_t)n - 1);
    total += (uint64_t)n - 1;
    last = buf[n - 1];
    held = 1;
  }
  if (held && !(one_line && last == '\n')) {
    mp_sha256_update(c, &last, 1);
    total++;
  }
  mp_sha256_end(c, leaf);
  if (size) *size = total;
  goto out;
multiline:
  rc = mp_err_set(e, MP_EUSAGE, "record %s holds more than one line; a record of a %s dataset is one line (its trailing newline optional)",
                  path, mp_dsformat_name(fmt));
out:
  free(buf);
  mp_sha256_ctx_free(c);
  if (!stdin_) close(fd);
  return rc;
}
