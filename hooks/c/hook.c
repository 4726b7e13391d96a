/* hook.c — libmlprov-hook: see mlprov_hook.h.
 *
 * One Unix stream connection per handle. Each event is packed into one frame
 * and written with a single send(MSG_NOSIGNAL) under the handle's mutex, so
 * frames from several threads never interleave. The socket has a send timeout:
 * a stalled agent cannot hang the job; a partial write desynchronises the
 * stream, so the hook then closes the connection and counts every later event
 * as dropped (reported on stderr once, and to the agent when possible).
 *
 * Dataset records are hashed here (RFC 9162 leaf hash, OpenSSL SHA-256: about
 * 0.2 us for a 100-byte record, 0.6 ms for 1 MB) and their 32-byte leaf
 * hashes are batched: one frame per RECORD_BATCH records of one dataset (fewer
 * when MLPROV_MAX_FRAME is small), sent when the batch is full, when records of
 * another dataset arrive, when the batch is a second old (checked on the next
 * record), on mlprov_record_flush() and on close. So a training loop pays one
 * hash and a memcpy per sample, and a system call per thousand. A process
 * that exits without mlprov_hook_close() loses its unsent batch.
 *
 * A handle opened with acks sets Hello.want_acks; the agent then writes Ack
 * frames back, which only mlprov_hook_sync reads (with poll and a deadline),
 * so sending never waits for them. Acks are cumulative (highest seq).
 */
#include "mlprov_hook.h"

#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "event.pb-c.h"
#include "frame.h"
#include "rank.h"

#define HOOK_VERSION "0.1.0"
#define SEND_TIMEOUT_SEC 5
#define RECORD_BATCH 1024          /* leaf hashes per frame (32 KiB) */
#define BATCH_MAX_AGE_NS 1000000000LL
#define MAX_FORMATS 16

typedef Mlprov__Event__V1__Event Event;

struct mlprov_hook {
  pthread_mutex_t lock;
  int fd;             /* -1 when inactive */
  int under_mlprov;   /* MLPROV_SOCKET was set: failures are drops, not no-ops */
  uint64_t seq;
  uint64_t sent;
  uint64_t dropped;
  EVP_MD *sha256;     /* fetched once */
  /* the pending batch of record leaf hashes (all of one dataset) */
  char *batch_dataset;
  uint8_t *batch;
  size_t batch_n, batch_cap;
  struct timespec batch_started;
  /* record formats named with mlprov_record_format */
  char *format_dataset[MAX_FORMATS];
  char format_name[MAX_FORMATS][16];
  size_t nformats;
  int want_acks;
  uint64_t acked;     /* highest seq the agent acknowledged */
  int journaled;      /* ... and whether it said "in the journal" */
  mp_frame_reader acks;
};

static int send_frame(mlprov_hook *h, const ProtobufCMessage *msg) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  uint8_t stackbuf[4096];
  uint8_t *buf = n + MP_FRAME_HEADER <= sizeof stackbuf ? stackbuf : malloc(n + MP_FRAME_HEADER);
  if (!buf) return -1;
  mp_frame_header((uint32_t)n, buf);
  protobuf_c_message_pack(msg, buf + MP_FRAME_HEADER);
  size_t total = n + MP_FRAME_HEADER, off = 0;
  int rc = 0;
  while (off < total) {
    ssize_t w = send(h->fd, buf + off, total - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = -1;
      break;
    }
    off += (size_t)w;
  }
  if (buf != stackbuf) free(buf);
  return rc;
}

static void go_quiet(mlprov_hook *h) {
  if (h->fd >= 0) close(h->fd);
  h->fd = -1;
}

