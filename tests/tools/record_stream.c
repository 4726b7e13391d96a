/* record_stream.c — a job that reports dataset records through the C hook,
 * for test_dataset.sh: N records "record I", alternating between datasets
 * "even" and "odd" (so batches switch dataset on every call), from T threads
 * when asked (each thread its own dataset "tK", records "K:I"), then closes
 * the hook. The roots the agent signs must equal those of the same lines
 * committed with `mlprov dataset commit`.
 *
 *   record_stream N [T]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlprov_hook.h"

static mlprov_hook *h;
static long n;

static void *thread_main(void *arg) {
  long k = (long)(intptr_t)arg;
  char ds[16], rec[64];
  snprintf(ds, sizeof ds, "t%ld", k);
  mlprov_record_format(h, ds, "lines");
  for (long i = 0; i < n; i++) {
    int len = snprintf(rec, sizeof rec, "%ld:%ld", k, i);
    if (mlprov_record(h, ds, rec, (size_t)len) != 0) return (void *)1;
  }
  return NULL;
}

int main(int argc, char **argv) {
  n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
  long threads = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
  if (n < 1 || threads < 0 || threads > 64) {
    fprintf(stderr, "usage: record_stream N [THREADS]\n");
    return 2;
  }
  h = mlprov_hook_open();
  int rc = 0;
  mlprov_record_format(h, "even", "lines");
  mlprov_record_format(h, "odd", "lines");
  for (long i = 0; i < n; i++) {
    char rec[32];
    int len = snprintf(rec, sizeof rec, "record %ld", i);
    if (mlprov_record(h, i % 2 ? "odd" : "even", rec, (size_t)len) != 0) rc = 1;
  }
  pthread_t tid[64];
  for (long k = 0; k < threads; k++) pthread_create(&tid[k], NULL, thread_main, (void *)(intptr_t)k);
  for (long k = 0; k < threads; k++) {
    void *r;
    pthread_join(tid[k], &r);
    if (r) rc = 1;
  }
  mlprov_hook_close(h);
  return rc;
}
