/* index_postings.c — which records used which package, as posting lists
 * (index_int.h): a package_postings row holds one package's id and the ids
 * of records that used it, written by one transaction.
 *
 * A record has ~300 packages. One (package, record) row each put ~300 inserts
 * into a B-tree keyed by package for every record, and a batch of records
 * rewrote nearly every page of that tree: at 100,000 records about 300 MB
 * of log a batch, more than the records themselves. A writer now holds a
 * transaction's pairs (mp_postings), and at commit writes one row for each
 * package it saw, appended at the end of the table; only the small index on
 * package id takes scattered inserts.
 *
 * A list is the record ids in ascending order, each an unsigned LEB128
 * varint: the first id, then each id's difference from the one before
 * (never 0). Records of a batch have consecutive ids, so a popular package
 * costs about one byte a record. */
#include <stdlib.h>
#include <string.h>

#include "index_int.h"
#include "varint.h"

size_t mp_posting_encode(const int64_t *ids, size_t n, uint8_t *out) {
  size_t len = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    len += mp_varint_put(out + len, (uint64_t)(ids[i] - prev));
    prev = ids[i];
  }
  return len;
}

int mp_posting_decode(const uint8_t *p, size_t len, int64_t **ids, size_t *n, size_t *cap) {
  if (len == 0) return -1; /* never written empty */
  uint64_t prev = 0;
  size_t i = 0;
  while (i < len) {
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
      if (i == len || shift > 63) return -1; /* cut short, or longer than an int64 */
      uint8_t b = p[i++];
      if (shift == 63 && b > 1) return -1;
      v |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    /* ids are positive and ascending: the first is >= 1, each difference
     * too, and the sum stays an int64 */
    if (v == 0 || v > (uint64_t)INT64_MAX - prev) return -1;
    prev += v;
    if (*n == *cap) {
      size_t nc = *cap ? 2 * *cap : 256;
      int64_t *nv = realloc(*ids, nc * sizeof *nv);
      if (!nv) return -2;
      *ids = nv;
      *cap = nc;
    }
    (*ids)[(*n)++] = (int64_t)prev;
  }
  return 0;
}

/* --- a writer's pairs ----------------------------------------------------------- */

void mp_postings_free(mp_postings *p) {
  free(p->v);
  free(p->tmp);
  free(p->row);
  free(p->bytes);
  memset(p, 0, sizeof *p);
}

int mp_postings_add(mp_postings *p, int64_t att, const int64_t *pkg_ids, size_t n) {
  /* v and tmp grow alike from the same capacity; it moves once both have */
  size_t cap_v = p->cap, cap_tmp = p->cap;
  if (mp_index_reserve((void **)&p->v, &cap_v, p->n + n, sizeof *p->v, 4096) ||
      mp_index_reserve((void **)&p->tmp, &cap_tmp, p->n + n, sizeof *p->tmp, 4096))
    return -1;
  p->cap = cap_v;
  for (size_t i = 0; i < n; i++) p->v[p->n++] = (mp_posting_pair){pkg_ids[i], att};
  return 0;
}

/* Stable LSD radix sort by package (11 bits a pass, as many passes as the
 * largest id needs): a package's pairs stay in the order they were added,
 * which is ascending record order when records are added in id order.
 * Returns the buffer holding the result (p->v or p->tmp). */
static mp_posting_pair *sort_by_package(mp_postings *p) {
  mp_posting_pair *a = p->v, *b = p->tmp;
  uint64_t max = 0;
  for (size_t i = 0; i < p->n; i++)
    if ((uint64_t)a[i].pkg > max) max = (uint64_t)a[i].pkg;
  for (unsigned shift = 0; shift < 64 && (max >> shift); shift += 11) {
    size_t count[2049] = {0};
    for (size_t i = 0; i < p->n; i++) count[(((uint64_t)a[i].pkg >> shift) & 2047) + 1]++;
    for (int k = 0; k < 2048; k++) count[k + 1] += count[k];
    for (size_t i = 0; i < p->n; i++) b[count[((uint64_t)a[i].pkg >> shift) & 2047]++] = a[i];
    mp_posting_pair *t = a;
    a = b;
    b = t;
  }
  return a;
}

static int by_att(const void *x, const void *y) {
  int64_t a = ((const mp_posting_pair *)x)->att, b = ((const mp_posting_pair *)y)->att;
  return a < b ? -1 : a > b;
}

int mp_postings_take(mp_postings *p) {
  p->rows = 0;
  if (p->n == 0) return 0;
  mp_posting_pair *v = sort_by_package(p);
  size_t groups = 1;
  for (size_t i = 1; i < p->n; i++) groups += v[i].pkg != v[i - 1].pkg;
  if (mp_index_reserve((void **)&p->row, &p->cap_rows, groups, sizeof *p->row, 256) ||
      mp_index_reserve((void **)&p->bytes, &p->cap_bytes, p->n * MP_VARINT_MAX, 1, 256))
    return -1;
  size_t used = 0;
  for (size_t i = 0; i < p->n;) {
    size_t j = i + 1;
    while (j < p->n && v[j].pkg == v[i].pkg) j++;
    int sorted = 1;
    for (size_t k = i + 1; k < j && sorted; k++) sorted = v[k].att >= v[k - 1].att;
    if (!sorted) qsort(v + i, j - i, sizeof *v, by_att);
    /* each id once: a record naming a package twice has two equal pairs */
    size_t start = used;
    int64_t prev = 0;
    for (size_t k = i; k < j; k++) {
      if (k > i && v[k].att == prev) continue;
      used += mp_varint_put(p->bytes + used, (uint64_t)(v[k].att - prev));
      prev = v[k].att;
    }
    p->row[p->rows++] = (mp_posting_row){v[i].pkg, start, used - start};
    i = j;
  }
  p->n = 0;
  return 0;
}

void mp_postings_clear(mp_postings *p) { p->n = p->rows = 0; }

int mp_postings_read_by(const char *sql) { return strstr(sql, "package_postings") != NULL; }
