/* journal.c — see journal.h. The writer keeps, for every frame still in its
 * buffer, where that frame ends and the chain hash after it, so that after a
 * short write it knows exactly which frames reached the file. The reader
 * trusts nothing it has not checked: a header's length only after its CRC,
 * a body only after its chain hash. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "encoding.h"

const char *mp_journal_type_name(unsigned type) {
  switch (type) {
    case MP_JOURNAL_START: return "start";
    case MP_JOURNAL_ACCEPT: return "accept";
    case MP_JOURNAL_HELLO: return "hello";
    case MP_JOURNAL_EVENT: return "event";
    case MP_JOURNAL_INCIDENT: return "incident";
    case MP_JOURNAL_END: return "end";
    case MP_JOURNAL_EVENTS: return "events";
    default: return "unknown";
  }
}

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), a byte at a time:
 * crc32c_table[i] is the CRC register after shifting byte i through it. */
static const uint32_t crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

uint32_t mp_crc32c(const void *data, size_t len) {
  const uint8_t *p = data;
  uint32_t c = 0xFFFFFFFFu;
  while (len--) c = (c >> 8) ^ crc32c_table[(c ^ *p++) & 0xFFu];
  return ~c;
}

int mp_journal_events_next(const uint8_t *body, size_t len, size_t *off, const uint8_t **ev, size_t *evlen) {
  if (*off >= len) return 0;
  if (len - *off < 4) return MP_EPARSE;
  const uint8_t *p = body + *off;
  size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
  if (n > len - *off - 4) return MP_EPARSE;
  *ev = p + 4;
  *evlen = n;
  *off += 4 + n;
  return 1;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

static void file_header(uint8_t h[MP_JOURNAL_FILE_HEADER], uint32_t version) {
  memcpy(h, MP_JOURNAL_MAGIC, 8);
  put32(h + 8, version);
  put32(h + 12, 0);
}

/* H_i from H_{i-1}, the 24 header bytes and the body. */
/* sha: a context kept by the writer or reader (one SHA-256 per frame, on
 * the agent's hot path: no allocation each time). */
static void chain_next(mp_sha256_ctx *sha, const uint8_t prev[MP_SHA256_LEN], const uint8_t *hdr,
                       const uint8_t *body, size_t len, uint8_t out[MP_SHA256_LEN]) {
  uint8_t head[MP_SHA256_LEN + MP_JOURNAL_FRAME_HEADER];
  memcpy(head, prev, MP_SHA256_LEN);
  memcpy(head + MP_SHA256_LEN, hdr, MP_JOURNAL_FRAME_HEADER);
  mp_sha256_ctx_2(sha, head, sizeof head, body, len, out);
}

/* --- writer ------------------------------------------------------------------ */

typedef struct mark {
  size_t end;                     /* offset in buf just after the frame */
  uint8_t chain[MP_SHA256_LEN];
} mark;

struct mp_journal {
  int fd;
  char *path;
  uint8_t *buf;
  size_t len, cap;
  mark *marks;
  size_t nmarks, capmarks;
  uint8_t chain[MP_SHA256_LEN];   /* after the last appended frame */
  mp_sha256_ctx *sha;
  uint64_t appended;
  mp_journal_state st;            /* what is on disk */
  int dir_synced;
  char error[MP_ERR_MSG_MAX];
};

static int reserve(mp_journal *j, size_t more) {
  if (j->len + more <= j->cap) return 0;
  size_t ncap = j->cap ? j->cap : 65536;
  while (ncap < j->len + more) ncap *= 2;
  uint8_t *nb = realloc(j->buf, ncap);
  if (!nb) return -1;
  j->buf = nb;
  j->cap = ncap;
  return 0;
}

int mp_journal_create(const char *path, mp_journal **out, mp_err *e) {
  mp_journal *j = calloc(1, sizeof *j);
  if (!j || !(j->path = strdup(path)) || !(j->sha = mp_sha256_ctx_new())) {
    if (j) free(j->path);
    free(j);
    return mp_err_set(e, MP_ENOMEM, "creating journal %s: out of memory", path);
  }
  j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (j->fd < 0) {
    int saved = errno;
    mp_sha256_ctx_free(j->sha);
    free(j->path);
    free(j);
    return mp_err_errno(e, saved == EEXIST ? MP_EEXISTS : MP_EIO, saved, "creating journal %s", path);
  }
  uint8_t h[MP_JOURNAL_FILE_HEADER];
  file_header(h, MP_JOURNAL_VERSION);
  mp_sha256(h, sizeof h, j->chain);
  memcpy(j->st.chain, j->chain, MP_SHA256_LEN);
  if (reserve(j, sizeof h) != 0) {
    mp_journal_free(j);
    return mp_err_set(e, MP_ENOMEM, "creating journal %s: out of memory", path);
  }
  memcpy(j->buf, h, sizeof h);
  j->len = sizeof h;
  *out = j;
  return 0;
}

int mp_journal_append(mp_journal *j, unsigned type, unsigned flags, uint32_t conn, const void *body,
                      size_t len, mp_err *e) {
  if (j->st.failed) return mp_err_set(e, MP_EIO, "journal %s: %s", j->path, j->error);
  if (len > MP_JOURNAL_BODY_MAX) return mp_err_set(e, MP_ELIMIT, "journal frame of %zu bytes is too large", len);
  if (j->nmarks == j->capmarks) {
    size_t nc = j->capmarks ? j->capmarks * 2 : 256;
    mark *nm = realloc(j->marks, nc * sizeof *nm);
    if (!nm) return mp_err_set(e, MP_ENOMEM, "journal: out of memory");
    j->marks = nm;
    j->capmarks = nc;
  }
  if (reserve(j, MP_JOURNAL_FRAME_HEADER + len + MP_JOURNAL_TRAILER) != 0)
    return mp_err_set(e, MP_ENOMEM, "journal: out of memory");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint8_t *h = j->buf + j->len;
  put32(h, (uint32_t)len);
  h[4] = (uint8_t)type;
  h[5] = (uint8_t)flags;
  h[6] = h[7] = 0;
  put32(h + 8, conn);
  put64(h + 12, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  put32(h + 20, mp_crc32c(h, 20));
  if (len) memcpy(h + MP_JOURNAL_FRAME_HEADER, body, len);
  chain_next(j->sha, j->chain, h, h + MP_JOURNAL_FRAME_HEADER, len, j->chain);
  memcpy(h + MP_JOURNAL_FRAME_HEADER + len, j->chain, MP_JOURNAL_TRAILER);
  j->len += MP_JOURNAL_FRAME_HEADER + len + MP_JOURNAL_TRAILER;
  j->marks[j->nmarks].end = j->len;
  memcpy(j->marks[j->nmarks].chain, j->chain, MP_SHA256_LEN);
  j->nmarks++;
  j->appended++;
  return 0;
}

size_t mp_journal_pending(const mp_journal *j) { return j ? j->len : 0; }

static int fail(mp_journal *j, int errnum, const char *what, mp_err *e) {
  if (!j->st.failed) {
    snprintf(j->error, sizeof j->error, "%s: %s (frames 1..%llu are in the journal, later events are not)", what,
             strerror(errnum), (unsigned long long)j->st.frames);
    j->st.failed = 1;
    j->st.error = j->error;
  }
  return mp_err_set(e, MP_EIO, "journal %s: %s", j->path, j->error);
}

int mp_journal_write(mp_journal *j, mp_err *e) {
  if (j->st.failed) return mp_err_set(e, MP_EIO, "journal %s: %s", j->path, j->error);
  size_t off = 0;
  int errnum = 0;
  while (off < j->len) {
    ssize_t n = write(j->fd, j->buf + off, j->len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errnum = n < 0 ? errno : ENOSPC;
      break;
    }
    off += (size_t)n;
  }
  /* Which frames are completely in the file: the file header (if it was in
   * this buffer) is not a frame but must have been written whole. */
  size_t base = j->st.bytes == 0 ? MP_JOURNAL_FILE_HEADER : 0;
  size_t keep = off >= base ? base : 0;
  size_t done = 0;
  while (done < j->nmarks && j->marks[done].end <= off) done++;
  if (done) {
    keep = j->marks[done - 1].end;
    memcpy(j->st.chain, j->marks[done - 1].chain, MP_SHA256_LEN);
  }
  j->st.frames += done;
  if (errnum == 0) {
    j->st.bytes += off;
    j->len = 0;
    j->nmarks = 0;
    return 0;
  }
  /* Cut the partial frame off so the file ends on a frame boundary; if even
   * that fails the reader drops it as a torn tail. */
  j->st.bytes += keep;
  if (ftruncate(j->fd, (off_t)j->st.bytes) != 0) { /* the torn tail stays; readers drop it */
  }
  j->len = 0;
  j->nmarks = 0;
  return fail(j, errnum, "writing", e);
}

static void sync_dir(mp_journal *j) {
  if (j->dir_synced) return;
  char *copy = strdup(j->path);
  if (!copy) return;
  int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    if (fsync(dfd) == 0) j->dir_synced = 1;
    close(dfd);
  }
  free(copy);
}

int mp_journal_sync(mp_journal *j, mp_err *e) {
  int rc = mp_journal_write(j, e);
  if (rc) return rc;
  uint64_t upto = j->st.bytes;
  if (fdatasync(j->fd) != 0) return fail(j, errno, "syncing", e);
  j->st.synced_bytes = upto;
  sync_dir(j);
  return 0;
}

void mp_journal_sync_done(mp_journal *j, uint64_t upto, int errnum) {
  if (errnum) {
    fail(j, errnum, "syncing", NULL);
    return;
  }
  if (upto > j->st.synced_bytes) j->st.synced_bytes = upto;
  sync_dir(j);
}

int mp_journal_fd(const mp_journal *j) { return j->fd; }
const char *mp_journal_path(const mp_journal *j) { return j->path; }

void mp_journal_get_state(const mp_journal *j, mp_journal_state *st) {
  *st = j->st;
  st->appended = j->appended;
}

void mp_journal_free(mp_journal *j) {
  if (!j) return;
  if (j->fd >= 0) close(j->fd);
  free(j->path);
  free(j->buf);
  free(j->marks);
  mp_sha256_ctx_free(j->sha);
  free(j);
}

/* --- reader ------------------------------------------------------------------ */

struct mp_journal_reader {
  int fd;                  /* -1: memory */
  char *what;
  const uint8_t *mem;      /* memory source, or the buffer below */
  uint8_t *buf;
  size_t pos, end, cap;    /* window [pos, end) of mem/buf */
  uint64_t consumed;       /* file offset of mem[pos] */
  int eof;
  uint8_t chain[MP_SHA256_LEN];
  mp_sha256_ctx *sha;
  uint64_t frames;
  uint64_t torn;
  int started, ended;
  int status;              /* 0 running, 1 done, <0 sticky error */
  char msg[MP_ERR_MSG_MAX];
};

/* Makes at least n bytes available when the source has them; returns the
 * number available (may be less at the end of the file), or -1 on error. */
static long long avail(mp_journal_reader *r, size_t n, int *err) {
  if (r->fd < 0 || r->end - r->pos >= n || r->eof) return (long long)(r->end - r->pos);
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
  }
  while (r->end < n && !r->eof) {
    if (r->end == r->cap) {
      /* grow with the data actually read, never by a claimed length */
      size_t ncap = r->cap * 2;
      uint8_t *nb = realloc(r->buf, ncap);
      if (!nb) {
        *err = ENOMEM;
        return -1;
      }
      r->buf = nb;
      r->cap = ncap;
    }
    ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (got < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return -1;
    }
    if (got == 0) r->eof = 1;
    r->end += (size_t)got;
  }
  r->mem = r->buf;
  return (long long)(r->end - r->pos);
}

