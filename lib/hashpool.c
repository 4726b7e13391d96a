/* hashpool.c — see hashpool.h: the file hashing pool, and mp_parallel_for (any
 * tasks, one atomic counter; used to build Merkle trees). Work distribution is one atomic counter over
 * the job array. A small file costs open, one pread, fstat and close: the
 * identity from the caller's listing replaces the fstat before reading, and
 * the read stops at the expected size (growth still shows in the fstat after). */
#include "hashpool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"

typedef struct pool {
  mp_hash_job *jobs;
  size_t n;
  const mp_hash_opts *o;
  size_t buf_size;
  atomic_size_t next;
} pool;

typedef struct par {
  mp_task_fn fn;
  void *ctx;
  size_t ntasks;
  atomic_size_t next;
  atomic_uint worker_ids;
} par;

unsigned mp_cpu_count(void) {
  cpu_set_t set; /* the CPUs this process may run on (taskset, cpusets) */
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return (unsigned)CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

void mp_file_id_from_stat(mp_file_id *id, const void *stp) {
  const struct stat *st = stp;
  id->dev = (uint64_t)st->st_dev;
  id->ino = (uint64_t)st->st_ino;
  id->size = (uint64_t)st->st_size;
  id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
  id->mtime_nsec = st->st_mtim.tv_nsec;
}

static int same_id(const mp_file_id *a, const mp_file_id *b) {
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

/* Keeps the message with the job (truncated to the field). */
static void set_job_error(mp_hash_job *j, int code, const mp_err *e) {
  const char *msg = e->msg[0] ? e->msg : mp_strerror(code);
  size_t l = strnlen(msg, sizeof j->error - 1);
  memcpy(j->error, msg, l);
  j->error[l] = '\0';
  j->rc = code;
}

static void run_job(pool *p, mp_hash_job *j, mp_hasher *h, uint8_t *buf) {
  mp_err e;
  mp_err_clear(&e);
  memset(&j->out, 0, sizeof j->out);
  j->rc = 0;
  /* O_NONBLOCK: a FIFO swapped in after the listing must not hang us. */
  int fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (j->nofollow ? O_NOFOLLOW : 0));
  if (fd < 0) {
    if (errno == ELOOP && j->nofollow)
      j->rc = mp_err_set(&e, MP_EVERIFY, "%s: became a symbolic link", j->path);
    else
      j->rc = mp_err_errno(&e, MP_EIO, errno, "opening %s", j->path);
    goto done;
  }
  struct stat st;
  mp_file_id before, after;
  if (j->expect) {
    before = *j->expect;
  } else {
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      j->rc = mp_err_set(&e, MP_EIO, "hashing %s: not a readable regular file", j->path);
      close(fd);
      goto done;
    }
    mp_file_id_from_stat(&before, &st);
  }
  /* The range to read, from the size seen before: reading stops there. */
  uint64_t want = 0;
  if (j->offset <= before.size) want = before.size - j->offset;
  if (j->len != UINT64_MAX && j->len < want) want = j->len;
  if (want > p->buf_size)
    posix_fadvise(fd, (off_t)j->offset, (off_t)want, POSIX_FADV_SEQUENTIAL);
  uint64_t nread = 0;
  j->rc = mp_hasher_fd_range(h, fd, j->offset, want, buf, p->buf_size, p->o->progress, p->o->ctx,
                             j->out.digest, &j->out.digest_len, &nread, &e);
  if (j->rc == 0) {
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      j->rc = mp_err_set(&e, MP_EIO, "hashing %s: not a readable regular file", j->path);
    } else {
      mp_file_id_from_stat(&after, &st);
      j->out.size = nread;
      j->out.changed = !same_id(&before, &after) || nread != want ||
                       (j->len != UINT64_MAX && nread != j->len);
      mp_hex_encode(j->out.digest, j->out.digest_len, j->out.hex);
    }
  } else {
    mp_err_prefix(&e, "hashing %s", j->path);
  }
  close(fd);
done:
  if (j->rc) set_job_error(j, j->rc, &e);
}

static void *worker(void *arg) {
  pool *p = arg;
  mp_err e;
  mp_err_clear(&e);
  mp_hasher *h = NULL;
  uint8_t *buf = NULL;
  if (mp_hasher_new(p->o->alg, &h, &e) == 0 && !(buf = malloc(p->buf_size)))
    mp_err_set(&e, MP_ENOMEM, "out of memory");
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n) break;
    if (!buf) set_job_error(&p->jobs[i], e.code ? e.code : MP_ENOMEM, &e);
    else run_job(p, &p->jobs[i], h, buf);
  }
  free(buf);
  mp_hasher_free(h);
  return NULL;
}

int mp_hash_run(mp_hash_job *jobs, size_t n, const mp_hash_opts *o, mp_err *e) {
  static const mp_hash_opts defaults = {0};
  if (!o) o = &defaults;
  pool p = {.jobs = jobs, .n = n, .o = o, .buf_size = o->buf_size ? o->buf_size : MP_HASH_BUF};
  atomic_init(&p.next, 0);
  unsigned threads = o->threads ? o->threads : mp_cpu_count();
  if (threads > n) threads = n ? (unsigned)n : 1;
  pthread_t *tids = calloc(threads, sizeof *tids);
  unsigned started = 0;
  if (tids)
    for (; started + 1 < threads; started++)
      if (pthread_create(&tids[started], NULL, worker, &p) != 0) break;
  worker(&p); /* the calling thread works too */
  for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
  free(tids);
  for (size_t i = 0; i < n; i++)
    if (jobs[i].rc) return mp_err_set(e, jobs[i].rc, "%s", jobs[i].error);
  return 0;
}

int mp_hash_jobs(mp_hash_job *jobs, size_t n, unsigned threads, const char *alg,
                 mp_hash_progress_cb progress, void *ctx, mp_err *e) {
  mp_hash_opts o = {.threads = threads, .alg = alg, .progress = progress, .ctx = ctx};
  return mp_hash_run(jobs, n, &o, e);
}

void mp_hint_hugepages(void *p, size_t len) {
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1), end = ((uintptr_t)p + len) & ~(huge - 1);
  if (p && end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
}

unsigned mp_parallel_workers(unsigned threads, size_t ntasks) {
  if (!threads) threads = mp_cpu_count();
  if (threads > 1024) threads = 1024;
  if (threads > ntasks) threads = ntasks ? (unsigned)ntasks : 1;
  return threads;
}

static void *par_worker(void *arg) {
  par *p = arg;
  unsigned id = atomic_fetch_add(&p->worker_ids, 1);
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->ntasks) break;
    p->fn(p->ctx, i, id);
  }
  return NULL;
}

void mp_parallel_for(unsigned threads, size_t ntasks, mp_task_fn fn, void *ctx) {
  par p = {.fn = fn, .ctx = ctx, .ntasks = ntasks};
  atomic_init(&p.next, 0);
  atomic_init(&p.worker_ids, 0);
  threads = mp_parallel_workers(threads, ntasks);
  pthread_t *tids = threads > 1 ? calloc(threads - 1, sizeof *tids) : NULL;
  unsigned started = 0;
  if (tids)
    for (; started + 1 < threads; started++)
      if (pthread_create(&tids[started], NULL, par_worker, &p) != 0) break;
  par_worker(&p); /* the calling thread works too */
  for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
  free(tids);
}
