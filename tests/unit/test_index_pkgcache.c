/* test_index_pkgcache.c — the package-id cache of an index writer: many
 * packages through several table growths, identities that differ only in
 * where one string ends (what a joined key string would confuse), probe
 * chains, ids of rolled-back transactions forgotten (also when the table grew
 * inside the transaction), and duplicates within one record resolved once
 * against a real SQLite index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_int.h"
#include "unit.h"
#include "unit_index.h"

/* Package number i, with strings of varied lengths (0 to 70 bytes). */
typedef struct pkgbuf {
  char purl[96], name[96], version[32], digest[80];
  mp_index_pkg p;
} pkgbuf;

static const mp_index_pkg *make(pkgbuf *b, unsigned i) {
  snprintf(b->purl, sizeof b->purl, "pkg:pypi/p%u@%u.%u", i % 977, i / 977, i % 13);
  snprintf(b->name, sizeof b->name, "%.*s%u", (int)(i % 40), "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", i);
  snprintf(b->version, sizeof b->version, "%u.%u", i / 977, i % 13);
  if (i % 3) snprintf(b->digest, sizeof b->digest, "%064x", i * 2654435761u);
  else b->digest[0] = '\0';
  b->p = (mp_index_pkg){.purl = b->purl, .base = "", .name = b->name, .lname = "", .version = b->version,
                        .digest = b->digest};
  /* half with the key worked out beforehand, as a document's packages are */
  if (i % 2) assert_int_equal(mp_pkgcache_key(&b->p), 0);
  return &b->p;
}

static size_t find_add(mp_pkgcache *c, const mp_index_pkg *p, int want_added) {
  size_t ent = 0;
  int added = -1;
  mp_pkgcache_prefetch(c, p, 1); /* reads only inside the table (ASan runs this too) */
  assert_int_equal(mp_pkgcache_find_add(c, p, &ent, &added), 0);
  assert_int_equal(added, want_added);
  return ent;
}

static void many_packages(void **state) {
  (void)state;
  enum { N = 100000 };
  mp_pkgcache *c = mp_pkgcache_new();
  assert_non_null(c);
  pkgbuf b;
  for (unsigned i = 0; i < N; i++) {
    size_t ent = find_add(c, make(&b, i), 1);
    assert_int_equal(ent, i);
    assert_true(mp_pkgcache_id(c, ent) == -1); /* not set yet */
    mp_pkgcache_set_id(c, ent, 1000000 + i);
  }
  assert_int_equal(mp_pkgcache_size(c), N);
  /* every one found again, from freshly built (other) string copies */
  for (unsigned i = 0; i < N; i++) {
    size_t ent = find_add(c, make(&b, i), 0);
    assert_int_equal(ent, i);
    assert_true(mp_pkgcache_id(c, ent) == 1000000 + (int64_t)i);
  }
  assert_int_equal(mp_pkgcache_size(c), N);
  mp_pkgcache_free(c);
  mp_pkgcache_free(NULL);
}

/* The same bytes split differently between the four strings are different
 * packages; so are empty strings in different places. */
#define PKG(purl_, base_, name_, lname_, version_, digest_) \
  {.purl = purl_, .base = base_, .name = name_, .lname = lname_, .version = version_, .digest = digest_}
static void boundaries_are_part_of_the_identity(void **state) {
  (void)state;
  static const mp_index_pkg p[] = {
      PKG("ab", "", "c", "", "", ""),       PKG("a", "", "bc", "", "", ""),     PKG("a", "", "b", "", "c", ""),
      PKG("a\x1f" "b", "", "c", "", "", ""), PKG("a", "", "b\x1f" "c", "", "", ""), PKG("", "", "", "", "", ""),
      PKG("", "", "", "", "", "x"),         PKG("x", "", "", "", "", ""),       PKG("", "", "x", "", "", ""),
      PKG("", "", "", "", "x", ""),         PKG("12345678", "", "", "", "", ""), PKG("1234567", "", "8", "", "", ""),
  };
  size_t n = sizeof p / sizeof p[0];
  mp_pkgcache *c = mp_pkgcache_new();
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(find_add(c, &p[i], 1), i);
    mp_pkgcache_set_id(c, i, (int64_t)i);
  }
  for (size_t i = 0; i < n; i++) assert_int_equal(find_add(c, &p[i], 0), i);
  /* base and lname are derived from the others: not part of the identity */
  mp_index_pkg q = p[0];
  q.base = "something";
  q.lname = "else";
  assert_int_equal(find_add(c, &q, 0), 0);
  mp_pkgcache_free(c);
}

