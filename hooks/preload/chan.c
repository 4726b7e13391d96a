/* chan.c — see chan.h.
 *
 * State: one process-wide struct. An LD_PRELOAD library has no handle to
 * carry state in, so this is the one place in mlprov with global mutable
 * state outside the agent loop; one mutex guards all of it.
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
 * anew on its first flush; it keeps the set of reported paths, as the parent
 * has them in hand. A vfork() child shares this memory with its suspended
 * parent: it is recognised by its pid differing from the pid the state
 * belongs to, and sends through a connection of its own that it closes at
 * once, leaving the parent's connection untouched. The same holds for a child
 * made by a raw clone() without fork handlers.
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

typedef struct chan {
  pthread_mutex_t lock;
  int on;                     /* under mlprov and initialised */
  pid_t self_pid;             /* the process this memory belongs to */
  char sock[108];             /* MLPROV_SOCKET */
  char self[PATH_MAX];        /* this library's path */
  int have_rank;
  mp_rank_env rank;
  int fd;                     /* connection of self_pid, -1 when none */
  dev_t dev;                  /* identity of our socket, to detect reuse */
  ino_t ino;
  uint8_t buf[MP_CHAN_BUF];   /* encoded frames not yet sent */
  size_t len;
  size_t nev;                 /* events in buf */
  int64_t first_ms;           /* when the oldest event in buf was added */
  uint64_t seq, sent, dropped, dropped_reported, reconnects;
  int stalled;                /* a send timed out: the agent stopped reading */
  mp_pathset seen;
  char cwd[PATH_MAX];
  size_t cwd_len;
  int cwd_ok;
} chan;

