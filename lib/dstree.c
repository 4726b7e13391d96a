/* dstree.c — see dstree.h. Sorting uses the fact that leaf hashes are
 * uniformly distributed: a most-significant-byte-first radix sort splits
 * them into 256 groups per byte until a group is small enough for insertion
 * sort (three passes for ten million hashes, each writing 256 streams, so it
 * stays cache-friendly); the groups of the first byte are sorted in
 * parallel. Duplicates (the only
 * non-uniform case) just make one group larger. The two roots are computed
 * with mp_merkle_root_mt. */
#include "dstree.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "fileio.h"
#include "hashpool.h"
#include "merkle.h"

#define RADIX 256u
#define INSERTION_SORT 32u   /* groups this small are finished by insertion sort */
#define TREE_FILE_MAX ((size_t)1 << 40)

static void insertion_sort(uint8_t *h, size_t n) {
  uint8_t x[MP_SHA256_LEN];
  for (size_t i = 1; i < n; i++) {
    size_t k = i;
    memcpy(x, h + i * MP_SHA256_LEN, MP_SHA256_LEN);
    while (k > 0 && memcmp(h + (k - 1) * MP_SHA256_LEN, x, MP_SHA256_LEN) > 0) {
      memcpy(h + k * MP_SHA256_LEN, h + (k - 1) * MP_SHA256_LEN, MP_SHA256_LEN);
      k--;
    }
    memcpy(h + k * MP_SHA256_LEN, x, MP_SHA256_LEN);
  }
}

/* Moves n hashes from src to dst grouped by their byte `b` (a stable counting
 * sort on that byte); start receives the RADIX + 1 group offsets. */
static void scatter(const uint8_t *src, size_t n, int b, uint8_t *dst, size_t start[RADIX + 1]) {
  size_t fill[RADIX];
  memset(start, 0, (RADIX + 1) * sizeof *start);
  for (size_t i = 0; i < n; i++) start[src[i * MP_SHA256_LEN + b] + 1]++;
  for (size_t r = 1; r <= RADIX; r++) start[r] += start[r - 1];
  memcpy(fill, start, sizeof fill);
  for (size_t i = 0; i < n; i++)
    memcpy(dst + fill[src[i * MP_SHA256_LEN + b]]++ * MP_SHA256_LEN, src + i * MP_SHA256_LEN, MP_SHA256_LEN);
}

/* Sorts the n hashes at a, which agree on their first `byte` bytes: most
 * significant byte first, through the scratch space tmp (n hashes). Equal
 * hashes recurse to byte 32, where there is nothing left to sort. */
static void radix_sort(uint8_t *a, uint8_t *tmp, size_t n, int byte) {
  if (n <= INSERTION_SORT) {
    insertion_sort(a, n);
    return;
  }
  if (byte == MP_SHA256_LEN) return;
  size_t start[RADIX + 1];
  scatter(a, n, byte, tmp, start);
  memcpy(a, tmp, n * MP_SHA256_LEN);
  for (size_t r = 0; r < RADIX; r++)
    if (start[r + 1] - start[r] > 1)
      radix_sort(a + start[r] * MP_SHA256_LEN, tmp + start[r] * MP_SHA256_LEN, start[r + 1] - start[r], byte + 1);
}

typedef struct sort_job {
  uint8_t *out;
  const size_t *start;        /* RADIX + 1 offsets of the first-byte groups */
  uint8_t **tmp;              /* one scratch buffer per worker */
  size_t *tmpcap;
  atomic_int failed;          /* a worker had no scratch memory */
} sort_job;

/* Sorts first-byte group t (about 1/256 of the data, so it stays in cache). */
static void group_task(void *ctx, size_t t, unsigned w) {
  sort_job *j = ctx;
  size_t cnt = j->start[t + 1] - j->start[t];
  uint8_t *base = j->out + j->start[t] * MP_SHA256_LEN;
  if (cnt > INSERTION_SORT && j->tmpcap[w] < cnt) {
    uint8_t *nt = realloc(j->tmp[w], cnt * MP_SHA256_LEN);
    if (!nt) {
      atomic_store(&j->failed, 1);
      return;
    }
    j->tmp[w] = nt;
    j->tmpcap[w] = cnt;
  }
  radix_sort(base, j->tmp[w], cnt, 1);
}

