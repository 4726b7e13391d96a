/* wire.c — see wire.h. Each message is written by one function taking a
 * writer that either stores bytes or, with no buffer, only counts them: the
 * counting pass gives the length prefix of every nested message. */
#include "wire.h"

#include <stdio.h>
#include <string.h>

#include "varint.h"

#define WT_VARINT 0
#define WT_LEN 2

typedef struct wr {
  uint8_t *p;   /* NULL: count only */
  size_t n, cap;
  int full;
} wr;

static void put(wr *w, const void *src, size_t len) {
  if (w->p) {
    if (w->n + len > w->cap) {
      w->full = 1;
      return;
    }
    memcpy(w->p + w->n, src, len);
  }
  w->n += len;
}

static void varint(wr *w, uint64_t v) {
  uint8_t b[MP_VARINT_MAX];
  put(w, b, mp_varint_put(b, v));
}

static void tag(wr *w, unsigned field, unsigned type) { varint(w, (uint64_t)field << 3 | type); }

static void u64_field(wr *w, unsigned field, uint64_t v) {
  if (!v) return;
  tag(w, field, WT_VARINT);
  varint(w, v);
}

/* int32 and int64 negatives are sign-extended to 64 bits (10 bytes). */
static void i64_field(wr *w, unsigned field, int64_t v) { u64_field(w, field, (uint64_t)v); }

static void bytes_field(wr *w, unsigned field, const char *s, size_t len, int keep_empty) {
  if (!len && !keep_empty) return;
  tag(w, field, WT_LEN);
  varint(w, len);
  put(w, s, len);
}

static void str_field(wr *w, unsigned field, const char *s) {
  if (s) bytes_field(w, field, s, strlen(s), 0);
}

typedef void (*body_fn)(wr *w, const void *arg);

/* A nested message: tag, length (from a counting pass), body. */
static void msg_field(wr *w, unsigned field, body_fn body, const void *arg) {
  wr c = {0};
  body(&c, arg);
  tag(w, field, WT_LEN);
  varint(w, c.n);
  body(w, arg);
}

/* Writes the 4-byte header in front of a body written by fn. */
static size_t frame(uint8_t *out, size_t cap, body_fn fn, const void *arg) {
  if (cap < 4) return 0;
  wr w = {.p = out + 4, .cap = cap - 4};
  fn(&w, arg);
  if (w.full || w.n > UINT32_MAX) return 0;
  out[0] = (uint8_t)(w.n >> 24);
  out[1] = (uint8_t)(w.n >> 16);
  out[2] = (uint8_t)(w.n >> 8);
  out[3] = (uint8_t)w.n;
  return w.n + 4;
}

/* --- Hello ----------------------------------------------------------------- */

typedef struct hello_args {
  int64_t pid;
  int kind;
  const char *version;
  const mp_wire_rank *rank;
} hello_args;

static void rank_body(wr *w, const void *arg) {
  const mp_wire_rank *r = arg;
  i64_field(w, 1, r->rank);
  i64_field(w, 2, r->local_rank);
  i64_field(w, 3, r->world_size);
  str_field(w, 4, r->node);
  str_field(w, 5, r->job_id);
}

static void hello_body(wr *w, const void *arg) {
  const hello_args *h = arg;
  u64_field(w, 1, 1); /* protocol_version */
  i64_field(w, 2, h->pid);
  i64_field(w, 3, h->kind);
  str_field(w, 4, h->version);
  if (h->rank) msg_field(w, 5, rank_body, h->rank);
}

size_t mp_wire_hello(uint8_t *out, size_t cap, int64_t pid, int hook_kind, const char *version,
                     const mp_wire_rank *rank) {
  hello_args h = {pid, hook_kind, version, rank};
  return frame(out, cap, hello_body, &h);
}

/* --- Events ---------------------------------------------------------------- */

typedef struct event_args {
  uint64_t seq;
  const struct timespec *t;
  unsigned kind_field;
  body_fn kind_body;
  const void *kind_arg;
} event_args;

static void time_body(wr *w, const void *arg) {
  const struct timespec *t = arg;
  i64_field(w, 1, (int64_t)t->tv_sec);
  i64_field(w, 2, (int64_t)t->tv_nsec);
}

static void event_body(wr *w, const void *arg) {
  const event_args *ev = arg;
  u64_field(w, 1, ev->seq);
  if (ev->t) msg_field(w, 2, time_body, ev->t);
  msg_field(w, ev->kind_field, ev->kind_body, ev->kind_arg);
}

/* --- FileBatch --------------------------------------------------------------
 * The header (frame length, seq, time, the kind's tag and length, the paths'
 * tag and length) depends on the length of the paths, which grows as paths
 * are appended; the paths are therefore written MP_WIRE_BATCH_HEAD_MAX bytes
 * into the frame's space and moved down under the header once, when the
 * batch is closed. */