/* A transaction that is rolled back forgets the ids it added, the older ones
 * stay; here the table doubles twice inside the transaction. */
static void rollback_forgets_pending(void **state) {
  (void)state;
  mp_pkgcache *c = mp_pkgcache_new();
  pkgbuf b;
  for (unsigned i = 0; i < 600; i++) mp_pkgcache_set_id(c, find_add(c, make(&b, i), 1), i + 1);
  mp_pkgcache_commit(c);
  for (int round = 0; round < 3; round++) {
    for (unsigned i = 600; i < 6000; i++) mp_pkgcache_set_id(c, find_add(c, make(&b, i), 1), -7);
    for (unsigned i = 0; i < 600; i++) find_add(c, make(&b, i), 0); /* committed ones still there */
    mp_pkgcache_rollback(c);
    assert_int_equal(mp_pkgcache_size(c), 600);
    for (unsigned i = 0; i < 600; i++) {
      size_t ent = find_add(c, make(&b, i), 0);
      assert_int_equal(ent, i);
      assert_true(mp_pkgcache_id(c, ent) == (int64_t)i + 1);
    }
  }
  /* forgotten ones come back as new entries, with new ids */
  size_t ent = find_add(c, make(&b, 4242), 1);
  assert_int_equal(ent, 600);
  assert_true(mp_pkgcache_id(c, ent) == -1);
  mp_pkgcache_set_id(c, ent, 99);
  mp_pkgcache_commit(c);
  mp_pkgcache_rollback(c); /* nothing pending: a no-op */
  assert_true(mp_pkgcache_id(c, find_add(c, make(&b, 4242), 0)) == 99);
  /* truncating part of a transaction keeps the part before the mark */
  for (unsigned i = 7000; i < 7100; i++) find_add(c, make(&b, i), 1);
  mp_pkgcache_truncate(c, 651);
  assert_int_equal(mp_pkgcache_size(c), 651);
  for (unsigned i = 7000; i < 7050; i++) find_add(c, make(&b, i), 0);
  for (unsigned i = 7050; i < 7100; i++) find_add(c, make(&b, i), 1);
  mp_pkgcache_free(c);
}

/* Through mp_index_package_ids: a record naming a package twice gets one row
 * and one id; a later record finds the committed ids in the cache; a rolled
 * back record's new packages are inserted again (the rows went with it). */
static void package_ids_on_sqlite(void **state) {
  (void)state;
  char *db;
  mp_index *idx = ut_index_new(&db);
  mp_err e;
  enum { N = 700 }; /* more than the stack arrays hold */
  static pkgbuf bufs[N];
  static mp_index_pkg rec[N + 2];
  for (unsigned i = 0; i < N; i++) rec[i] = *make(&bufs[i], i);
  rec[N] = rec[5];      /* duplicates */
  rec[N + 1] = rec[N - 1];
  static int64_t ids[N + 2], again[N + 2];
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, rec, N + 2, ids, &e), 0);
  assert_true(ids[N] == ids[5]);
  assert_true(ids[N + 1] == ids[N - 1]);
  assert_int_equal(mp_index_commit(idx, &e), 0);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM packages"), N);
  assert_int_equal(ut_index_count(idx, "SELECT count(DISTINCT id) FROM packages"), N);
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, rec, N + 2, again, &e), 0);
  assert_memory_equal(again, ids, sizeof ids);
  pkgbuf extra;
  mp_index_pkg one[2] = {*make(&extra, 123456), rec[7]};
  int64_t one_ids[2], one_again[2];
  assert_int_equal(mp_index_package_ids(idx, one, 2, one_ids, &e), 0);
  assert_true(one_ids[1] == ids[7]);
  mp_index_rollback(idx);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM packages"), N);
  assert_int_equal(mp_index_begin(idx, &e), 0);
  assert_int_equal(mp_index_package_ids(idx, one, 2, one_again, &e), 0);
  assert_int_equal(mp_index_commit(idx, &e), 0);
  assert_int_equal(ut_index_count(idx, "SELECT count(*) FROM packages"), N + 1);
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM packages WHERE id = %lld AND name = '%s'", (long long)one_again[0],
           extra.name);
  assert_int_equal(ut_index_count(idx, sql), 1);
  mp_index_close(idx);
  ut_remove_db(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(many_packages),
      cmocka_unit_test(boundaries_are_part_of_the_identity),
      cmocka_unit_test(rollback_forgets_pending),
      cmocka_unit_test(package_ids_on_sqlite),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