static void consume(mp_journal_reader *r, size_t n) {
  r->pos += n;
  r->consumed += n;
}

static int reader_init(mp_journal_reader *r, mp_err *e) {
  int err = 0;
  long long have = avail(r, MP_JOURNAL_FILE_HEADER, &err);
  if (have < 0) return mp_err_errno(e, MP_EIO, err, "reading journal %s", r->what);
  uint8_t want[MP_JOURNAL_FILE_HEADER];
  if (have < 8 || memcmp(r->mem + r->pos, MP_JOURNAL_MAGIC, 8) != 0)
    return mp_err_set(e, MP_EPARSE, "%s: not an mlprov journal (bad magic)", r->what);
  if (have < MP_JOURNAL_FILE_HEADER)
    return mp_err_set(e, MP_EVERIFY, "%s: file header torn (%lld of %d bytes)", r->what, have, MP_JOURNAL_FILE_HEADER);
  uint32_t version = get32(r->mem + r->pos + 8);
  if (version == 0 || version > MP_JOURNAL_VERSION)
    return mp_err_set(e, version > MP_JOURNAL_VERSION ? MP_EUNSUPPORTED : MP_EVERIFY,
                      "%s: journal format version %u (this mlprov reads versions 1 to %d)", r->what, version,
                      MP_JOURNAL_VERSION);
  file_header(want, version);
  if (memcmp(r->mem + r->pos, want, MP_JOURNAL_FILE_HEADER) != 0)
    return mp_err_set(e, MP_EVERIFY, "%s: file header damaged (reserved bytes are not zero)", r->what);
  mp_sha256(want, sizeof want, r->chain);
  consume(r, MP_JOURNAL_FILE_HEADER);
  return 0;
}