static mlprov_hook *open_hook(const char *socket_path, int hook_kind, int want_acks) {
  mlprov_hook *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  pthread_mutex_init(&h->lock, NULL);
  h->fd = -1;
  h->want_acks = want_acks;
  mp_frame_reader_init(&h->acks, 4096);
  if (!socket_path) socket_path = getenv("MLPROV_SOCKET");
  if (!socket_path || !*socket_path) return h;
  h->under_mlprov = 1;
  h->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  h->batch_cap = RECORD_BATCH;
  /* a batch frame must fit the agent's frame limit (minus room for the rest) */
  const char *mf = getenv("MLPROV_MAX_FRAME");
  char *mf_end = NULL;
  long max_frame = mf ? strtol(mf, &mf_end, 10) : 0;
  if (mf && mf_end && !*mf_end && max_frame > 0 && (size_t)max_frame < RECORD_BATCH * 32 + 1024)
    h->batch_cap = max_frame > 1024 + 32 ? ((size_t)max_frame - 1024) / 32 : 1;
  int saved_errno = errno;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof addr.sun_path) goto fail;
  strcpy(addr.sun_path, socket_path);
  h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (h->fd < 0) goto fail;
  struct timeval tv = {.tv_sec = SEND_TIMEOUT_SEC};
  setsockopt(h->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(h->fd, (struct sockaddr *)&addr, sizeof addr) != 0) goto fail;

  Mlprov__Event__V1__Hello hello = MLPROV__EVENT__V1__HELLO__INIT;
  Mlprov__Event__V1__Rank rank = MLPROV__EVENT__V1__RANK__INIT;
  hello.protocol_version = 1;
  hello.pid = getpid();
  hello.hook_kind = (Mlprov__Event__V1__HookKind)hook_kind;
  hello.hook_version = HOOK_VERSION;
  hello.want_acks = want_acks;
  mp_rank_env re;
  if (mp_rank_from_env(&re)) {
    rank.rank = re.rank;
    rank.local_rank = re.local_rank;
    rank.world_size = re.world_size;
    rank.node = re.node;
    rank.job_id = re.job_id;
    hello.rank = &rank;
  }
  if (send_frame(h, &hello.base) != 0) goto fail;
  errno = saved_errno;
  return h;
fail:
  go_quiet(h);
  h->dropped++; /* the hello itself */
  errno = saved_errno;
  return h;
}

mlprov_hook *mlprov_hook_open_as(const char *socket_path, int hook_kind) {
  return open_hook(socket_path, hook_kind, 0);
}

mlprov_hook *mlprov_hook_open_acked(const char *socket_path, int hook_kind) {
  return open_hook(socket_path, hook_kind, 1);
}

mlprov_hook *mlprov_hook_open(void) { return mlprov_hook_open_as(NULL, MLPROV_HOOK_C); }

/* Reads whatever Acks have arrived, waiting at most wait_ms; -1 when the
 * connection is gone. */
static int read_acks(mlprov_hook *h, int wait_ms) {
  struct pollfd p = {.fd = h->fd, .events = POLLIN};
  int n = poll(&p, 1, wait_ms);
  if (n < 0) return errno == EINTR ? 0 : -1;
  if (n == 0) return 0;
  uint8_t buf[4096];
  ssize_t got = recv(h->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (got < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
  if (got == 0 || mp_frame_reader_feed(&h->acks, buf, (size_t)got) != 0) return -1;
  const uint8_t *frame;
  size_t len;
  int rc;
  while ((rc = mp_frame_reader_next(&h->acks, &frame, &len)) == 1) {
    Mlprov__Event__V1__Ack *ack = mlprov__event__v1__ack__unpack(NULL, len, frame);
    if (!ack) return -1;
    if (ack->seq > h->acked) h->acked = ack->seq;
    h->journaled = ack->journaled;
    mlprov__event__v1__ack__free_unpacked(ack, NULL);
  }
  return rc < 0 ? -1 : 0;
}

static int flush_locked(mlprov_hook *h);

int mlprov_hook_sync(mlprov_hook *h, int timeout_ms) {
  if (!h || !h->under_mlprov) return 0;
  int saved_errno = errno;
  pthread_mutex_lock(&h->lock);
  int rc = -1;
  flush_locked(h); /* queued record hashes are covered too */
  if (h->fd >= 0 && h->want_acks) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
      if (h->acked >= h->seq) {
        rc = h->journaled ? 0 : 1;
        break;
      }
      clock_gettime(CLOCK_MONOTONIC, &now);
      long long left = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000);
      if (left <= 0) break;
      if (read_acks(h, (int)left) != 0) {
        go_quiet(h);
        break;
      }
    }
  }
  pthread_mutex_unlock(&h->lock);
  errno = saved_errno;
  return rc;
}

