/* test_index_postings.c — posting lists of the index (index_postings.c):
 * the byte format at its edges (one-byte and ten-byte varints, the largest
 * id), every way a stored list can be damaged refused, a writer's pairs
 * turned into one list a package (out of order, repeated, across several
 * holds), and schema version 3's move of attestation_packages rows read a
 * few at a time, on a real SQLite index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_int.h"
#include "unit.h"
#include "unit_index.h"

static void decode_ok(const uint8_t *b, size_t len, const int64_t *want, size_t n) {
  int64_t *ids = NULL;
  size_t got = 0, cap = 0;
  assert_int_equal(mp_posting_decode(b, len, &ids, &got, &cap), 0);
  assert_int_equal(got, n);
  for (size_t i = 0; i < n; i++) assert_true(ids[i] == want[i]);
  free(ids);
}

static void decode_bad(const uint8_t *b, size_t len) {
  int64_t *ids = NULL;
  size_t got = 0, cap = 0;
  assert_int_equal(mp_posting_decode(b, len, &ids, &got, &cap), -1);
  free(ids);
}

static void byte_format(void **state) {
  (void)state;
  /* 1, 2 (+1), 129 (+127), 257 (+128: two bytes 0x80 0x01) */
  const int64_t ids[] = {1, 2, 129, 257};
  uint8_t buf[64];
  size_t len = mp_posting_encode(ids, 4, buf);
  const uint8_t want[] = {0x01, 0x01, 0x7f, 0x80, 0x01};
  assert_int_equal(len, sizeof want);
  assert_memory_equal(buf, want, sizeof want);
  decode_ok(buf, len, ids, 4);
  /* the largest id: nine bytes; then no room for another */
  const int64_t big[] = {INT64_MAX};
  len = mp_posting_encode(big, 1, buf);
  assert_int_equal(len, 9);
  decode_ok(buf, len, big, 1);
  const int64_t two[] = {INT64_MAX - 1, INT64_MAX};
  len = mp_posting_encode(two, 2, buf);
  decode_ok(buf, len, two, 2);
  /* many ids: the output array grows */
  int64_t *many = malloc(5000 * sizeof *many);
  uint8_t *mb = malloc(5000 * 10);
  for (int i = 0; i < 5000; i++) many[i] = 7 + (int64_t)i * i;
  decode_ok(mb, mp_posting_encode(many, 5000, mb), many, 5000);
  free(many);
  free(mb);
}

