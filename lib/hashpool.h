/* hashpool.h — hash many files, or many byte ranges of files, on every core.
 *
 * The caller fills an array of jobs; mp_hash_jobs() runs them on `threads`
 * worker threads (0: one per online CPU) and fills each job's result. A job
 * that fails records its own error and does not stop the others. Each worker
 * owns one read buffer; files are read with pread() in MP_HASH_BUF chunks
 * after posix_fadvise(SEQUENTIAL).
 */
#ifndef MP_HASHPOOL_H
#define MP_HASHPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

typedef struct mp_hash_job {
  const char *path;     /* borrowed */
  uint64_t offset;      /* byte range; len == UINT64_MAX means to the end */
  uint64_t len;
  /* results */
  int rc;               /* 0 or MP_E* */
  char error[256];
  mp_file_digest out;
} mp_hash_job;

/* Progress callback, called from worker threads with the bytes just hashed
 * (may be NULL). */
typedef void (*mp_hash_progress_cb)(void *ctx, uint64_t bytes);

/* Returns 0 when every job succeeded, else the first failing job's code (its
 * message in e); all jobs are attempted either way. */
int mp_hash_jobs(mp_hash_job *jobs, size_t n, unsigned threads, const char *alg,
                 mp_hash_progress_cb progress, void *ctx, mp_err *e);

/* Runs fn(ctx, task, worker) for every task in [0, ntasks) on up to `threads`
 * threads (0: one per CPU; the calling thread is one of them). Tasks are
 * handed out in increasing order through one atomic counter; `worker` is in
 * [0, threads) and lets fn use per-worker scratch state. Returns the number of
 * workers used (for sizing such state, call with the same threads value and
 * allocate mp_parallel_workers(threads, ntasks) slots). */
typedef void (*mp_task_fn)(void *ctx, size_t task, unsigned worker);
unsigned mp_parallel_workers(unsigned threads, size_t ntasks);
void mp_parallel_for(unsigned threads, size_t ntasks, mp_task_fn fn, void *ctx);

/* Asks the kernel to back the 2 MiB-aligned part of a large buffer with huge
 * pages before it is first written: first writes to fresh memory cost a page
 * fault per 4 KiB, which dominates building trees of millions of leaves on
 * some virtual machines. A hint only: harmless when not honoured. */
void mp_hint_hugepages(void *p, size_t len);

/* Number of online CPUs (at least 1). */
unsigned mp_cpu_count(void);

#endif
