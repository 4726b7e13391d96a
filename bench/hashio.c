/* hashio.c — the measurement behind the hash pool's I/O choice: the same
 * files hashed with the pool (pread into a per-thread buffer) at several
 * buffer sizes, and with mmap() (whole file mapped, MADV_SEQUENTIAL, hashed
 * in place), on the same threads. Prints GB/s for each; bench_hash.sh shows
 * them beside the openssl ceiling.
 *
 *   hashio THREADS FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hashpool.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct mm_pool {
  char **files;
  int n;
  atomic_int next;
  int failed;
} mm_pool;

static void *mm_worker(void *arg) {
  mm_pool *p = arg;
  mp_hasher *h = NULL;
  if (mp_hasher_new("sha256", &h, NULL) != 0) return NULL;
  for (int i; (i = atomic_fetch_add(&p->next, 1)) < p->n;) {
    int fd = open(p->files[i], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      p->failed = 1;
      if (fd >= 0) close(fd);
      continue;
    }
    size_t len = (size_t)st.st_size;
    uint8_t out[MP_DIGEST_MAX];
    size_t ol;
    mp_hasher_init(h, NULL);
    if (len) {
      void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
      if (m == MAP_FAILED) {
        p->failed = 1;
        close(fd);
        continue;
      }
      madvise(m, len, MADV_SEQUENTIAL);
      mp_hasher_update(h, m, len);
      munmap(m, len);
    }
    mp_hasher_final(h, out, &ol, NULL);
    close(fd);
  }
  mp_hasher_free(h);
  return NULL;
}

static double run_mmap(char **files, int n, unsigned threads) {
  mm_pool p = {.files = files, .n = n};
  atomic_init(&p.next, 0);
  pthread_t t[64];
  if (threads > 64) threads = 64;
  double t0 = now();
  for (unsigned i = 0; i < threads; i++) pthread_create(&t[i], NULL, mm_worker, &p);
  for (unsigned i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return p.failed ? -1 : now() - t0;
}

static double run_pool(char **files, int n, unsigned threads, size_t buf) {
  mp_hash_job *jobs = calloc((size_t)n, sizeof *jobs);
  for (int i = 0; i < n; i++) jobs[i] = (mp_hash_job){.path = files[i], .len = UINT64_MAX};
  mp_hash_opts o = {.threads = threads, .buf_size = buf};
  mp_err e;
  double t0 = now();
  int rc = mp_hash_run(jobs, (size_t)n, &o, &e);
  double t = now() - t0;
  free(jobs);
  if (rc) fprintf(stderr, "hashio: %s\n", e.msg);
  return rc ? -1 : t;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hashio THREADS FILE...\n");
    return 2;
  }
  unsigned threads = (unsigned)atoi(argv[1]);
  char **files = argv + 2;
  int n = argc - 2;
  double bytes = 0;
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (stat(files[i], &st) != 0) {
      fprintf(stderr, "hashio: %s: %s\n", files[i], strerror(errno));
      return 2;
    }
    bytes += (double)st.st_size;
  }
  static const size_t sizes[] = {64u << 10, 128u << 10, 256u << 10, 1u << 20, 4u << 20};
  /* best of three, interleaved, so load from elsewhere hits every variant alike */
  double best[6] = {0};
  for (int round = 0; round < 3; round++) {
    for (int s = 0; s < 5; s++) {
      double t = run_pool(files, n, threads, sizes[s]);
      if (t > 0 && (best[s] == 0 || t < best[s])) best[s] = t;
    }
    double t = run_mmap(files, n, threads);
    if (t > 0 && (best[5] == 0 || t < best[5])) best[5] = t;
  }
  for (int s = 0; s < 5; s++)
    printf("read %4zu KiB buffer%s  %.2f GB/s\n", sizes[s] >> 10, sizes[s] == MP_HASH_BUF ? " (default)" : "          ",
           best[s] > 0 ? bytes / best[s] / 1e9 : 0);
  printf("mmap whole file              %.2f GB/s\n", best[5] > 0 ? bytes / best[5] / 1e9 : 0);
  return 0;
}
