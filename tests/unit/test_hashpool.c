/* test_hashpool.c — the parallel hashing engine: known answers (whole files,
 * byte ranges, BLAKE2b), the same digests whatever the thread count and read
 * size, progress totals, one failing job among good ones, and change
 * detection against a listed identity. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hashpool.h"
#include "unit.h"

static const char abc_sha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void known_answers(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "abc", "abc", 3);
  ut_write(d, "xabcx", "xabcx", 5);
  char *p1 = ut_path(d, "abc"), *p2 = ut_path(d, "xabcx");
  mp_hash_job jobs[3] = {{.path = p1, .len = UINT64_MAX}, {.path = p2, .offset = 1, .len = 3},
                         {.path = p2, .offset = 4, .len = UINT64_MAX}};
  mp_err e;
  assert_int_equal(mp_hash_run(jobs, 3, NULL, &e), 0);
  assert_string_equal(jobs[0].out.hex, abc_sha256);
  assert_int_equal(jobs[0].out.size, 3);
  assert_string_equal(jobs[1].out.hex, abc_sha256); /* bytes 1..4 of "xabcx" */
  assert_int_equal(jobs[2].out.size, 1);
  assert_false(jobs[0].out.changed || jobs[1].out.changed || jobs[2].out.changed);
  mp_hash_opts o = {.alg = "blake2b"};
  assert_int_equal(mp_hash_run(jobs, 1, &o, &e), 0);
  assert_int_equal(jobs[0].out.digest_len, 64);
  assert_string_equal(jobs[0].out.hex,
                      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  o.alg = "md5";
  assert_int_not_equal(mp_hash_run(jobs, 1, &o, &e), 0);
  assert_non_null(strstr(e.msg, "md5"));
  free(p1), free(p2);
  ut_rmtree(d);
}

static void add_bytes(void *ctx, uint64_t n) { atomic_fetch_add((atomic_uint_fast64_t *)ctx, n); }

static void threads_and_buffers_agree(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  enum { N = 40 };
  char *paths[N];
  uint64_t total = 0;
  for (int i = 0; i < N; i++) {
    char name[16], *data = malloc(1000 * (size_t)i + 1);
    for (int k = 0; k < 1000 * i; k++) data[k] = (char)(k * 7 + i);
    snprintf(name, sizeof name, "f%02d", i);
    ut_write(d, name, data, 1000 * (size_t)i);
    paths[i] = ut_path(d, name);
    total += 1000 * (uint64_t)i;
    free(data);
  }
  mp_hash_job a[N], b[N];
  for (int i = 0; i < N; i++) {
    a[i] = (mp_hash_job){.path = paths[i], .len = UINT64_MAX};
    b[i] = a[i];
  }
  mp_err e;
  atomic_uint_fast64_t seen;
  atomic_init(&seen, 0);
  mp_hash_opts one = {.threads = 1}, many = {.threads = 7, .buf_size = 333, .progress = add_bytes, .ctx = &seen};
  assert_int_equal(mp_hash_run(a, N, &one, &e), 0);
  assert_int_equal(mp_hash_run(b, N, &many, &e), 0);
  for (int i = 0; i < N; i++) assert_string_equal(a[i].out.hex, b[i].out.hex);
  assert_int_equal(atomic_load(&seen), total);
  for (int i = 0; i < N; i++) free(paths[i]);
  ut_rmtree(d);
}

static void one_bad_job(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "abc", "abc", 3);
  char *ok = ut_path(d, "abc"), *gone = ut_path(d, "missing");
  mp_hash_job jobs[3] = {{.path = ok, .len = UINT64_MAX}, {.path = gone, .len = UINT64_MAX},
                         {.path = d, .len = UINT64_MAX}};
  mp_err e;
  assert_int_equal(mp_hash_run(jobs, 3, NULL, &e), MP_EIO);
  assert_non_null(strstr(e.msg, "missing"));
  assert_int_equal(jobs[0].rc, 0);
  assert_string_equal(jobs[0].out.hex, abc_sha256);
  assert_int_equal(jobs[1].rc, MP_EIO);
  assert_int_equal(jobs[2].rc, MP_EIO); /* a directory is not a regular file */
  assert_non_null(strstr(jobs[2].error, "regular file"));
  free(ok), free(gone);
  ut_rmtree(d);
}

static void identity_checks(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "abc", "abc", 3);
  char *p = ut_path(d, "abc");
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  mp_file_id id;
  mp_file_id_from_stat(&id, &st);
  mp_hash_job j = {.path = p, .len = UINT64_MAX, .expect = &id};
  mp_err e;
  assert_int_equal(mp_hash_run(&j, 1, NULL, &e), 0);
  assert_false(j.out.changed);
  id.mtime_nsec ^= 1; /* listed with another mtime */
  assert_int_equal(mp_hash_run(&j, 1, NULL, &e), 0);
  assert_true(j.out.changed);
  mp_file_id_from_stat(&id, &st);
  id.size = 2; /* listed smaller: the extra byte is not silently signed */
  assert_int_equal(mp_hash_run(&j, 1, NULL, &e), 0);
  assert_true(j.out.changed);
  /* a range that runs past the end is short: flagged */
  mp_hash_job r = {.path = p, .offset = 1, .len = 5};
  assert_int_equal(mp_hash_run(&r, 1, NULL, &e), 0);
  assert_true(r.out.changed);
  free(p);
  ut_rmtree(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(known_answers),
      cmocka_unit_test(threads_and_buffers_agree),
      cmocka_unit_test(one_bad_job),
      cmocka_unit_test(identity_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
