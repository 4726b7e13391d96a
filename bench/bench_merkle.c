/* bench_merkle.c — dataset transparency speed, for bench/bench_merkle.sh.
 *
 *   bench_merkle N [THREADS]
 *   bench_merkle --write-lines N FILE   (N distinct lines of 100 bytes + "\n")
 *   bench_merkle --hook N               (run under `mlprov run`: the cost of
 *                                        mlprov_record per 100-byte record,
 *                                        beside SHA-256 of each record)
 *
 * Makes N records of 100 bytes in memory and measures, in this order:
 *   ref      SHA-256 of the same N*100 bytes as one stream (the reference)
 *   leaves   the N leaf hashes SHA-256(0x00 || record), on THREADS threads
 *   trees    both trees of the commitment (mp_dstree_commit: record tree root,
 *            sort + de-duplicate, sorted tree root)
 *   prove    an inclusion and a non-inclusion proof (each O(N) hashes)
 *   verify   mp_dsproof_parse + mp_dsproof_verify of each, averaged
 * and prints one "key value" line per measurement for the script.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsproof.h"
#include "hashpool.h"
#include "merkle.h"
#include "mlprov_hook.h"

#define REC 100

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of all threads: with other jobs on the machine, wall time says
 * how long one waited and CPU time how much work it was. */
static double cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

typedef struct leaf_job {
  const uint8_t *recs;
  uint8_t *leaves;
  size_t n, per;
  mp_sha256_ctx **ctx;
} leaf_job;

static void leaf_task(void *arg, size_t t, unsigned w) {
  leaf_job *j = arg;
  size_t end = (t + 1) * j->per < j->n ? (t + 1) * j->per : j->n;
  for (size_t i = t * j->per; i < end; i++) mp_merkle_leaf_hash_ctx(j->ctx[w], j->recs + i * REC, REC, j->leaves + i * 32);
}

static double verify_us(const mp_dsproof *p, const uint8_t *rec, uint64_t size, const uint8_t *root, size_t *bytes) {
  uint8_t *buf;
  size_t len;
  if (mp_dsproof_encode(p, &buf, &len, NULL)) return -1;
  *bytes = len;
  int iters = 20000;
  double t0 = now();
  for (int i = 0; i < iters; i++) {
    mp_dsproof *q = NULL;
    if (mp_dsproof_parse(buf, len, &q, NULL) || mp_dsproof_verify(q, rec, size, root, NULL)) {
      fprintf(stderr, "bench_merkle: proof does not verify\n");
      exit(1);
    }
    mp_dsproof_free(q);
  }
  double us = (now() - t0) / iters * 1e6;
  free(buf);
  return us;
}

static int write_lines(size_t n, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return 2;
  char line[REC + 2];
  for (size_t i = 0; i < n; i++) {
    snprintf(line, sizeof line, "%020zu %079zu\n", i, (i * 2654435761u) % 1000000007u);
    fputs(line, f);
  }
  return fclose(f) == 0 ? 0 : 2;
}

/* What a training loop pays per sample: mlprov_record (hash, queue, a frame
 * per batch) against a bare SHA-256 of the sample. */
static int hook_cost(size_t n) {
  uint8_t rec[REC], d[32];
  memset(rec, 0x61, sizeof rec);
  unsigned dl;
  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    memcpy(rec, &i, sizeof i);
    EVP_Digest(rec, REC, d, &dl, EVP_sha256(), NULL);
  }
  printf("hook_ref_ns %.1f\n", (now() - t0) / (double)n * 1e9);
  mlprov_hook *h = mlprov_hook_open();
  if (!mlprov_hook_active(h)) {
    fprintf(stderr, "bench_merkle --hook: not under mlprov run\n");
    return 2;
  }
  t0 = now();
  for (size_t i = 0; i < n; i++) {
    memcpy(rec, &i, sizeof i);
    if (mlprov_record(h, "bench", rec, REC) != 0) return 1;
  }
  mlprov_record_flush(h);
  printf("hook_record_ns %.1f\n", (now() - t0) / (double)n * 1e9);
  mlprov_hook_close(h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--write-lines") == 0) return write_lines(strtoull(argv[2], NULL, 10), argv[3]);
  if (argc == 3 && strcmp(argv[1], "--hook") == 0) return hook_cost(strtoull(argv[2], NULL, 10));
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
  if (!threads) threads = mp_cpu_count();
  uint8_t *recs = malloc(n * REC), *leaves = malloc(n * 32);
  if (!recs || !leaves || n < 2) return 2;
  /* The leaf array is touched before timing: a job's leaves arrive during the
   * run (the agent's array grows as records come), so first-touch page
   * faults (expensive on some VMs) are not part of building the trees. */
  memset(leaves, 0, n * 32);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n * REC / 8; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    memcpy(recs + i * 8, &x, 8);
  }
  printf("records %zu\nthreads %u\n", n, threads);

  uint8_t d[32];
  unsigned dl;
  double t0 = now(), c0 = cpu();
  EVP_Digest(recs, n * REC, d, &dl, EVP_sha256(), NULL);
  printf("ref_s %.4f\nref_cpu_s %.4f\n", now() - t0, cpu() - c0);

  unsigned nw = mp_parallel_workers(threads, 64);
  leaf_job j = {.recs = recs, .leaves = leaves, .n = n, .per = (n + 63) / 64, .ctx = calloc(nw, sizeof *j.ctx)};
  for (unsigned w = 0; w < nw; w++) j.ctx[w] = mp_sha256_ctx_new();
  t0 = now();
  c0 = cpu();
  mp_parallel_for(nw, 64, leaf_task, &j);
  printf("leaves_s %.4f\n", now() - t0);
  for (unsigned w = 0; w < nw; w++) mp_sha256_ctx_free(j.ctx[w]);
  free(j.ctx);

  mp_dscommit c;
  t0 = now();
  if (mp_dstree_commit(leaves, n, threads, &c, NULL, NULL)) return 1;
  printf("trees_s %.4f\nbuild_cpu_s %.4f\n", now() - t0, cpu() - c0);

  mp_dstree *t = NULL;
  if (mp_dstree_new("bench", MP_DSFMT_RECORDS, leaves, n, threads, &t, NULL)) return 1;
  free(leaves);
  mp_dsproof *in = NULL, *out = NULL;
  uint8_t absent[32];
  memset(absent, 0x5a, 32);
  const uint8_t *rec = t->leaves + (n / 3) * 32;
  t0 = now();
  if (mp_dsproof_make(t, rec, &in, NULL)) return 1;
  printf("prove_in_s %.4f\n", now() - t0);
  t0 = now();
  if (mp_dsproof_make(t, absent, &out, NULL)) return 1;
  printf("prove_out_s %.4f\n", now() - t0);
  size_t bin, bout;
  printf("verify_in_us %.2f\n", verify_us(in, rec, c.size, c.root, &bin));
  printf("verify_out_us %.2f\n", verify_us(out, absent, c.distinct, c.sorted_root, &bout));
  printf("proof_in_bytes %zu\nproof_out_bytes %zu\npath_hashes %zu\n", bin, bout, in->leaves[0].pathlen);
  mp_dsproof_free(in);
  mp_dsproof_free(out);
  mp_dstree_free(t);
  free(recs);
  return 0;
}
