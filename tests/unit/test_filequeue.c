/* test_filequeue.c — the agent's queue of file events (recorder/filequeue.h)
 * gives the run record exactly what applying each event as it arrived gives:
 * one record is fed decoded events through mp_record_event (what the agent
 * did before the queue existed), another the same events through the queue,
 * applied at random points; their file tables (entries and order), counters
 * and memory estimates must be identical. Sequences mix reads and writes,
 * FileBatch paths queued whole among single events,
 * repeats, relative and absolute paths, shared and unshared prefixes, paths
 * that normalise alike, long paths, and a table limit that is reached. */
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "filebatch.h"
#include "filequeue.h"
#include "record.h"
#include "unit.h"
#include "unit_event.h"

static mp_record *new_record(size_t max_entries) {
  char *argv[] = {(char *)"job", NULL};
  mp_record *r = NULL;
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_record_new(argv, &r, &e), 0);
  free(r->cwd);
  r->cwd = strdup("/work/run");
  r->max_entries = max_entries;
  return r;
}

/* The event as the agent decoded it before: FileRead or FileWritten. */
static void apply_decoded(mp_record *r, int written, const char *path, size_t rawlen) {
  Mlprov__Event__V1__Event ev;
  Mlprov__Event__V1__FileRead fr;
  Mlprov__Event__V1__FileWritten fw;
  ut_path_event(&ev, &fr, &fw, written, path);
  mp_err e;
  mp_err_clear(&e);
  assert_int_equal(mp_record_event(r, &ev, NULL, rawlen, &e), 0);
}

static void assert_same_table(json_t *a, json_t *b) {
  assert_int_equal(json_object_size(a), json_object_size(b));
  void *ia = json_object_iter(a), *ib = json_object_iter(b);
  for (; ia && ib; ia = json_object_iter_next(a, ia), ib = json_object_iter_next(b, ib)) {
    assert_string_equal(json_object_iter_key(ia), json_object_iter_key(ib)); /* same order */
    assert_true(json_equal(json_object_iter_value(ia), json_object_iter_value(ib)));
  }
  assert_null(ia);
  assert_null(ib);
}

static void assert_same_record(const mp_record *a, const mp_record *b) {
  assert_same_table(a->files_read, b->files_read);
  assert_same_table(a->files_written, b->files_written);
  assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
  assert_int_equal(a->mem, b->mem);
}

static const char *const dirs[] = {"/data/train/shard-00/", "/data/train/shard-01/", "/usr/lib/python3/x/",
                                   "rel/dir/", "./rel/", "/data//train/../train/shard-00/", ""};

/* One random path, into buf; sometimes a long one. */
static size_t random_path(char *buf, size_t cap, unsigned *seed) {
  const char *d = dirs[(unsigned)rand_r(seed) % (sizeof dirs / sizeof dirs[0])];
  int n;
  if (rand_r(seed) % 50 == 0) {
    n = snprintf(buf, cap, "/deep/%0*d", 3000 + rand_r(seed) % 500, rand_r(seed) % 7);
  } else {
    n = snprintf(buf, cap, "%sf-%d.bin", d, rand_r(seed) % 300);
  }
  return (size_t)n;
}

