/* test_dsrecord.c — what a record is in each format (dsrecord.c): lines with
 * and without a final newline, empty lines, CR kept, lines that span read
 * buffers, JSON Lines (malformed lines named by number), directories of files
 * in OMS order, symlinks refused, a record file's trailing newline, and a
 * record larger than 1 GiB (a sparse file) hashed without being loaded. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsrecord.h"
#include "merkle.h"
#include "unit.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  return unit_tmpdir_make(dir, sizeof dir, "dsrecord");
}

static int teardown(void **state) {
  (void)state;
  return unit_tmpdir_remove(dir);
}

static const char *put(const char *name, const void *data, size_t len) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  mkdir(path, 0755);
  *slash = '/';
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
  return path;
}

typedef struct got {
  uint8_t leaves[64][32];
  size_t n;
} got;

static int collect(void *ctx, const uint8_t leaf[32], mp_err *e) {
  (void)e;
  got *g = ctx;
  if (g->n < 64) memcpy(g->leaves[g->n], leaf, 32);
  g->n++;
  return 0;
}

static void expect_records(const got *g, const char *const *recs, size_t n) {
  assert_int_equal(g->n, n);
  for (size_t i = 0; i < n; i++) {
    uint8_t want[32];
    mp_merkle_leaf_hash(recs[i], strlen(recs[i]), want);
    assert_memory_equal(g->leaves[i], want, 32);
  }
}

static void formats(void **state) {
  (void)state;
  mp_dsformat f;
  assert_int_equal(mp_dsformat_parse("jsonl", &f), 0);
  assert_int_equal(f, MP_DSFMT_JSONL);
  assert_int_equal(mp_dsformat_parse("csv", &f), -1);
  assert_string_equal(mp_dsformat_name(MP_DSFMT_FILES), "files");
  assert_null(mp_dsformat_name(4));
}

static void lines(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *recs[4];
    size_t n;
  } cases[] = {
      {"a\nb\n", {"a", "b"}, 2},
      {"a\nb", {"a", "b"}, 2},
      {"", {NULL}, 0},
      {"\n", {""}, 1},
      {"a\n\nb\n", {"a", "", "b"}, 3},
      {"a\r\nb\r\n", {"a\r", "b\r"}, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    got g = {0};
    mp_dsrec_stats st = {0};
    const char *p = put("l.txt", cases[i].text, strlen(cases[i].text));
    assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_LINES, collect, &g, &st, NULL), 0);
    expect_records(&g, cases[i].recs, cases[i].n);
    assert_int_equal(st.records, cases[i].n);
  }
}

/* Lines that cross the 1 MiB read buffer at every offset around it. */
static void lines_across_buffers(void **state) {
  (void)state;
  size_t len = 3 * MP_HASH_BUF + 100;
  char *text = malloc(len);
  assert_non_null(text);
  for (size_t i = 0; i < len; i++) text[i] = (char)('a' + i % 26);
  size_t cuts[] = {10, MP_HASH_BUF - 1, MP_HASH_BUF, MP_HASH_BUF + 1, 2 * MP_HASH_BUF + 7};
  for (size_t c = 0; c < 5; c++) text[cuts[c]] = '\n';
  const char *p = put("long.txt", text, len);
  got g = {0};
  mp_dsrec_stats st = {0};
  assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_LINES, collect, &g, &st, NULL), 0);
  assert_int_equal(g.n, 6);
  size_t start = 0;
  for (size_t c = 0; c <= 5; c++) {
    size_t end = c < 5 ? cuts[c] : len;
    uint8_t want[32];
    mp_merkle_leaf_hash(text + start, end - start, want);
    assert_memory_equal(g.leaves[c], want, 32);
    start = end + 1;
  }
  assert_int_equal(st.largest, len - (2 * MP_HASH_BUF + 8));
  free(text);
}

static void jsonl(void **state) {
  (void)state;
  const char *ok = "{\"a\":1}\n[1,2]\n\"s\"\n";
  got g = {0};
  const char *p = put("ok.jsonl", ok, strlen(ok));
  assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_JSONL, collect, &g, NULL, NULL), 0);
  const char *recs[] = {"{\"a\":1}", "[1,2]", "\"s\""};
  expect_records(&g, recs, 3);
  mp_err e;
  const char *bad = "{\"a\":1}\n{\"a\":\n";
  p = put("bad.jsonl", bad, strlen(bad));
  assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_JSONL, collect, &g, NULL, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "line 2"));
  const char *blank = "1\n\n2\n";
  p = put("blank.jsonl", blank, strlen(blank));
  assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_JSONL, collect, &g, NULL, &e), MP_EPARSE);
  assert_non_null(strstr(e.msg, "line 2: empty line"));
  /* a directory is not a file of lines */
  assert_int_equal(mp_dsrec_scan(dir, MP_DSFMT_LINES, collect, &g, NULL, &e), MP_EUSAGE);
  assert_int_equal(mp_dsrec_scan("/nonexistent/x", MP_DSFMT_LINES, collect, &g, NULL, &e), MP_EIO);
  assert_int_equal(mp_dsrec_scan(p, MP_DSFMT_RECORDS, collect, &g, NULL, &e), MP_EUSAGE);
}

