/* chan.c — see chan.h.
 *
 * State. An LD_PRELOAD library has no handle to carry state in, so this is
 * the one place in mlprov with global mutable state outside the agent loop.
 * Each thread that reports anything gets its own buffer and its own set of
 * reported paths (a `tbuf`), so threads opening files never share a cache
 * line on the way; only a flush takes the process-wide connection lock. A
 * path opened by several threads is therefore sent once per thread (the agent
 * merges them). tbufs live in a list that only grows; a thread's tbuf is
 * flushed and handed back when the thread exits, and reused by a later one.
 * Lock order: a tbuf's lock, then the connection lock.
 *
 * The connection lives on a high file descriptor (just under
 * min(RLIMIT_NOFILE, 1024)), close-on-exec, so programs that use the lowest
 * free numbers never see it. Programs may still close it (closefrom,
 * close_range, a close() loop) and reuse the number: before every send the
 * descriptor's device and inode are compared with those of our socket, and on
 * any difference the number is forgotten (never closed: it may be the
 * program's now) and a new connection is made. send() fails on non-sockets,
 * so a stale number can never write into a program's regular file or pipe.
 *
 * Processes: a fork() child (pthread_atfork) drops the parent's buffered
 * events (the parent sends them) and its copy of the connection, and connects
 * anew on its first flush; the forking thread keeps its set of reported
 * paths, as the parent has them in hand. A vfork() child shares this memory
 * with its suspended parent: it is recognised by its pid differing from the
 * pid the state belongs to, and sends through a connection of its own that
 * it closes at once, leaving the parent's connection untouched. The same
 * holds for a child made by a raw clone() without fork handlers.
 */
#include "chan.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pathset.h"
#include "rank.h"
#include "wire.h"

#define HOOK_KIND_PRELOAD 3
#define SEND_TIMEOUT_SEC 5
#define FD_CEILING 1024

typedef struct tbuf {
  pthread_mutex_t lock;       /* the owner's, except during exit/exec flushes */
  struct tbuf *next;          /* immutable once published */
  int in_use;                 /* owned by a live thread */
  size_t len, nev;            /* bytes and events in buf */
  int64_t first_ms;           /* when the oldest event in buf was added */
  size_t batch_at;            /* where the open FileBatch's frame starts in buf */
  size_t batch_n;             /* paths in it; 0: none open */
  uint64_t batch_seq;
  struct timespec batch_time; /* of its first path */
  size_t prev_len;            /* the batch's last path, which the next one is front-coded against */
  char prev[PATH_MAX];
  mp_pathset seen;
  unsigned cwd_gen;           /* generation of the cached working directory */
  size_t cwd_len;
  char cwd[PATH_MAX];
  uint8_t buf[MP_CHAN_BUF];   /* encoded frames not yet sent */
} tbuf;

typedef struct chan {
  pthread_mutex_t lock;       /* the connection and the counters below */
  int on;                     /* under mlprov and initialised */
  pid_t self_pid;             /* the process this memory belongs to */
  char sock[108];             /* MLPROV_SOCKET */
  char self[PATH_MAX];        /* this library's path */
  int have_rank;
  mp_rank_env rank;
  pthread_key_t key;          /* its destructor hands a tbuf back at thread exit */
  tbuf *threads;              /* every tbuf ever made */
  int fd;                     /* connection of self_pid, -1 when none */
  dev_t dev;                  /* identity of our socket, to detect reuse */
  ino_t ino;
  uint64_t seq, sent, dropped, dropped_reported, reconnects;
  int stalled;                /* a send timed out: the agent stopped reading */
  unsigned cwd_gen;           /* bumped by chdir/fchdir */
} chan;