static void run_sequence(unsigned seed, size_t nevents, size_t max_entries) {
  mp_record *direct = new_record(max_entries), *queued = new_record(max_entries);
  mp_fileq *q = mp_fileq_new();
  assert_non_null(q);
  mp_err e;
  mp_err_clear(&e);
  char path[4096];
  for (size_t i = 0; i < nevents; i++) {
    if (rand_r(&seed) % 10 == 0) { /* a FileBatch's paths, queued as they came */
      mp_filebatch_buf b;
      memset(&b, 0, sizeof b);
      size_t k = 1 + (size_t)(rand_r(&seed) % 40);
      for (size_t j = 0; j < k; j++) {
        int w = rand_r(&seed) % 4 == 0;
        size_t len = random_path(path, sizeof path, &seed);
        apply_decoded(direct, w, path, MP_FILEBATCH_RAWLEN(len));
        assert_int_equal(mp_filebatch_put(&b, w, path, len), 0);
      }
      assert_int_equal(mp_fileq_add_batch(q, b.data, b.len, k, b.prev, b.prev_len), 0);
      mp_filebatch_buf_free(&b);
      continue;
    }
    int written = rand_r(&seed) % 4 == 0;
    size_t len = random_path(path, sizeof path, &seed);
    size_t rawlen = 20 + len + (size_t)(rand_r(&seed) % 8);
    apply_decoded(direct, written, path, rawlen);
    assert_int_equal(mp_fileq_add(q, written, path, len, rawlen), 0);
    if (rand_r(&seed) % 97 == 0) assert_int_equal(mp_fileq_apply(q, queued, &e), 0); /* the queue grew, or another file event came */
  }
  assert_int_equal(mp_fileq_apply(q, queued, &e), 0);
  assert_int_equal(mp_fileq_count(q), 0);
  assert_same_record(direct, queued);
  mp_fileq_free(q);
  mp_record_free(direct);
  mp_record_free(queued);
}

static void same_record_as_applied_one_by_one(void **state) {
  (void)state;
  for (unsigned seed = 1; seed <= 20; seed++) run_sequence(seed, 3000, 1000000);
}

static void same_record_when_the_table_limit_is_reached(void **state) {
  (void)state;
  for (unsigned seed = 1; seed <= 10; seed++) run_sequence(seed, 2000, 150);
}

/* Paths that share nothing, share all, extend or shorten the one before;
 * a path longer than the queue takes is refused, not cut. */
static void prefixes_round_trip(void **state) {
  (void)state;
  static const char *const paths[] = {"/a/b/c", "/a/b/c", "/a/b", "/a/b/cd", "/x", "/a/b/c/d/e/f",
                                      "/a/b/c/d/e/g", "relative", "/a/b/c"};
  size_t n = sizeof paths / sizeof paths[0];
  mp_record *direct = new_record(1000000), *queued = new_record(1000000);
  mp_fileq *q = mp_fileq_new();
  mp_err e;
  mp_err_clear(&e);
  for (size_t i = 0; i < n; i++) {
    apply_decoded(direct, (int)(i % 2), paths[i], 40);
    assert_int_equal(mp_fileq_add(q, (int)(i % 2), paths[i], strlen(paths[i]), 40), 0);
  }
  assert_int_equal(mp_fileq_count(q), n);
  assert_true(mp_fileq_mem(q) > 0);
  assert_int_equal(mp_fileq_apply(q, queued, &e), 0);
  assert_int_equal(mp_fileq_mem(q), 0);
  assert_same_record(direct, queued);
  assert_non_null(json_object_get(queued->files_written, "/work/run/relative"));
  char *huge = malloc(70000);
  memset(huge, 'p', 70000);
  huge[0] = '/';
  assert_int_equal(mp_fileq_add(q, 0, huge, 70000, 70020), -1);
  assert_int_equal(mp_fileq_count(q), 0);
  free(huge);
  /* many events of one directory: a few bytes each */
  char path[64];
  for (int i = 0; i < 100000; i++) {
    int len = snprintf(path, sizeof path, "/data/set/train/f-%d", i);
    assert_int_equal(mp_fileq_add(q, 0, path, (size_t)len, 40), 0);
  }
  assert_true(mp_fileq_mem(q) <= 4 * MP_FILEQ_BLOCK); /* not 100,000 paths of 22 bytes */
  mp_fileq_free(q); /* freed unapplied */
  mp_fileq_free(NULL);
  mp_record_free(direct);
  mp_record_free(queued);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_record_as_applied_one_by_one),
      cmocka_unit_test(same_record_when_the_table_limit_is_reached),
      cmocka_unit_test(prefixes_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