int mlprov_hook_active(const mlprov_hook *h) { return h && h->fd >= 0; }

uint64_t mlprov_hook_dropped(const mlprov_hook *h) { return h ? h->dropped : 0; }

/* Fills seq/time and sends one frame; the caller holds the lock. `count` is
 * the number of events the frame carries (records in a batch). */
static int emit_locked(mlprov_hook *h, Event *ev, uint64_t count) {
  int rc = -1;
  if (h->fd >= 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    t.seconds = ts.tv_sec;
    t.nanos = (int32_t)ts.tv_nsec;
    ev->seq = ++h->seq;
    ev->time = &t;
    if (send_frame(h, &ev->base) == 0) {
      h->sent += count;
      rc = 0;
    } else {
      go_quiet(h);
    }
  }
  if (rc) h->dropped += count;
  return rc;
}

static const char *format_of(const mlprov_hook *h, const char *dataset) {
  for (size_t i = 0; i < h->nformats; i++)
    if (strcmp(h->format_dataset[i], dataset) == 0) return h->format_name[i];
  return "";
}

/* Sends the pending batch (lock held). */
static int flush_locked(mlprov_hook *h) {
  if (!h->batch_n) return 0;
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Record r = MLPROV__EVENT__V1__RECORD__INIT;
  r.dataset = h->batch_dataset;
  r.leaf_hashes.data = h->batch;
  r.leaf_hashes.len = h->batch_n * 32;
  r.record_format = (char *)format_of(h, h->batch_dataset);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_RECORD;
  ev.record = &r;
  int rc = emit_locked(h, &ev, h->batch_n);
  h->batch_n = 0;
  return rc;
}

/* Fills seq/time and sends; errno is preserved for the caller's program. */
static int emit(mlprov_hook *h, Event *ev) {
  if (!h || !h->under_mlprov) return 0;
  int saved_errno = errno;
  pthread_mutex_lock(&h->lock);
  int rc = emit_locked(h, ev, 1);
  pthread_mutex_unlock(&h->lock);
  errno = saved_errno;
  return rc;
}

static int64_t elapsed_ns(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)(now.tv_sec - since->tv_sec) * 1000000000LL + (now.tv_nsec - since->tv_nsec);
}

/* Queues one leaf hash of `dataset`, flushing as the header comment says. */
static int add_leaf(mlprov_hook *h, const char *dataset, const uint8_t leaf[32]) {
  int saved_errno = errno, rc = 0;
  pthread_mutex_lock(&h->lock);
  if (h->fd < 0) {
    h->dropped++;
    rc = -1;
    goto out;
  }
  if (h->batch_n && strcmp(h->batch_dataset, dataset) != 0) rc = flush_locked(h);
  if (!h->batch) h->batch = malloc(h->batch_cap * 32);
  if (!h->batch_n) {
    free(h->batch_dataset);
    h->batch_dataset = strdup(dataset);
    clock_gettime(CLOCK_MONOTONIC, &h->batch_started);
  }
  if (!h->batch || !h->batch_dataset) {
    h->dropped++;
    rc = -1;
    goto out;
  }
  memcpy(h->batch + h->batch_n++ * 32, leaf, 32);
  if (h->batch_n == h->batch_cap || elapsed_ns(&h->batch_started) >= BATCH_MAX_AGE_NS)
    rc |= flush_locked(h);
out:
  pthread_mutex_unlock(&h->lock);
  errno = saved_errno;
  return rc ? -1 : 0;
}

int mlprov_record_flush(mlprov_hook *h) {
  if (!h || !h->under_mlprov) return 0;
  int saved_errno = errno;
  pthread_mutex_lock(&h->lock);
  int rc = flush_locked(h);
  pthread_mutex_unlock(&h->lock);
  errno = saved_errno;
  return rc;
}

