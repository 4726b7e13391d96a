/* unit_index.h — what the index unit tests share: a new SQLite index in a
 * scratch directory, and the count a query returns. */
#ifndef MP_UNIT_INDEX_H
#define MP_UNIT_INDEX_H

#include "index_int.h"
#include "unit.h"

/* A new index at a scratch path (*db, for ut_remove_db after closing). */
static inline mp_index *ut_index_new(char **db) {
  *db = ut_temp_db();
  mp_err e;
  mp_err_clear(&e);
  mp_index *idx = NULL;
  assert_int_equal(mp_index_open(*db, 1, &idx, &e), 0);
  return idx;
}

/* The single number a "SELECT count(*) ..." returns. */
static inline long long ut_index_count(mp_index *idx, const char *sql) {
  mp_idb_rows *r = NULL;
  assert_int_equal(mp_index_q(idx, sql, NULL, 0, &r, NULL), 0);
  assert_int_equal(idx->ops->next(r, NULL), 1);
  long long n = strtoll(idx->ops->col(r, 0), NULL, 10);
  idx->ops->rows_free(r);
  return n;
}

#endif
