/* hook.c — libmlprov-hook: see mlprov_hook.h.
 *
 * One Unix stream connection per handle. Each event is packed into one frame
 * and written with a single send(MSG_NOSIGNAL) under the handle's mutex, so
 * frames from several threads never interleave. The socket has a send timeout:
 * a stalled agent cannot hang the job; a partial write desynchronises the
 * stream, so the hook then closes the connection and counts every later event
 * as dropped (reported on stderr once, and to the agent when possible).
 *
 * A handle opened with acks sets Hello.want_acks; the agent then writes Ack
 * frames back, which only mlprov_hook_sync reads (with poll and a deadline),
 * so sending never waits for them. Acks are cumulative (highest seq).
 */
#include "mlprov_hook.h"

#include <errno.h>
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

#define HOOK_VERSION "0.1.0"
#define SEND_TIMEOUT_SEC 5

typedef Mlprov__Event__V1__Event Event;

struct mlprov_hook {
  pthread_mutex_t lock;
  int fd;             /* -1 when inactive */
  int under_mlprov;   /* MLPROV_SOCKET was set: failures are drops, not no-ops */
  uint64_t seq;
  uint64_t sent;
  uint64_t dropped;
  int want_acks;
  uint64_t acked;     /* highest seq the agent acknowledged */
  int journaled;      /* ... and whether it said "in the journal" */
  mp_frame_reader acks;
};

static int env_int(const char *name, int *out) {
  const char *v = getenv(name);
  if (!v || !*v) return 0;
  char *end;
  long n = strtol(v, &end, 10);
  if (*end) return 0;
  *out = (int)n;
  return 1;
}

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
  char host[256] = "";
  int have_rank = env_int("RANK", &rank.rank) || env_int("SLURM_PROCID", &rank.rank) ||
                  env_int("OMPI_COMM_WORLD_RANK", &rank.rank) || env_int("PMI_RANK", &rank.rank);
  if (have_rank) {
    if (!env_int("LOCAL_RANK", &rank.local_rank) && !env_int("SLURM_LOCALID", &rank.local_rank))
      env_int("OMPI_COMM_WORLD_LOCAL_RANK", &rank.local_rank);
    if (!env_int("WORLD_SIZE", &rank.world_size) && !env_int("SLURM_NTASKS", &rank.world_size))
      env_int("OMPI_COMM_WORLD_SIZE", &rank.world_size);
    const char *node = getenv("SLURMD_NODENAME");
    if (!node && gethostname(host, sizeof host - 1) == 0) node = host;
    rank.node = (char *)(node ? node : "");
    const char *job = getenv("MLPROV_JOB_ID");
    if (!job) job = getenv("SLURM_JOB_ID");
    if (!job) job = getenv("TORCHELASTIC_RUN_ID");
    rank.job_id = (char *)(job ? job : "");
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

int mlprov_hook_sync(mlprov_hook *h, int timeout_ms) {
  if (!h || !h->under_mlprov) return 0;
  int saved_errno = errno;
  pthread_mutex_lock(&h->lock);
  int rc = -1;
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

/* Fills seq/time and sends; errno is preserved for the caller's program. */
static int emit(mlprov_hook *h, Event *ev) {
  if (!h || !h->under_mlprov) return 0;
  int saved_errno = errno;
  int rc = -1;
  pthread_mutex_lock(&h->lock);
  if (h->fd >= 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    t.seconds = ts.tv_sec;
    t.nanos = (int32_t)ts.tv_nsec;
    ev->seq = ++h->seq;
    ev->time = &t;
    if (send_frame(h, &ev->base) == 0) {
      h->sent++;
      rc = 0;
    } else {
      go_quiet(h);
    }
  }
  if (rc) h->dropped++;
  pthread_mutex_unlock(&h->lock);
  errno = saved_errno;
  return rc;
}

void mlprov_hook_close(mlprov_hook *h) {
  if (!h) return;
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
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Record r = MLPROV__EVENT__V1__RECORD__INIT;
  r.dataset = S(dataset);
  r.data.data = (uint8_t *)data;
  r.data.len = len;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_RECORD;
  ev.record = &r;
  return emit(h, &ev);
}

int mlprov_record_leaf(mlprov_hook *h, const char *dataset, const uint8_t leaf_hash[32]) {
  Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Record r = MLPROV__EVENT__V1__RECORD__INIT;
  r.dataset = S(dataset);
  r.leaf_hash.data = (uint8_t *)leaf_hash;
  r.leaf_hash.len = 32;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_RECORD;
  ev.record = &r;
  return emit(h, &ev);
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
