/* test_fileio.c — atomic writes (exclusive refuses an existing file), the
 * numbered backups both the provenance (link: the original stays) and the
 * journal (move: the name becomes free) use, path normalisation, and the
 * read-use-release file buffers (huge-page memory for large files). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "unit.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  return unit_tmpdir_make(dir, sizeof dir, "tf");
}

static int teardown(void **state) {
  (void)state;
  return unit_tmpdir_remove(dir);
}

static void read_back(const char *path, const char *want) {
  uint8_t *b = NULL;
  size_t n = 0;
  mp_err e;
  assert_int_equal(mp_read_file(path, 1 << 20, &b, &n, &e), 0);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(b, want, n);
  free(b);
}

static void writes_and_exclusive(void **state) {
  (void)state;
  char p[128];
  mp_err e;
  snprintf(p, sizeof p, "%s/a", dir);
  assert_int_equal(mp_write_file(p, "one", 3, 0640, 1, &e), 0);
  read_back(p, "one");
  struct stat sb;
  assert_int_equal(stat(p, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0640);
  assert_int_equal(mp_write_file(p, "two", 3, 0640, 1, &e), MP_EEXISTS);
  read_back(p, "one");
  assert_int_equal(mp_write_file(p, "two", 3, 0640, 0, &e), 0);
  read_back(p, "two");
}

static void numbered_backups(void **state) {
  (void)state;
  char p[128], want[160];
  char *b = NULL;
  mp_err e;
  snprintf(p, sizeof p, "%s/b", dir);
  assert_int_equal(mp_file_backup(p, 0, &b, &e), 0); /* nothing there */
  assert_null(b);
  assert_int_equal(mp_write_file(p, "v1", 2, 0644, 0, &e), 0);
  assert_int_equal(mp_file_backup(p, 0, &b, &e), 0); /* link: the original stays */
  snprintf(want, sizeof want, "%s.~1~", p);
  assert_string_equal(b, want);
  free(b);
  read_back(p, "v1");
  read_back(want, "v1");
  assert_int_equal(mp_write_file(p, "v2", 2, 0644, 0, &e), 0);
  assert_int_equal(mp_file_backup(p, 1, &b, &e), 0); /* move: the name is free */
  snprintf(want, sizeof want, "%s.~2~", p);
  assert_string_equal(b, want);
  free(b);
  read_back(want, "v2");
  assert_int_not_equal(access(p, F_OK), 0);
}

/* mp_file_buf_read: small files the ordinary way, large ones into
 * huge-page memory; the same bytes, NUL-terminated, and errors named. */
static void file_buffers(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 1, 4095, (1u << 20) - 1, 1u << 20, (3u << 20) + 17};
  char path[128];
  snprintf(path, sizeof path, "%s/buf", dir);
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    size_t n = sizes[t];
    uint8_t *data = malloc(n + 1);
    for (size_t i = 0; i < n; i++) data[i] = (uint8_t)(i * 31 + t);
    mp_err e;
    assert_int_equal(mp_write_file(path, data, n, 0644, 0, &e), 0);
    mp_file_buf fb;
    assert_int_equal(mp_file_buf_read(path, 64u << 20, &fb, &e), 0);
    assert_int_equal(fb.len, n);
    if (n) assert_memory_equal(fb.data, data, n);
    assert_int_equal(fb.data[n], 0);
    assert_int_equal(fb.big != 0, n >= (1u << 20));
    mp_file_buf_free(&fb);
    assert_null(fb.data);
    free(data);
  }
  mp_file_buf fb;
  mp_err e;
  char missing[160];
  snprintf(missing, sizeof missing, "%s/missing", dir);
  assert_int_equal(mp_file_buf_read(missing, 1024, &fb, &e), MP_EIO);
  assert_non_null(strstr(e.msg, "missing"));
  assert_int_equal(mp_file_buf_read(path, 1024, &fb, &e), MP_ELIMIT);
  mp_file_buf_free(&fb);
}

static void normalise(void **state) {
  (void)state;
  static const char *cases[][2] = {{"/a//b/./c/", "/a/b/c"}, {"/a/b/../c", "/a/c"}, {"/..", "/"}, {"/", "/"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *n = mp_path_normalize(cases[i][0]);
    assert_string_equal(n, cases[i][1]);
    free(n);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writes_and_exclusive),
      cmocka_unit_test(numbered_backups),
      cmocka_unit_test(normalise),
      cmocka_unit_test(file_buffers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