static chan C = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};
static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Set while this thread is inside the hook; initial-exec so reading it never
 * allocates (a dlopen'ed TLS block would). */
static __thread int busy __attribute__((tls_model("initial-exec")));
static __thread int fork_locked __attribute__((tls_model("initial-exec")));

static int enter(void) {
  if (busy) return 0;
  busy = 1;
  pthread_mutex_lock(&C.lock);
  return 1;
}

static void leave(void) {
  pthread_mutex_unlock(&C.lock);
  busy = 0;
}

static int64_t now_ms(struct timespec *ts) {
  clock_gettime(CLOCK_REALTIME_COARSE, ts);
  return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* --- fork handlers ----------------------------------------------------------- */

static int ours(int fd) {
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == C.dev && st.st_ino == C.ino;
}

static void before_fork(void) {
  fork_locked = enter();
}

static void after_fork_parent(void) {
  if (fork_locked) leave();
  fork_locked = 0;
}

static void after_fork_child(void) {
  if (!fork_locked) return;
  C.self_pid = getpid();
  if (ours(C.fd)) close(C.fd);
  C.fd = -1;
  C.len = C.nev = 0;
  C.seq = C.sent = C.dropped = C.dropped_reported = C.reconnects = 0;
  C.stalled = 0;
  fork_locked = 0;
  leave();
}

/* --- init -------------------------------------------------------------------- */

static void init_once(void) {
  const char *s = getenv("MLPROV_SOCKET");
  if (!s || !*s || strlen(s) >= sizeof C.sock) return;
  memcpy(C.sock, s, strlen(s) + 1);
  Dl_info di;
  if (dladdr((void *)&mp__chan_init, &di) && di.dli_fname && strlen(di.dli_fname) < sizeof C.self)
    memcpy(C.self, di.dli_fname, strlen(di.dli_fname) + 1);
  C.have_rank = mp_rank_from_env(&C.rank);
  C.self_pid = getpid();
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

/* --- connection -------------------------------------------------------------- */

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

/* Sends the buffer; the caller holds the lock. */
static void flush_locked(int final) {
  struct timespec ts;
  now_ms(&ts);
  if (final && C.dropped > C.dropped_reported) {
    size_t n = mp_wire_stats_event(C.buf + C.len, sizeof C.buf - C.len, ++C.seq, &ts, C.sent + C.nev,
                                   C.dropped - C.dropped_reported, "preload");
    if (n) {
      C.len += n;
      C.dropped_reported = C.dropped;
    }
  }
  if (!C.len) return;
  if (C.stalled) { /* waited SEND_TIMEOUT_SEC once already: never again */
    C.dropped += C.nev;
    C.len = C.nev = 0;
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
  if (fd >= 0 && send_all(fd, C.buf, C.len) == 0) {
    C.sent += C.nev;
  } else {
    C.dropped += C.nev;
    /* a partial frame desynchronises the stream: start over next time */
    if (fd >= 0 && !transient) {
      close(fd);
      C.fd = -1;
    }
  }
  if (transient && fd >= 0) close(fd);
  C.len = C.nev = 0;
}

/* Appends one frame made by enc; flushes on size and age. Lock held. */
typedef size_t (*enc_fn)(uint8_t *out, size_t cap, const struct timespec *ts, const void *arg);

static void emit_locked(enc_fn enc, const void *arg) {
  struct timespec ts;
  int64_t now = now_ms(&ts);
  size_t n = enc(C.buf + C.len, sizeof C.buf - C.len, &ts, arg);
  if (!n && C.len) {
    flush_locked(0);
    n = enc(C.buf, sizeof C.buf, &ts, arg);
  }
  if (!n) {
    C.dropped++;
    return;
  }
  C.len += n;
  if (C.nev++ == 0) C.first_ms = now;
  else if (now - C.first_ms >= MP_CHAN_FLUSH_MS) flush_locked(0);
}

/* --- events ------------------------------------------------------------------ */

typedef struct path_ev {
  int kind;
  const char *path;
  size_t len;
} path_ev;

static size_t enc_path(uint8_t *out, size_t cap, const struct timespec *ts, const void *arg) {
  const path_ev *p = arg;
  return mp_wire_path_event(out, cap, p->kind, C.seq + 1, ts, p->path, p->len);
}

static int pseudo_fs(const char *p) {
  return strncmp(p, "/proc/", 6) == 0 || strncmp(p, "/sys/", 5) == 0 || strncmp(p, "/dev/", 5) == 0;
}

void mp__chan_path(int kind, int dirfd, const char *path) {
  if (!path || !*path || !mp__chan_on()) return;
  int saved = errno;
  char dir[PATH_MAX], abs[PATH_MAX];
  const char *base = NULL;
  size_t blen = 0;
  while (path[0] == '.' && path[1] == '/') path += 2;
  if (path[0] != '/' && dirfd != AT_FDCWD) {
    char link[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, dir, sizeof dir - 1);
    if (n <= 0 || dir[0] != '/') goto out; /* not a directory we can name */
    base = dir;
    blen = (size_t)n;
  }
  if (!enter()) goto out;
  if (path[0] != '/' && !base) {
    if (!__atomic_load_n(&C.cwd_ok, __ATOMIC_ACQUIRE)) {
      if (!getcwd(C.cwd, sizeof C.cwd)) {
        C.dropped++;
        goto unlock;
      }
      C.cwd_len = strlen(C.cwd);
      __atomic_store_n(&C.cwd_ok, 1, __ATOMIC_RELEASE);
    }
    base = C.cwd;
    blen = C.cwd_len;
  }
  const char *full = path;
  size_t len = strlen(path);
  if (base) {
    while (blen > 1 && base[blen - 1] == '/') blen--;
    if (blen + 1 + len >= sizeof abs) {
      C.dropped++;
      goto unlock;
    }
    memcpy(abs, base, blen);
    abs[blen] = '/';
    memcpy(abs + blen + 1, path, len + 1);
    full = abs;
    len += blen + 1;
  }
  if (!pseudo_fs(full) && mp_pathset_add(&C.seen, (unsigned)kind, full, len) != 0) {
    path_ev ev = {kind, full, len};
    emit_locked(enc_path, &ev);
    C.seq++;
  }
unlock:
  leave();
out:
  errno = saved;
}

typedef struct exec_ev {
  const char *path;
  const char *const *argv;
} exec_ev;

static size_t enc_exec(uint8_t *out, size_t cap, const struct timespec *ts, const void *arg) {
  const exec_ev *x = arg;
  return mp_wire_exec_event(out, cap, C.seq + 1, ts, x->path, x->argv);
}

void mp__chan_exec(const char *path, const char *const *argv) {
  if (!path || !mp__chan_on()) return;
  int saved = errno;
  if (enter()) {
    exec_ev ev = {path, argv};
    emit_locked(enc_exec, &ev);
    C.seq++;
    leave();
  }
  errno = saved;
}

void mp__chan_cwd_changed(void) { __atomic_store_n(&C.cwd_ok, 0, __ATOMIC_RELEASE); }

void mp__chan_flush(int final) {
  if (!mp__chan_on()) return;
  int saved = errno;
  if (enter()) {
    flush_locked(final);
    leave();
  }
  errno = saved;
}