void mlprov_hook_close(mlprov_hook *h) {
  if (!h) return;
  pthread_mutex_lock(&h->lock);
  flush_locked(h);
  pthread_mutex_unlock(&h->lock);
  if (h->fd >= 0) {
    Event ev = MLPROV__EVENT__V1__EVENT__INIT;
    Mlprov__Event__V1__HookStats st = MLPROV__EVENT__V1__HOOK_STATS__INIT;
    st.events_sent = h->sent;
    st.events_dropped = h->dropped;
    ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_HOOK_STATS;
    ev.hook_stats = &st;
    emit(h, &ev);
  }
  if (h->dropped && h->under_mlprov)
    fprintf(stderr, "mlprov hook: %llu event(s) could not be delivered to the agent\n",
            (unsigned long long)h->dropped);
  go_quiet(h);
  mp_frame_reader_free(&h->acks);
  pthread_mutex_destroy(&h->lock);
  EVP_MD_free(h->sha256);
  free(h->batch);
  free(h->batch_dataset);
  for (size_t i = 0; i < h->nformats; i++) free(h->format_dataset[i]);
  free(h);
}

/* protobuf-c wants char* for strings it only reads. */
#define S(x) ((char *)((x) ? (x) : ""))

/* Splits "alg:hex" (or bare hex, meaning sha256) into alg and value. */
static int split_digest(const char *digest, char alg[32], char **value) {
  if (!digest || !*digest) return 0;
  const char *colon = strchr(digest, ':');
  if (colon && (size_t)(colon - digest) < 32) {
    memcpy(alg, digest, (size_t)(colon - digest));
    alg[colon - digest] = '\0';
    *value = (char *)colon + 1;
  } else {
    strcpy(alg, "sha256");
    *value = (char *)digest;
  }
  return 1;
}

/* Declares a one-entry digest map of message type T named var, filled from str. */
#define DIGEST_MAP(T, init, var, str)                           \
  T var##_entry;                                                \
  T *var##_ptr = &var##_entry;                                  \
  char var##_alg[32];                                           \
  size_t var##_n = 0;                                           \
  init(&var##_entry);                                           \
  if (split_digest(str, var##_alg, &var##_entry.value)) {       \
    var##_entry.key = var##_alg;                                \
    var##_n = 1;                                                \
  }

int mlprov_dataset(mlprov_hook *h, const char *name, const char *uri_or_path, const char *digest,
                   uint64_t record_count, const char *merkle_root) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Dataset ds = MLPROV__EVENT__V1__DATASET__INIT;
  DIGEST_MAP(Mlprov__Event__V1__Dataset__DigestEntry, mlprov__event__v1__dataset__digest_entry__init, d, digest);
  ds.name = S(name);
  ds.uri = S(uri_or_path);
  ds.n_digest = d_n;
  ds.digest = d_n ? &d_ptr : NULL;
  ds.record_count = record_count;
  ds.merkle_root = S(merkle_root);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_DATASET;
  ev.dataset = &ds;
  return emit(h, &ev);
}

int mlprov_file_read(mlprov_hook *h, const char *path) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__FileRead fr = MLPROV__EVENT__V1__FILE_READ__INIT;
  fr.path = S(path);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_READ;
  ev.file_read = &fr;
  return emit(h, &ev);
}

int mlprov_dependency(mlprov_hook *h, const char *name, const char *version, const char *purl,
                      const char *digest) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Dependency dep = MLPROV__EVENT__V1__DEPENDENCY__INIT;
  DIGEST_MAP(Mlprov__Event__V1__Dependency__DigestEntry, mlprov__event__v1__dependency__digest_entry__init, d, digest);
  dep.name = S(name);
  dep.version = S(version);
  dep.purl = S(purl);
  dep.n_digest = d_n;
  dep.digest = d_n ? &d_ptr : NULL;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_DEPENDENCY;
  ev.dependency = &dep;
  return emit(h, &ev);
}

int mlprov_param(mlprov_hook *h, const char *key, const char *value) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Parameter p = MLPROV__EVENT__V1__PARAMETER__INIT;
  p.key = S(key);
  p.value = S(value);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_PARAMETER;
  ev.parameter = &p;
  return emit(h, &ev);
}

int mlprov_param_double(mlprov_hook *h, const char *key, double value) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", value);
  return mlprov_param(h, key, buf);
}