static void files(void **state) {
  (void)state;
  put("d/b", "two", 3);
  put("d/a/z", "one", 3);
  put("d/c", "", 0);
  char d[128];
  snprintf(d, sizeof d, "%s/d", dir);
  got g = {0};
  assert_int_equal(mp_dsrec_scan(d, MP_DSFMT_FILES, collect, &g, NULL, NULL), 0);
  const char *recs[] = {"one", "two", ""}; /* a/z, b, c */
  expect_records(&g, recs, 3);
  char link[160];
  snprintf(link, sizeof link, "%s/d/l", dir);
  assert_int_equal(symlink("b", link), 0);
  mp_err e;
  g.n = 0;
  assert_true(mp_dsrec_scan(d, MP_DSFMT_FILES, collect, &g, NULL, &e) != 0);
  assert_non_null(strstr(e.msg, "symlink"));
  unlink(link);
}

static void record_files(void **state) {
  (void)state;
  uint8_t leaf[32], want[32];
  uint64_t size;
  const char *p = put("r1", "abc\n", 4);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_LINES, leaf, &size, NULL), 0);
  mp_merkle_leaf_hash("abc", 3, want);
  assert_memory_equal(leaf, want, 32);
  assert_int_equal(size, 3);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_RECORDS, leaf, &size, NULL), 0);
  mp_merkle_leaf_hash("abc\n", 4, want);
  assert_memory_equal(leaf, want, 32);
  p = put("r2", "abc", 3);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_JSONL, leaf, &size, NULL), 0);
  mp_merkle_leaf_hash("abc", 3, want);
  assert_memory_equal(leaf, want, 32);
  p = put("r3", "", 0);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_LINES, leaf, &size, NULL), 0);
  mp_merkle_leaf_hash("", 0, want);
  assert_memory_equal(leaf, want, 32);
  mp_err e;
  p = put("r4", "a\nb\n", 4);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_LINES, leaf, &size, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "more than one line"));
  p = put("r5", "a\n\n", 3);
  assert_int_equal(mp_dsrec_leaf_of_file(p, MP_DSFMT_LINES, leaf, &size, &e), MP_EUSAGE);
  assert_int_equal(mp_dsrec_leaf_of_file(dir, MP_DSFMT_FILES, leaf, &size, &e), MP_EUSAGE);
  assert_int_equal(mp_dsrec_leaf_of_file("/nonexistent/r", MP_DSFMT_FILES, leaf, &size, &e), MP_EIO);
}

/* SHA-256(0x00 || n zero bytes) computed here, without the code under test. */
static void zeros_leaf(uint64_t n, uint8_t out[32]) {
  static uint8_t z[1 << 16];
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned int l;
  EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  EVP_DigestUpdate(c, z, 1);
  for (uint64_t done = 0; done < n;) {
    size_t k = n - done < sizeof z ? (size_t)(n - done) : sizeof z;
    EVP_DigestUpdate(c, z, k);
    done += k;
  }
  EVP_DigestFinal_ex(c, out, &l);
  EVP_MD_CTX_free(c);
}

/* A record of 1 GiB + 1 byte (sparse, so the test stays fast) is streamed:
 * as one line of a lines file and as a record file. */
static void huge_record_streamed(void **state) {
  (void)state;
  uint64_t n = (1ull << 30) + 1;
  char path[128];
  snprintf(path, sizeof path, "%s/huge", dir);
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)n), 0);
  close(fd);
  uint8_t want[32], leaf[32];
  zeros_leaf(n, want);
  got g = {0};
  mp_dsrec_stats st = {0};
  assert_int_equal(mp_dsrec_scan(path, MP_DSFMT_LINES, collect, &g, &st, NULL), 0);
  assert_int_equal(g.n, 1);
  assert_memory_equal(g.leaves[0], want, 32);
  assert_int_equal(st.largest, n);
  uint64_t size = 0;
  assert_int_equal(mp_dsrec_leaf_of_file(path, MP_DSFMT_FILES, leaf, &size, NULL), 0);
  assert_memory_equal(leaf, want, 32);
  assert_int_equal(size, n);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(formats),
      cmocka_unit_test(lines),
      cmocka_unit_test(lines_across_buffers),
      cmocka_unit_test(jsonl),
      cmocka_unit_test(files),
      cmocka_unit_test(record_files),
      cmocka_unit_test(huge_record_streamed),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