size_t mp_wire_batch_entry(uint8_t *out, size_t cap, int written, const char *prev, size_t prev_len,
                           const char *path, size_t len, size_t *shared_out) {
  size_t shared = mp_shared_prefix(prev, path, prev_len < len ? prev_len : len);
  uint64_t head = (uint64_t)shared << 1 | (written ? 1 : 0);
  size_t rest = len - shared, n = mp_varint_len(head) + mp_varint_len(rest) + rest;
  if (n > cap) return 0;
  if (shared_out) *shared_out = shared;
  uint8_t *p = out + mp_varint_put(out, head);
  p += mp_varint_put(p, rest);
  memcpy(p, path + shared, rest);
  return n;
}

size_t mp_wire_batch_frame(uint8_t *frame, size_t paths_len, uint64_t seq, const struct timespec *t) {
  uint64_t sec = (uint64_t)(int64_t)t->tv_sec, nsec = (uint64_t)(int64_t)t->tv_nsec;
  size_t time_len = (sec ? 1 + mp_varint_len(sec) : 0) + (nsec ? 1 + mp_varint_len(nsec) : 0);
  size_t batch_len = paths_len ? 1 + mp_varint_len(paths_len) + paths_len : 0;
  size_t body = (seq ? 1 + mp_varint_len(seq) : 0) + 1 + mp_varint_len(time_len) + time_len + 2 +
                mp_varint_len(batch_len) + batch_len;
  uint8_t head[MP_WIRE_BATCH_HEAD_MAX], *p = head;
  *p++ = (uint8_t)(body >> 24);
  *p++ = (uint8_t)(body >> 16);
  *p++ = (uint8_t)(body >> 8);
  *p++ = (uint8_t)body;
  /* written straight into place (the generic writer above takes two passes
   * over every nested message): batches are most of what the hook sends */
  if (seq) {
    *p++ = 1 << 3 | WT_VARINT;
    p += mp_varint_put(p, seq);
  }
  *p++ = 2 << 3 | WT_LEN;
  p += mp_varint_put(p, time_len);
  if (sec) {
    *p++ = 1 << 3 | WT_VARINT;
    p += mp_varint_put(p, sec);
  }
  if (nsec) {
    *p++ = 2 << 3 | WT_VARINT;
    p += mp_varint_put(p, nsec);
  }
  p += mp_varint_put(p, (uint64_t)MP_WIRE_FILE_BATCH << 3 | WT_LEN);
  p += mp_varint_put(p, batch_len);
  if (paths_len) {
    *p++ = 1 << 3 | WT_LEN;
    p += mp_varint_put(p, paths_len);
  }
  size_t h = (size_t)(p - head);
  memmove(frame + h, frame + MP_WIRE_BATCH_HEAD_MAX, paths_len);
  memcpy(frame, head, h);
  return h + paths_len;
}

typedef struct exec_args {
  const char *path;
  const char *const *argv;
  size_t nargs;          /* arguments kept */
  const char *marker;    /* extra last argument, or NULL */
} exec_args;

static void exec_body(wr *w, const void *arg) {
  const exec_args *x = arg;
  str_field(w, 1, x->path);
  for (size_t i = 0; i < x->nargs; i++) bytes_field(w, 2, x->argv[i], strlen(x->argv[i]), 1);
  if (x->marker) bytes_field(w, 2, x->marker, strlen(x->marker), 1);
}

size_t mp_wire_exec_event(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *t,
                          const char *path, const char *const *argv) {
  size_t n = 0;
  while (argv && argv[n]) n++;
  exec_args x = {path, argv, n, NULL};
  event_args ev = {seq, t, 20, exec_body, &x};
  size_t len = frame(out, cap, event_body, &ev);
  if (len) return len;
  /* Too long: keep as many leading arguments as fit beside the marker. The
   * marker's own length varies with the count, so budget its longest form. */
  char marker[64];
  snprintf(marker, sizeof marker, "[mlprov: %zu more argument(s) not recorded]", n);
  x.marker = marker;
  x.nargs = 0;
  wr c = {0};
  event_body(&c, &ev);
  size_t base = c.n + 4 + 16; /* frame header, slack for longer length prefixes */
  if (base > cap) return 0;
  size_t kept = 0, used = base;
  while (kept < n) {
    size_t al = strlen(argv[kept]);
    size_t cost = 1 + 10 + al;
    if (used + cost > cap) break;
    used += cost;
    kept++;
  }
  snprintf(marker, sizeof marker, "[mlprov: %zu more argument(s) not recorded]", n - kept);
  x.nargs = kept;
  return frame(out, cap, event_body, &ev);
}

typedef struct stats_args {
  uint64_t sent, dropped;
  const char *note;
} stats_args;

static void stats_body(wr *w, const void *arg) {
  const stats_args *s = arg;
  u64_field(w, 1, s->sent);
  u64_field(w, 2, s->dropped);
  str_field(w, 3, s->note);
}

size_t mp_wire_stats_event(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *t,
                           uint64_t sent, uint64_t dropped, const char *note) {
  stats_args s = {sent, dropped, note};
  event_args ev = {seq, t, 18, stats_body, &s};
  return frame(out, cap, event_body, &ev);
}