int mp_journal_reader_mem(const uint8_t *data, size_t len, mp_journal_reader **out, mp_err *e) {
  mp_journal_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->what = strdup("journal")) || !(r->sha = mp_sha256_ctx_new())) {
    if (r) free(r->what);
    free(r);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  r->fd = -1;
  r->mem = data;
  r->end = len;
  r->eof = 1;
  int rc = reader_init(r, e);
  if (rc) {
    mp_journal_reader_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

int mp_journal_reader_open(const char *path, mp_journal_reader **out, mp_err *e) {
  mp_journal_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->what = strdup(path)) || !(r->buf = malloc(1u << 20)) || !(r->sha = mp_sha256_ctx_new())) {
    if (r) free(r->what), free(r->buf);
    free(r);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  r->cap = 1u << 20;
  r->mem = r->buf;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    int saved = errno;
    mp_journal_reader_free(r);
    return mp_err_errno(e, saved == ENOENT ? MP_ENOTFOUND : MP_EIO, saved, "opening journal %s", path);
  }
  int rc = reader_init(r, e);
  if (rc) {
    mp_journal_reader_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void mp_journal_reader_free(mp_journal_reader *r) {
  if (!r) return;
  if (r->fd >= 0) close(r->fd);
  free(r->buf);
  free(r->what);
  mp_sha256_ctx_free(r->sha);
  free(r);
}

static int sticky(mp_journal_reader *r, int rc, mp_err *e) {
  r->status = rc;
  if (rc < 0) {
    if (e) {
      e->code = rc;
      memcpy(e->msg, r->msg, sizeof e->msg);
    }
  }
  return rc;
}

static int damage(mp_journal_reader *r, uint64_t offset, const char *fmt, const char *detail) {
  snprintf(r->msg, sizeof r->msg, "%s: frame %llu (offset %llu) %s%s", r->what,
           (unsigned long long)r->frames + 1, (unsigned long long)offset, fmt, detail ? detail : "");
  return MP_EVERIFY;
}

/* 1 when everything from the window position to the end of the file is zero. */
static int rest_is_zero(mp_journal_reader *r, uint64_t *count, int *err) {
  *count = 0;
  for (;;) {
    long long have = avail(r, r->fd < 0 ? 1 : r->cap / 2, err);
    if (have < 0) return -1;
    if (have == 0) return 1;
    for (long long i = 0; i < have; i++)
      if (r->mem[r->pos + (size_t)i]) return 0;
    *count += (uint64_t)have;
    consume(r, (size_t)have);
  }
}

int mp_journal_next(mp_journal_reader *r, mp_journal_frame *f, mp_err *e) {
  if (r->status) {
    if (r->status < 0 && e) {
      e->code = r->status;
      memcpy(e->msg, r->msg, sizeof e->msg);
    }
    return r->status < 0 ? r->status : 0;
  }
  int err = 0;
  uint64_t offset = r->consumed;
  long long have = avail(r, MP_JOURNAL_FRAME_HEADER, &err);
  if (have < 0) goto ioerr;
  if (have == 0) {
    r->status = 1;
    return 0;
  }
  if (have < MP_JOURNAL_FRAME_HEADER) {
    r->torn = (uint64_t)have;
    r->status = 1;
    return 0;
  }
  const uint8_t *h = r->mem + r->pos;
  if (get32(h + 20) != mp_crc32c(h, 20)) {
    uint64_t zeros = 0;
    int z = rest_is_zero(r, &zeros, &err);
    if (z < 0) goto ioerr;
    if (z == 1) {
      r->torn = zeros;
      r->status = 1;
      return 0;
    }
    return sticky(r, damage(r, offset, "header checksum mismatch (damaged; not a torn tail)", NULL), e);
  }
  uint32_t len = get32(h);
  if (len > MP_JOURNAL_BODY_MAX || h[6] || h[7])
    return sticky(r, damage(r, offset, "header is malformed", NULL), e);
  size_t total = MP_JOURNAL_FRAME_HEADER + (size_t)len + MP_JOURNAL_TRAILER;
  have = avail(r, total, &err);
  if (have < 0) goto ioerr;
  if ((size_t)have < total) {
    /* The header checked, so the writer meant this length: the file ends
     * inside the frame, which is what a crash mid-write leaves. */
    r->torn = (uint64_t)have;
    consume(r, (size_t)have);
    r->status = 1;
    return 0;
  }
  h = r->mem + r->pos;
  uint8_t chain[MP_SHA256_LEN];
  chain_next(r->sha, r->chain, h, h + MP_JOURNAL_FRAME_HEADER, len, chain);
  if (memcmp(chain, h + MP_JOURNAL_FRAME_HEADER + len, MP_SHA256_LEN) != 0)
    return sticky(r, damage(r, offset, "chain hash mismatch: the frame, or one before it, was altered, removed or reordered",
                            NULL), e);
  unsigned type = h[4];
  if (r->frames == 0 && type != MP_JOURNAL_START)
    return sticky(r, damage(r, offset, "is not a start record: ", mp_journal_type_name(type)), e);
  if (r->frames > 0 && type == MP_JOURNAL_START)
    return sticky(r, damage(r, offset, "is a second start record", NULL), e);
  if (r->ended) return sticky(r, damage(r, offset, "follows the end record", NULL), e);
  f->index = ++r->frames;
  f->offset = offset;
  f->type = type;
  f->flags = h[5];
  f->conn = get32(h + 8);
  f->time_ns = get64(h + 12);
  f->body = h + MP_JOURNAL_FRAME_HEADER;
  f->len = len;
  memcpy(f->chain, chain, MP_SHA256_LEN);
  memcpy(r->chain, chain, MP_SHA256_LEN);
  if (type == MP_JOURNAL_END) r->ended = 1;
  consume(r, total);
  return 1;
ioerr:
  snprintf(r->msg, sizeof r->msg, "reading journal %s: %s", r->what, strerror(err));
  return sticky(r, MP_EIO, e);
}

uint64_t mp_journal_torn_bytes(const mp_journal_reader *r) { return r->torn; }
uint64_t mp_journal_frames(const mp_journal_reader *r) { return r->frames; }
const uint8_t *mp_journal_chain(const mp_journal_reader *r) { return r->chain; }
int mp_journal_ended(const mp_journal_reader *r) { return r->ended; }