static void damaged_lists_refused(void **state) {
  (void)state;
  decode_bad((const uint8_t *)"", 0);                                    /* empty */
  decode_bad((const uint8_t[]){0x00}, 1);                                /* id 0 */
  decode_bad((const uint8_t[]){0x05, 0x00}, 2);                          /* a repeated id */
  decode_bad((const uint8_t[]){0x05, 0x80}, 2);                          /* cut inside a varint */
  decode_bad((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 11);
  /* ten bytes whose last carries bits past 63 */
  decode_bad((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 10);
  /* 2^63: one past INT64_MAX */
  decode_bad((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10);
  /* INT64_MAX, then +1 overflows */
  uint8_t buf[16];
  const int64_t big[] = {INT64_MAX};
  size_t len = mp_posting_encode(big, 1, buf);
  buf[len++] = 0x01;
  decode_bad(buf, len);
}

/* The ids of package pkg in the rows p made. */
static size_t ids_of(const mp_postings *p, int64_t pkg, int64_t *out) {
  size_t n = 0, cap = 0;
  int64_t *ids = NULL;
  for (size_t r = 0; r < p->rows; r++) {
    if (p->row[r].pkg != pkg) continue;
    assert_int_equal(mp_posting_decode(p->bytes + p->row[r].off, p->row[r].len, &ids, &n, &cap), 0);
  }
  memcpy(out, ids, n * sizeof *ids);
  free(ids);
  return n;
}

static void pairs_to_rows(void **state) {
  (void)state;
  mp_postings p;
  memset(&p, 0, sizeof p);
  /* record 10 uses 5, 3, 5 (named twice); record 4 (added later, lower
   * id) uses 3; record 11 uses 3000000 (a three-pass radix key) and 5 */
  assert_int_equal(mp_postings_add(&p, 10, (const int64_t[]){5, 3, 5}, 3), 0);
  assert_int_equal(mp_postings_add(&p, 4, (const int64_t[]){3}, 1), 0);
  assert_int_equal(mp_postings_add(&p, 11, (const int64_t[]){3000000, 5}, 2), 0);
  assert_int_equal(mp_postings_add(&p, 12, NULL, 0), 0);
  assert_int_equal(mp_postings_take(&p), 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(p.rows, 3);
  assert_true(p.row[0].pkg == 3 && p.row[1].pkg == 5 && p.row[2].pkg == 3000000);
  int64_t got[8];
  assert_int_equal(ids_of(&p, 3, got), 2);
  assert_true(got[0] == 4 && got[1] == 10);
  assert_int_equal(ids_of(&p, 5, got), 2);
  assert_true(got[0] == 10 && got[1] == 11);
  assert_int_equal(ids_of(&p, 3000000, got), 1);
  assert_true(got[0] == 11);
  /* nothing held: nothing made; a rollback forgets what is held */
  assert_int_equal(mp_postings_take(&p), 0);
  assert_int_equal(p.rows, 0);
  assert_int_equal(mp_postings_add(&p, 1, (const int64_t[]){1}, 1), 0);
  mp_postings_clear(&p);
  assert_int_equal(mp_postings_take(&p), 0);
  assert_int_equal(p.rows, 0);
  /* 20,000 records of 300 packages each, held at once */
  int64_t pk[300];
  for (int64_t a = 1; a <= 20000; a++) {
    for (int k = 0; k < 300; k++) pk[k] = 1 + (a * 7 + k * 131) % 4099;
    assert_int_equal(mp_postings_add(&p, a, pk, 300), 0);
  }
  assert_int_equal(mp_postings_take(&p), 0);
  size_t total = 0;
  int64_t *ids = NULL;
  size_t n = 0, cap = 0;
  for (size_t r = 0; r < p.rows; r++) {
    n = 0;
    assert_int_equal(mp_posting_decode(p.bytes + p.row[r].off, p.row[r].len, &ids, &n, &cap), 0);
    for (size_t i = 0; i < n; i++) { /* record ids[i] did use this package */
      int used = 0;
      for (int k = 0; k < 300 && !used; k++) used = 1 + (ids[i] * 7 + k * 131) % 4099 == p.row[r].pkg;
      assert_true(used);
    }
    total += n;
  }
  free(ids);
  assert_int_equal(total, 20000 * 300); /* 131 k mod 4099 differ for k < 300 */
  mp_postings_free(&p);
}

/* Schema version 3's step on 1,000 pairs of 37 packages, read 7 at a time
 * (a package's pairs split across pages): every pair once, the table gone. */
static void move_pairs_in_pages(void **state) {
  (void)state;
  char *db;
  mp_index *idx = ut_index_new(&db);
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(idx->ops->exec(idx->db,
                                  "CREATE TABLE attestation_packages (pkg_id INTEGER NOT NULL, att_id INTEGER NOT NULL,"
                                  " PRIMARY KEY (pkg_id, att_id)) WITHOUT ROWID",
                                  &e),
                   0);
  static unsigned char want[38][1001];
  memset(want, 0, sizeof want);
  char sql[128];
  for (int a = 1; a <= 1000; a++) {
    int pkg = 1 + (a * 17) % 37;
    want[pkg][a] = 1;
    snprintf(sql, sizeof sql, "INSERT INTO attestation_packages VALUES (%d, %d)", pkg, a);
    assert_int_equal(idx->ops->exec(idx->db, sql, &e), 0);
  }
  assert_int_equal(mp_index_move_pairs(idx, 7, &e), 0);
  assert_int_equal(mp_index_commit(idx, &e), 0);
  mp_idb_rows *r = NULL;
  assert_int_equal(mp_index_q(idx, "SELECT pkg_id, atts FROM package_postings", NULL, 0, &r, &e), 0);
  int64_t *ids = NULL;
  size_t cap = 0, total = 0;
  int more;
  while ((more = idx->ops->next(r, &e)) == 1) {
    int pkg = atoi(idx->ops->col(r, 0));
    size_t len, n = 0;
    const uint8_t *b = idx->ops->col_blob(r, 1, &len);
    assert_int_equal(mp_posting_decode(b, len, &ids, &n, &cap), 0);
    for (size_t i = 0; i < n; i++) {
      assert_true(pkg >= 1 && pkg <= 37 && ids[i] >= 1 && ids[i] <= 1000);
      assert_int_equal(want[pkg][ids[i]], 1);
      want[pkg][ids[i]] = 2; /* seen: a second time would fail above */
    }
    total += n;
  }
  assert_int_equal(more, 0);
  idx->ops->rows_free(r);
  free(ids);
  assert_int_equal(total, 1000);
  assert_int_not_equal(mp_index_q(idx, "SELECT count(*) FROM attestation_packages", NULL, 0, &r, &e), 0);
  mp_index_close(idx);
  ut_remove_db(db);
}

/* A transaction's pairs make one row a package however statements that do
 * not read package_postings interleave with them (a re-added record's
 * lookup); one that reads it sees every pair held so far. */
static void held_across_other_statements(void **state) {
  (void)state;
  char *db;
  mp_index *idx = ut_index_new(&db);
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_index_begin(idx, &e), 0);
  const int64_t pk[3] = {11, 12, 13};
  for (int64_t a = 1; a <= 20; a++) {
    assert_int_equal(mp_index_hold_postings(idx, a, pk, 3, &e), 0);
    assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM attestations WHERE envelope_sha256 = 'x'"), 0);
  }
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM package_postings"), 3); /* written for this read */
  assert_int_equal(mp_index_hold_postings(idx, 21, pk, 1, &e), 0);
  assert_int_equal(mp_index_commit(idx, &e), 0);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM package_postings"), 4);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM package_postings WHERE pkg_id = 11"), 2);
  /* a rollback forgets what is held */
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_hold_postings(idx, 22, pk, 3, &e), 0);
  mp_index_rollback(idx);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM package_postings"), 4);
  mp_index_close(idx);
  ut_remove_db(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(byte_format), cmocka_unit_test(damaged_lists_refused),
                                     cmocka_unit_test(pairs_to_rows), cmocka_unit_test(move_pairs_in_pages),
                                     cmocka_unit_test(held_across_other_statements)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
