/* hashpool.c — see hashpool.h. Work distribution is one atomic counter over
 * the tasks (mp_parallel_for); file jobs are expected to be sorted largest
 * first by callers that care about tail latency. */
#include "hashpool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
  const char *alg;
  mp_hash_progress_cb progress;
  void *ctx;
  uint8_t **bufs;          /* one read buffer per worker, NULL when OOM */
} pool;

typedef struct par {
  mp_task_fn fn;
  void *ctx;
  size_t ntasks;
  atomic_size_t next;
  atomic_uint worker_ids;
} par;

unsigned mp_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

static void run_job(pool *p, mp_hash_job *j, uint8_t *buf) {
  mp_err e;
  mp_err_clear(&e);
  memset(&j->out, 0, sizeof j->out);
  int fd = open(j->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    j->rc = mp_err_errno(&e, MP_EIO, errno, "opening %s", j->path);
    goto done;
  }
  struct stat before, after;
  if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    j->rc = mp_err_set(&e, MP_EIO, "hashing %s: not a readable regular file", j->path);
    close(fd);
    goto done;
  }
  posix_fadvise(fd, (off_t)j->offset, j->len == UINT64_MAX ? 0 : (off_t)j->len,
                POSIX_FADV_SEQUENTIAL);
  uint64_t nread = 0;
  j->rc = mp_digest_fd_range(fd, p->alg, j->offset, j->len, buf, j->out.digest,
                             &j->out.digest_len, &nread, &e);
  if (j->rc == 0) {
    fstat(fd, &after);
    j->out.size = nread;
    j->out.changed = after.st_size != before.st_size ||
                     after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
                     after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
                     (j->len != UINT64_MAX && nread != j->len) ||
                     (j->len == UINT64_MAX && (uint64_t)after.st_size != j->offset + nread);
    mp_hex_encode(j->out.digest, j->out.digest_len, j->out.hex);
    if (p->progress) p->progress(p->ctx, nread);
  } else {
    mp_err_prefix(&e, "hashing %s", j->path);
  }
  close(fd);
done:
  if (j->rc) {
    size_t l = strnlen(e.msg, sizeof j->error - 1);
    memcpy(j->error, e.msg, l);
    j->error[l] = '\0';
  }
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

static void hash_task(void *ctx, size_t i, unsigned worker) {
  pool *p = ctx;
  if (!p->bufs || !p->bufs[worker]) {
    p->jobs[i].rc = MP_ENOMEM;
    snprintf(p->jobs[i].error, sizeof p->jobs[i].error, "out of memory");
    return;
  }
  run_job(p, &p->jobs[i], p->bufs[worker]);
}

int mp_hash_jobs(mp_hash_job *jobs, size_t n, unsigned threads, const char *alg,
                 mp_hash_progress_cb progress, void *ctx, mp_err *e) {
  pool p = {.jobs = jobs, .alg = alg, .progress = progress, .ctx = ctx};
  unsigned nw = mp_parallel_workers(threads, n);
  p.bufs = calloc(nw, sizeof *p.bufs);
  for (unsigned w = 0; p.bufs && w < nw; w++) p.bufs[w] = malloc(MP_HASH_BUF);
  mp_parallel_for(nw, n, hash_task, &p);
  for (unsigned w = 0; p.bufs && w < nw; w++) free(p.bufs[w]);
  free(p.bufs);
  for (size_t i = 0; i < n; i++)
    if (jobs[i].rc) return mp_err_set(e, jobs[i].rc, "%s", jobs[i].error);
  return 0;
}
