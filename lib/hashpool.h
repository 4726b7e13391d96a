/* hashpool.h — hash many files, or many byte ranges of files, on every core.
 *
 * The caller fills an array of jobs; mp_hash_run() runs them on a pool of
 * worker threads (default: one per online CPU, the calling thread included)
 * and fills each job's result. A job that fails records its own error and
 * does not stop the others. Each worker owns one read buffer and one digest
 * context; files are read with pread() after posix_fadvise(SEQUENTIAL).
 * read() beat mmap() here (page faults cost more than the copy, see
 * bench/hashio.c), and a file truncated under a mapping raises SIGBUS where
 * read() just returns short, so only read() is used.
 *
 * Change detection: a job may carry the identity the caller saw when it
 * listed the file (device, inode, size, mtime); after hashing, the open file
 * must still match it, and must have delivered exactly the expected bytes.
 * Without an identity, the file's own fstat before and after is compared.
 * Either way a mismatch sets out.changed instead of returning a digest the
 * caller could sign by mistake.
 */
#ifndef MP_HASHPOOL_H
#define MP_HASHPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

typedef struct mp_file_id {
  uint64_t dev, ino, size;
  int64_t mtime_sec;
  long mtime_nsec;
} mp_file_id;

typedef struct mp_hash_job {
  const char *path;         /* borrowed */
  uint64_t offset;          /* byte range; len == UINT64_MAX means to the end */
  uint64_t len;
  const mp_file_id *expect; /* borrowed, may be NULL: see change detection */
  int nofollow;             /* refuse a symbolic link as the last component */
  size_t tag;               /* for the caller (e.g. an index), untouched */
  /* results */
  int rc;                   /* 0 or MP_E* */
  char error[256];
  mp_file_digest out;
} mp_hash_job;

typedef struct mp_hash_opts {
  unsigned threads;              /* 0: one per online CPU */
  const char *alg;               /* NULL: sha256 */
  size_t buf_size;               /* 0: MP_HASH_BUF */
  mp_hash_progress_cb progress;  /* called from workers after each read */
  void *ctx;
} mp_hash_opts;

/* Returns 0 when every job succeeded, else the first failing job's code (its
 * message in e); all jobs are attempted either way. Jobs are taken in array
 * order, so callers put the largest first to keep every core busy to the end. */
int mp_hash_run(mp_hash_job *jobs, size_t n, const mp_hash_opts *o, mp_err *e);

/* mp_hash_run with default buffer size (kept for existing callers). */
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

/* Number of CPUs this process may run on (at least 1). */
unsigned mp_cpu_count(void);

/* Fills id from a stat result (struct stat *, void to keep sys/stat.h out). */
void mp_file_id_from_stat(mp_file_id *id, const void *st);

#endif