int mp_dstree_sort(const uint8_t *leaves, size_t n, unsigned threads, uint8_t **sorted, size_t *m,
                   mp_err *e) {
  *sorted = NULL;
  *m = 0;
  if (n == 0) return 0;
  uint8_t *out = malloc(n * MP_SHA256_LEN);
  if (!out) return mp_err_set(e, MP_ENOMEM, "out of memory sorting %zu leaf hashes", n);
  mp_hint_hugepages(out, n * MP_SHA256_LEN);
  /* the first radix pass is also the copy; the 256 groups are then sorted in
   * parallel */
  size_t start[RADIX + 1];
  scatter(leaves, n, 0, out, start);
  unsigned nw = mp_parallel_workers(threads, RADIX);
  sort_job j = {.out = out, .start = start, .tmp = calloc(nw, sizeof *j.tmp), .tmpcap = calloc(nw, sizeof *j.tmpcap)};
  atomic_init(&j.failed, 0);
  if (j.tmp && j.tmpcap) mp_parallel_for(nw, RADIX, group_task, &j);
  for (unsigned w = 0; j.tmp && w < nw; w++) free(j.tmp[w]);
  int ok = j.tmp && j.tmpcap && !atomic_load(&j.failed);
  free(j.tmp);
  free(j.tmpcap);
  if (!ok) {
    free(out);
    return mp_err_set(e, MP_ENOMEM, "out of memory sorting %zu leaf hashes", n);
  }
  size_t k = 1;
  for (size_t i = 1; i < n; i++)
    if (memcmp(out + i * MP_SHA256_LEN, out + (k - 1) * MP_SHA256_LEN, MP_SHA256_LEN) != 0) {
      if (k != i) memcpy(out + k * MP_SHA256_LEN, out + i * MP_SHA256_LEN, MP_SHA256_LEN);
      k++;
    }
  *sorted = out;
  *m = k;
  return 0;
}

int mp_dstree_commit(const uint8_t *leaves, size_t n, unsigned threads, mp_dscommit *c,
                     uint8_t **sorted, mp_err *e) {
  memset(c, 0, sizeof *c);
  c->size = n;
  uint8_t *s = NULL;
  size_t m = 0;
  int rc = mp_merkle_root_mt(leaves, n, threads, c->root, e);
  if (rc == 0) rc = mp_dstree_sort(leaves, n, threads, &s, &m, e);
  if (rc == 0) rc = mp_merkle_root_mt(s, m, threads, c->sorted_root, e);
  c->distinct = m;
  if (rc == 0 && sorted) *sorted = s;
  else free(s);
  return rc;
}

/* Checks the arguments of a tree file and fills its header. */
static int header(const char *what, const char *name, mp_dsformat fmt, size_t n, const mp_dscommit *c,
                  uint8_t h[MP_DSTREE_HEADER], size_t *namelen, mp_err *e) {
  size_t nl = name ? strlen(name) : 0;
  if (nl == 0 || nl > 65535)
    return mp_err_set(e, MP_EUSAGE, "%s: a dataset name of 1 to 65535 bytes is needed", what);
  if (!mp_dsformat_name((int)fmt)) return mp_err_set(e, MP_EUSAGE, "%s: unknown record format %d", what, (int)fmt);
  if (n == 0 || c->size != n || c->distinct == 0 || c->distinct > n)
    return mp_err_set(e, MP_EUSAGE, "%s: no records (an empty dataset has no tree)", what);
  memcpy(h, MP_DSTREE_MAGIC, 4);
  h[4] = 1;
  h[5] = (uint8_t)fmt;
  h[6] = (uint8_t)(nl >> 8);
  h[7] = (uint8_t)nl;
  mp_put_be64(h + 8, c->size);
  mp_put_be64(h + 16, c->distinct);
  memcpy(h + 24, c->root, MP_SHA256_LEN);
  memcpy(h + 56, c->sorted_root, MP_SHA256_LEN);
  *namelen = nl;
  return 0;
}

int mp_dstree_write(const char *path, const char *name, mp_dsformat fmt, const uint8_t *leaves,
                    size_t n, const mp_dscommit *c, int exclusive, mp_err *e) {
  uint8_t h[MP_DSTREE_HEADER];
  size_t nl;
  int rc = header(path, name, fmt, n, c, h, &nl, e);
  if (rc) return rc;
  const void *parts[3] = {h, name, leaves};
  size_t lens[3] = {sizeof h, nl, n * MP_SHA256_LEN};
  rc = mp_write_file_parts(path, parts, lens, 3, 0644, exclusive, e);
  return rc ? mp_err_prefix(e, "writing tree file") : 0;
}