static chan C = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .cwd_gen = 1};
static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Initial-exec TLS: reading it never allocates (a dlopen'ed TLS block would). */
static __thread tbuf *mine __attribute__((tls_model("initial-exec")));
/* Set while this thread is inside the hook: a signal handler re-entering
 * (open() from a handler) is let through unreported instead of deadlocking. */
static __thread int busy __attribute__((tls_model("initial-exec")));

static int64_t now_ms(struct timespec *ts) {
  clock_gettime(CLOCK_REALTIME_COARSE, ts);
  return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void count_dropped(uint64_t n) { __atomic_fetch_add(&C.dropped, n, __ATOMIC_RELAXED); }

/* --- connection (C.lock held) ---------------------------------------------- */

static int ours(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == C.dev && st.st_ino == C.ino;
}

static int send_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) C.stalled = 1;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* A connected socket on a high descriptor that has sent its Hello, or -1. */
static int dial(pid_t pid) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct rlimit rl;
  rlim_t lim = FD_CEILING;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < lim) lim = rl.rlim_cur;
  int base = lim > 64 ? (int)lim - 32 : (int)lim / 2;
  if (fd < base) {
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, base);
    if (hi >= 0) {
      close(fd);
      fd = hi;
    }
  }
  struct timeval tv = {.tv_sec = SEND_TIMEOUT_SEC};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  memcpy(addr.sun_path, C.sock, strlen(C.sock) + 1);
  int rc;
  do rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  while (rc != 0 && errno == EINTR);
  uint8_t hello[2 * MP_RANK_NAME_MAX + 128];
  mp_wire_rank r = {C.rank.rank, C.rank.local_rank, C.rank.world_size, C.rank.node, C.rank.job_id};
  size_t n = rc == 0 ? mp_wire_hello(hello, sizeof hello, pid, HOOK_KIND_PRELOAD, MLPROV_VERSION,
                                     C.have_rank ? &r : NULL)
                     : 0;
  if (!n || send_all(fd, hello, n) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Sends len bytes holding nev events: on the process's connection, or on a
 * connection of its own in a vfork child. */
static void send_locked(const uint8_t *data, size_t len, size_t nev) {
  if (!len) return;
  if (C.stalled) { /* waited SEND_TIMEOUT_SEC once already: never again */
    C.dropped += nev;
    return;
  }
  pid_t me = getpid();
  int fd, transient = me != C.self_pid;
  if (transient) {
    fd = dial(me);
  } else {
    if (C.fd >= 0 && !ours(C.fd)) {
      C.fd = -1; /* closed or reused by the program: not ours to close */
      C.reconnects++;
    }
    if (C.fd < 0) {
      struct stat st;
      C.fd = dial(me);
      if (C.fd >= 0 && fstat(C.fd, &st) == 0) {
        C.dev = st.st_dev;
        C.ino = st.st_ino;
      } else if (C.fd >= 0) {
        close(C.fd);
        C.fd = -1;
      }
    }
    fd = C.fd;
  }
  if (fd >= 0 && send_all(fd, data, len) == 0) {
    C.sent += nev;
  } else {
    C.dropped += nev;
    /* a partial frame desynchronises the stream: start over next time */
    if (fd >= 0 && !transient) {
      close(fd);
      C.fd = -1;
    }
  }
  if (transient && fd >= 0) close(fd);
}

/* Writes the open batch's header (its lock held): buf then holds only whole
 * frames. */
static void close_batch(tbuf *t) {
  if (!t->batch_n) return;
  size_t paths = t->len - t->batch_at - MP_WIRE_BATCH_HEAD_MAX;
  t->len = t->batch_at + mp_wire_batch_frame(t->buf + t->batch_at, paths, t->batch_seq, &t->batch_time);
  t->batch_n = 0;
}

/* Sends a tbuf's events (its lock held). */
static void flush_tbuf(tbuf *t) {
  close_batch(t);
  if (!t->len) return;
  pthread_mutex_lock(&C.lock);
  send_locked(t->buf, t->len, t->nev);
  pthread_mutex_unlock(&C.lock);
  t->len = t->nev = 0;
}

/* The hook's counters, when something was lost since they were last sent. */
static void send_stats(void) {
  pthread_mutex_lock(&C.lock);
  uint64_t dropped = __atomic_load_n(&C.dropped, __ATOMIC_RELAXED);
  if (dropped > C.dropped_reported && !C.stalled) {
    uint8_t b[128];
    struct timespec ts;
    now_ms(&ts);
    size_t n = mp_wire_stats_event(b, sizeof b, __atomic_add_fetch(&C.seq, 1, __ATOMIC_RELAXED), &ts, C.sent,
                                   dropped - C.dropped_reported, "preload");
    C.dropped_reported = dropped;
    send_locked(b, n, 1);
  }
  pthread_mutex_unlock(&C.lock);
}

/* --- threads ------------------------------------------------------------------ */

static void thread_exit(void *arg) {
  tbuf *t = arg;
  int was = busy;
  busy = 1;
  pthread_mutex_lock(&t->lock);
  flush_tbuf(t);
  mp_pathset_free(&t->seen);
  t->cwd_gen = 0;
  __atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&t->lock);
  mine = NULL;
  busy = was;
}

