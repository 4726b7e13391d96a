/* fuzz_posting.c — libFuzzer target for the index's posting lists
 * (index_postings.c); the first input byte picks what the rest is:
 *   even: a stored list, as read back from a database that may be damaged.
 *         A list that decodes holds positive ids in strictly ascending
 *         order, and encoding them gives a list no longer than the input
 *         that decodes to the same ids (the same bytes, when the input's
 *         varints were minimal);
 *   odd:  (package, record) pairs as a writer holds them, in any order and
 *         repeated, one or two packages a hold. Each package's row must decode to
 *         exactly the distinct records held for it, and every package held
 *         gets exactly one row, in ascending package order.
 * Seeds: tests/fuzz/corpus/posting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const uint8_t *b, size_t len) {
  int64_t *ids = NULL;
  size_t n = 0, cap = 0;
  int rc = mp_posting_decode(b, len, &ids, &n, &cap);
  if (rc == -2) abort();
  if (rc == 0) {
    if (n == 0) abort();
    for (size_t i = 0; i < n; i++)
      if (ids[i] <= 0 || (i && ids[i] <= ids[i - 1])) abort();
    uint8_t *again = malloc(n * 10);
    if (!again) abort();
    size_t alen = mp_posting_encode(ids, n, again);
    if (alen > len) abort();
    int64_t *back = NULL;
    size_t bn = 0, bcap = 0;
    if (mp_posting_decode(again, alen, &back, &bn, &bcap) != 0 || bn != n || memcmp(back, ids, n * sizeof *ids))
      abort();
    free(back);
    free(again);
  }
  free(ids);
}

/* Pairs from 3 bytes each: package 1..64 (bit 6 set: packages p and p + 1
 * for the record, in one hold), record 1..4096. */
#define RECS 4096
static void check_pairs(const uint8_t *b, size_t len) {
  static unsigned char want[66][RECS + 1];
  memset(want, 0, sizeof want);
  mp_postings p;
  memset(&p, 0, sizeof p);
  size_t held = 0, written = 0; /* distinct pairs */
  for (size_t i = 0; i + 3 <= len; i += 3) {
    int64_t pkg[2] = {1 + (b[i] & 63), 2 + (b[i] & 63)}, att = 1 + (b[i + 1] | (b[i + 2] & 15) << 8);
    size_t n = b[i] & 64 ? 2 : 1;
    if (mp_postings_add(&p, att, pkg, n)) abort();
    for (size_t k = 0; k < n; k++) {
      held += want[pkg[k]][att] == 0;
      want[pkg[k]][att] = 1;
    }
  }
  if (mp_postings_take(&p)) abort();
  int64_t *ids = NULL;
  size_t cap = 0;
  for (size_t r = 0; r < p.rows; r++) {
    int64_t pkg = p.row[r].pkg;
    if (pkg < 1 || pkg > 65 || (r && pkg <= p.row[r - 1].pkg)) abort();
    size_t n = 0;
    if (mp_posting_decode(p.bytes + p.row[r].off, p.row[r].len, &ids, &n, &cap)) abort();
    for (size_t i = 0; i < n; i++) {
      if (ids[i] > RECS || want[pkg][ids[i]] != 1) abort();
      want[pkg][ids[i]] = 2;
      written++;
    }
  }
  if (written != held) abort(); /* a pair held but not written */
  free(ids);
  mp_postings_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) check_pairs(data + 1, size - 1);
  else check_list(data + 1, size - 1);
  return 0;
}