int mp_dstree_new(const char *name, mp_dsformat fmt, const uint8_t *leaves, size_t n, unsigned threads,
                  mp_dstree **out, mp_err *e) {
  mp_dscommit c;
  uint8_t h[MP_DSTREE_HEADER];
  size_t nl;
  int rc = mp_dstree_commit(leaves, n, threads, &c, NULL, e);
  if (rc == 0) rc = header("tree", name, fmt, n, &c, h, &nl, e);
  if (rc) return rc;
  size_t len = sizeof h + nl + n * MP_SHA256_LEN;
  uint8_t *buf = malloc(len);
  if (!buf) return mp_err_set(e, MP_ENOMEM, "out of memory");
  memcpy(buf, h, sizeof h);
  memcpy(buf + sizeof h, name, nl);
  memcpy(buf + sizeof h + nl, leaves, n * MP_SHA256_LEN);
  return mp_dstree_parse("tree", buf, len, threads, out, e);
}

int mp_dstree_parse(const char *what, uint8_t *buf, size_t len, unsigned threads, mp_dstree **out,
                    mp_err *e) {
  int rc = 0;
  mp_dstree *t = calloc(1, sizeof *t);
  if (!t) {
    free(buf);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  t->buf = buf;
  t->threads = threads;
  if (len < MP_DSTREE_HEADER || memcmp(buf, MP_DSTREE_MAGIC, 4) != 0) {
    rc = mp_err_set(e, MP_EPARSE, "%s: not an mlprov tree file (no MPTR header)", what);
    goto fail;
  }
  if (buf[4] != 1) {
    rc = mp_err_set(e, MP_EUNSUPPORTED, "%s: tree file version %u (this mlprov reads version 1)", what, buf[4]);
    goto fail;
  }
  size_t nl = (size_t)buf[6] << 8 | buf[7];
  uint64_t n = mp_get_be64(buf + 8), m = mp_get_be64(buf + 16);
  if (!mp_dsformat_name(buf[5]) || nl == 0 || n == 0 || m == 0 || m > n ||
      n > (TREE_FILE_MAX - MP_DSTREE_HEADER - nl) / MP_SHA256_LEN ||
      len != MP_DSTREE_HEADER + nl + n * MP_SHA256_LEN || memchr(buf + MP_DSTREE_HEADER, 0, nl)) {
    rc = mp_err_set(e, MP_EPARSE, "%s: malformed tree file (format %u, name of %zu bytes, %llu records, %llu distinct, %zu bytes)",
                    what, buf[5], nl, (unsigned long long)n, (unsigned long long)m, len);
    goto fail;
  }
  t->format = (mp_dsformat)buf[5];
  t->commit.size = n;
  t->commit.distinct = m;
  memcpy(t->commit.root, buf + 24, MP_SHA256_LEN);
  memcpy(t->commit.sorted_root, buf + 56, MP_SHA256_LEN);
  t->leaves = buf + MP_DSTREE_HEADER + nl;
  if (!(t->name = strndup((const char *)buf + MP_DSTREE_HEADER, nl))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto fail;
  }
  uint8_t root[MP_SHA256_LEN];
  if ((rc = mp_merkle_root_mt(t->leaves, (size_t)n, threads, root, e))) goto fail;
  if (memcmp(root, t->commit.root, MP_SHA256_LEN) != 0) {
    rc = mp_err_set(e, MP_EPARSE, "%s: corrupt tree file: its %llu leaf hashes do not hash to the root in its header",
                    what, (unsigned long long)n);
    goto fail;
  }
  *out = t;
  return 0;
fail:
  mp_dstree_free(t);
  return rc;
}

int mp_dstree_load(const char *path, unsigned threads, mp_dstree **out, mp_err *e) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, TREE_FILE_MAX, &buf, &len, e);
  if (rc) return mp_err_prefix(e, "reading tree file");
  return mp_dstree_parse(path, buf, len, threads, out, e);
}

int mp_dstree_sorted(mp_dstree *t, mp_err *e) {
  if (t->sorted) return 0;
  uint8_t *s = NULL;
  size_t m = 0;
  uint8_t root[MP_SHA256_LEN];
  int rc = mp_dstree_sort(t->leaves, (size_t)t->commit.size, t->threads, &s, &m, e);
  if (rc == 0) rc = mp_merkle_root_mt(s, m, t->threads, root, e);
  if (rc == 0 && (m != t->commit.distinct || memcmp(root, t->commit.sorted_root, MP_SHA256_LEN) != 0))
    rc = mp_err_set(e, MP_EPARSE, "corrupt tree file for dataset %s: the sorted tree (%zu distinct records) "
                    "does not match its header (%llu)", t->name, m, (unsigned long long)t->commit.distinct);
  if (rc) {
    free(s);
    return rc;
  }
  t->sorted = s;
  return 0;
}

void mp_dstree_free(mp_dstree *t) {
  if (!t) return;
  free(t->name);
  free(t->sorted);
  free(t->buf);
  free(t);
}