int mlprov_param_int(mlprov_hook *h, const char *key, long long value) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", value);
  return mlprov_param(h, key, buf);
}

int mlprov_artifact(mlprov_hook *h, const char *path, int role) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Artifact a = MLPROV__EVENT__V1__ARTIFACT__INIT;
  a.path = S(path);
  a.role = (Mlprov__Event__V1__ArtifactRole)role;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_ARTIFACT;
  ev.artifact = &a;
  return emit(h, &ev);
}

int mlprov_base_model(mlprov_hook *h, const char *name, const char *digest, const char *uri,
                      const char *provenance) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__BaseModel b = MLPROV__EVENT__V1__BASE_MODEL__INIT;
  DIGEST_MAP(Mlprov__Event__V1__BaseModel__DigestEntry, mlprov__event__v1__base_model__digest_entry__init, d, digest);
  b.name = S(name);
  b.n_digest = d_n;
  b.digest = d_n ? &d_ptr : NULL;
  b.uri = S(uri);
  b.provenance = S(provenance);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_BASE_MODEL;
  ev.base_model = &b;
  return emit(h, &ev);
}

int mlprov_annotate(mlprov_hook *h, const char *key, const char *text) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Annotation a = MLPROV__EVENT__V1__ANNOTATION__INIT;
  a.key = S(key);
  a.text = S(text);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_ANNOTATION;
  ev.annotation = &a;
  return emit(h, &ev);
}

int mlprov_record(mlprov_hook *h, const char *dataset, const void *data, size_t len) {
  if (!h || !h->under_mlprov) return 0;
  static const uint8_t prefix = 0x00;
  uint8_t leaf[32];
  unsigned int n = 0;
  int saved_errno = errno;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && h->sha256 && EVP_DigestInit_ex(c, h->sha256, NULL) && EVP_DigestUpdate(c, &prefix, 1) &&
           EVP_DigestUpdate(c, data, len) && EVP_DigestFinal_ex(c, leaf, &n);
  EVP_MD_CTX_free(c);
  errno = saved_errno;
  if (!ok) {
    pthread_mutex_lock(&h->lock);
    h->dropped++;
    pthread_mutex_unlock(&h->lock);
    return -1;
  }
  return add_leaf(h, S(dataset), leaf);
}

int mlprov_record_leaf(mlprov_hook *h, const char *dataset, const uint8_t leaf_hash[32]) {
  if (!h || !h->under_mlprov) return 0;
  return add_leaf(h, S(dataset), leaf_hash);
}

int mlprov_record_format(mlprov_hook *h, const char *dataset, const char *format) {
  if (!h || !h->under_mlprov) return 0;
  if (!format || strlen(format) >= sizeof h->format_name[0]) return -1;
  int rc = 0;
  pthread_mutex_lock(&h->lock);
  size_t i = 0;
  while (i < h->nformats && strcmp(h->format_dataset[i], S(dataset)) != 0) i++;
  /* records already batched keep the format they were queued under */
  if (h->batch_n && strcmp(h->batch_dataset, S(dataset)) == 0) rc = flush_locked(h);
  if (i == h->nformats) {
    if (i == MAX_FORMATS || !(h->format_dataset[i] = strdup(S(dataset)))) {
      pthread_mutex_unlock(&h->lock);
      return -1;
    }
    h->nformats++;
  }
  snprintf(h->format_name[i], sizeof h->format_name[i], "%s", format);
  pthread_mutex_unlock(&h->lock);
  return rc;
}

int mlprov_file_written(mlprov_hook *h, const char *path) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__FileWritten fw = MLPROV__EVENT__V1__FILE_WRITTEN__INIT;
  fw.path = S(path);
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN;
  ev.file_written = &fw;
  return emit(h, &ev);
}

int mlprov_exec(mlprov_hook *h, const char *path, const char *const *argv) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Exec x = MLPROV__EVENT__V1__EXEC__INIT;
  size_t n = 0;
  while (argv && argv[n]) n++;
  x.path = S(path);
  x.n_argv = n;
  x.argv = (char **)argv;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_EXEC;
  ev.exec = &x;
  return emit(h, &ev);
}