/* This thread's tbuf: a free one from the list, else a new one. NULL when
 * memory ran out. */
static tbuf *my_tbuf(void) {
  if (mine) return mine;
  tbuf *t;
  for (t = __atomic_load_n(&C.threads, __ATOMIC_ACQUIRE); t; t = t->next) {
    int expected = 0;
    if (__atomic_compare_exchange_n(&t->in_use, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) break;
  }
  if (!t) {
    void *p = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    t = p;
    pthread_mutex_init(&t->lock, NULL);
    t->in_use = 1;
    t->next = __atomic_load_n(&C.threads, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&C.threads, &t->next, t, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {}
  }
  pthread_setspecific(C.key, t);
  mine = t;
  return t;
}

/* --- fork handlers ------------------------------------------------------------ */

static __thread int fork_locked __attribute__((tls_model("initial-exec")));

static void before_fork(void) {
  if (busy) return;
  busy = 1;
  fork_locked = 1;
  if (mine) pthread_mutex_lock(&mine->lock);
  pthread_mutex_lock(&C.lock);
}

static void after_fork_parent(void) {
  if (!fork_locked) return;
  pthread_mutex_unlock(&C.lock);
  if (mine) pthread_mutex_unlock(&mine->lock);
  fork_locked = 0;
  busy = 0;
}

/* The child is this one thread: the other threads' tbufs (and whatever lock
 * they held) belong to the parent. */
static void after_fork_child(void) {
  if (!fork_locked) return;
  C.self_pid = getpid();
  if (ours(C.fd)) close(C.fd);
  C.fd = -1;
  C.seq = C.sent = C.dropped = C.dropped_reported = C.reconnects = 0;
  C.stalled = 0;
  for (tbuf *t = C.threads; t; t = t->next) {
    if (t == mine) continue;
    pthread_mutex_init(&t->lock, NULL);
    mp_pathset_free(&t->seen);
    t->len = t->nev = t->batch_n = 0;
    t->cwd_gen = 0;
    t->in_use = 0;
  }
  if (mine) mine->len = mine->nev = mine->batch_n = 0;
  pthread_mutex_init(&C.lock, NULL);
  if (mine) pthread_mutex_unlock(&mine->lock);
  fork_locked = 0;
  busy = 0;
}

/* --- init ------------------------------------------------------------------- */

static void init_once(void) {
  const char *s = getenv("MLPROV_SOCKET");
  if (!s || !*s || strlen(s) >= sizeof C.sock) return;
  memcpy(C.sock, s, strlen(s) + 1);
  Dl_info di;
  if (dladdr((void *)&mp__chan_init, &di) && di.dli_fname && strlen(di.dli_fname) < sizeof C.self)
    memcpy(C.self, di.dli_fname, strlen(di.dli_fname) + 1);
  C.have_rank = mp_rank_from_env(&C.rank);
  C.self_pid = getpid();
  if (pthread_key_create(&C.key, thread_exit) != 0) return;
  if (pthread_atfork(before_fork, after_fork_parent, after_fork_child) != 0) return;
  C.on = 1;
}

void mp__chan_init(void) {
  int saved = errno;
  pthread_once(&once, init_once);
  errno = saved;
}

int mp__chan_on(void) {
  mp__chan_init();
  return C.on;
}

const char *mp__chan_self_path(void) { return C.self; }

/* --- events ------------------------------------------------------------------- */

/* Enters the hook with this thread's tbuf locked, or returns NULL. */
static tbuf *enter(void) {
  if (busy) return NULL;
  busy = 1;
  tbuf *t = my_tbuf();
  if (!t) {
    count_dropped(1);
    busy = 0;
    return NULL;
  }
  pthread_mutex_lock(&t->lock);
  return t;
}

static void leave(tbuf *t) {
  pthread_mutex_unlock(&t->lock);
  busy = 0;
}

typedef size_t (*enc_fn)(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *ts, const void *arg);

/* Appends one frame made by enc; flushes on size and age. */
static void emit(tbuf *t, enc_fn enc, const void *arg) {
  close_batch(t); /* events keep their order */
  struct timespec ts;
  int64_t now = now_ms(&ts);
  uint64_t seq = __atomic_add_fetch(&C.seq, 1, __ATOMIC_RELAXED);
  size_t n = enc(t->buf + t->len, sizeof t->buf - t->len, seq, &ts, arg);
  if (!n && t->len) {
    flush_tbuf(t);
    n = enc(t->buf, sizeof t->buf, seq, &ts, arg);
  }
  if (!n) {
    count_dropped(1);
    return;
  }
  t->len += n;
  if (t->nev++ == 0) t->first_ms = now;
  else if (now - t->first_ms >= MP_CHAN_FLUSH_MS) flush_tbuf(t);
}

/* Appends a path to this thread's open FileBatch, opening one when none is;
 * flushes on size and age like emit. */
static void add_path(tbuf *t, int kind, const char *path, size_t len) {
  struct timespec ts;
  int64_t now = now_ms(&ts);
  int written = kind == MP_WIRE_FILE_WRITTEN;
  for (int attempt = 0; attempt < 2 && len < PATH_MAX; attempt++) {
    if (!t->batch_n) {
      if (sizeof t->buf - t->len < MP_WIRE_BATCH_HEAD_MAX + 16 + len) {
        flush_tbuf(t);
        if (sizeof t->buf - t->len < MP_WIRE_BATCH_HEAD_MAX + 16 + len) break;
      }
      t->batch_at = t->len;
      t->len += MP_WIRE_BATCH_HEAD_MAX;
      t->batch_seq = __atomic_add_fetch(&C.seq, 1, __ATOMIC_RELAXED);
      t->batch_time = ts;
      t->prev_len = 0;
    }
    size_t shared = 0;
    size_t n = mp_wire_batch_entry(t->buf + t->len, sizeof t->buf - t->len, written, t->prev, t->prev_len, path, len,
                                   &shared);
    if (!n) { /* the buffer is full: send it, start a new batch */
      flush_tbuf(t);
      continue;
    }
    t->batch_n++;
    t->len += n;
    memcpy(t->prev + shared, path + shared, len - shared);
    t->prev_len = len;
    if (t->nev++ == 0) t->first_ms = now;
    else if (now - t->first_ms >= MP_CHAN_FLUSH_MS) flush_tbuf(t);
    return;
  }
  count_dropped(1);
}

/* /proc/, /sys/ or /dev/ (compared inline: this runs for every open) */
static int pseudo_fs(const char *p) {
  if (p[0] != '/') return 0;
  switch (p[1]) {
    case 'p': return p[2] == 'r' && p[3] == 'o' && p[4] == 'c' && p[5] == '/';
    case 's': return p[2] == 'y' && p[3] == 's' && p[4] == '/';
    case 'd': return p[2] == 'e' && p[3] == 'v' && p[4] == '/';
    default: return 0;
  }
}

/* Sets p->full and p->len from base (blen bytes, trailing slashes dropped)
 * and p->path (len bytes); the state that follows. */
static int join(mp_chan_pending *p, const char *base, size_t blen, size_t len) {
  while (blen > 1 && base[blen - 1] == '/') blen--;
  if (blen + 1 + len >= PATH_MAX) return MP_CHAN_UNNAMED;
  memcpy(p->abs, base, blen);
  p->abs[blen] = '/';
  memcpy(p->abs + blen + 1, p->path, len + 1);
  p->full = p->abs;
  p->len = blen + 1 + len;
  return pseudo_fs(p->full) ? MP_CHAN_SKIPPED : MP_CHAN_READY;
}

/* Works p->path out when that needs no system call (t: this thread's tbuf
 * or NULL): the state that follows, MP_CHAN_UNRESOLVED when it needs one (a
 * directory descriptor's name, a working directory changed since it was
 * cached). */
static int resolve_cheaply(mp_chan_pending *p, const tbuf *t) {
  size_t len = strlen(p->path);
  if (p->path[0] == '/') {
    p->full = p->path;
    p->len = len;
    return pseudo_fs(p->full) ? MP_CHAN_SKIPPED : MP_CHAN_READY;
  }
  if (p->dirfd == AT_FDCWD && t && t->cwd_gen == __atomic_load_n(&C.cwd_gen, __ATOMIC_ACQUIRE))
    return join(p, t->cwd, t->cwd_len, len);
  return MP_CHAN_UNRESOLVED;
}

/* The same with system calls (t: this thread's tbuf, locked). */
static int resolve(mp_chan_pending *p, tbuf *t) {
  int state = resolve_cheaply(p, t);
  if (state != MP_CHAN_UNRESOLVED) return state;
  if (p->dirfd != AT_FDCWD) {
    char dir[PATH_MAX], link[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", p->dirfd);
    ssize_t n = readlink(link, dir, sizeof dir - 1);
    if (n <= 0 || dir[0] != '/') return MP_CHAN_SKIPPED; /* not a directory we can name */
    return join(p, dir, (size_t)n, strlen(p->path));
  }
  if (!getcwd(t->cwd, sizeof t->cwd)) return MP_CHAN_UNNAMED;
  t->cwd_len = strlen(t->cwd);
  t->cwd_gen = __atomic_load_n(&C.cwd_gen, __ATOMIC_ACQUIRE);
  return join(p, t->cwd, t->cwd_len, strlen(p->path));
}

void mp__chan_path_prepare(mp_chan_pending *p, int kind, int dirfd, const char *path) {
  p->kind = 0;
  if (!kind || !path || !*path || !mp__chan_on() || busy) return;
  busy = 1; /* a signal handler opening a file meanwhile would share t->cwd */
  while (path[0] == '.' && path[1] == '/') path += 2;
  p->kind = kind;
  p->dirfd = dirfd;
  p->path = path;
  p->state = resolve_cheaply(p, mine);
  if (p->state == MP_CHAN_READY) {
    p->fp = mp_pathset_fingerprint((unsigned)kind, p->full, p->len);
    if (mine) mp_pathset_prefetch(&mine->seen, p->fp);
  }
  busy = 0;
}

void mp__chan_path_report(mp_chan_pending *p) {
  if (!p->kind) return;
  int *err = &errno, saved = *err; /* one call to find errno */
  tbuf *t = enter();
  if (!t) goto out;
  if (p->state == MP_CHAN_UNRESOLVED) {
    p->state = resolve(p, t);
    if (p->state == MP_CHAN_READY) p->fp = mp_pathset_fingerprint((unsigned)p->kind, p->full, p->len);
  }
  if (p->state == MP_CHAN_UNNAMED) count_dropped(1);
  if (p->state == MP_CHAN_READY && mp_pathset_add_fp(&t->seen, p->fp) != 0) add_path(t, p->kind, p->full, p->len);
  leave(t);
out:
  *err = saved;
}

void mp__chan_path(int kind, int dirfd, const char *path) {
  mp_chan_pending p;
  mp__chan_path_prepare(&p, kind, dirfd, path);
  mp__chan_path_report(&p);
}

typedef struct exec_ev {
  const char *path;
  const char *const *argv;
} exec_ev;

static size_t enc_exec(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *ts, const void *arg) {
  const exec_ev *x = arg;
  return mp_wire_exec_event(out, cap, seq, ts, x->path, x->argv);
}

void mp__chan_exec(const char *path, const char *const *argv) {
  if (!path || !mp__chan_on()) return;
  int saved = errno;
  tbuf *t = enter();
  if (t) {
    exec_ev ev = {path, argv};
    emit(t, enc_exec, &ev);
    leave(t);
  }
  errno = saved;
}

void mp__chan_cwd_changed(void) { __atomic_add_fetch(&C.cwd_gen, 1, __ATOMIC_RELEASE); }

void mp__chan_flush(int final) {
  if (!mp__chan_on() || busy) return;
  int saved = errno;
  busy = 1;
  if (!final) {
    if (mine) {
      pthread_mutex_lock(&mine->lock);
      flush_tbuf(mine);
      pthread_mutex_unlock(&mine->lock);
    }
  } else {
    /* the image ends: every thread's events go now */
    for (tbuf *t = __atomic_load_n(&C.threads, __ATOMIC_ACQUIRE); t; t = t->next) {
      pthread_mutex_lock(&t->lock);
      flush_tbuf(t);
      pthread_mutex_unlock(&t->lock);
    }
    send_stats();
  }
  busy = 0;
  errno = saved;
}
