/* test_modeldir.c — the OMS model digest: canonical order (the reference
 * tool's PurePosixPath order, computed with Python for these names), known
 * answers for files and shards, ignore rules, the signature file, symlink
 * policy (inside, outside, cycles), names, and a file changed between listing
 * and hashing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "modeldir.h"
#include "unit.h"

static int cmp_names(const void *a, const void *b) {
  return mp_model_path_cmp(*(char *const *)a, *(char *const *)b);
}

static void canonical_order(void **state) {
  (void)state;
  /* sorted([...], key=pathlib.PurePosixPath) in Python */
  const char *want[] = {"A", "a/b", "a/b c", "a b/x", "a-c/x", "a.b", "a0", "a:b", "b", "\xc3\xbc"};
  const char *in[] = {"a b/x", "a-c/x", "a.b", "a/b", "a:b", "b", "\xc3\xbc", "A", "a/b c", "a0"};
  qsort(in, 10, sizeof *in, cmp_names);
  for (int i = 0; i < 10; i++) assert_string_equal(in[i], want[i]);
  assert_true(mp_model_path_cmp("a", "a/b") < 0);
  assert_int_equal(mp_model_path_cmp("x/y", "x/y"), 0);
}

static void ignore_paths_normalize(void **state) {
  (void)state;
  mp_err e;
  char *s = NULL;
  assert_int_equal(mp_model_ignore_normalize("./a//b/", &s, &e), 0);
  assert_string_equal(s, "a/b");
  free(s);
  assert_int_equal(mp_model_ignore_normalize("a/./b", &s, &e), 0);
  assert_string_equal(s, "a/b");
  free(s);
  assert_int_equal(mp_model_ignore_normalize("/etc/passwd", &s, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "relative"));
  assert_int_equal(mp_model_ignore_normalize("a/../../b", &s, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, ".."));
  assert_int_equal(mp_model_ignore_normalize("", &s, &e), MP_EUSAGE);
  assert_int_equal(mp_model_ignore_normalize("./", &s, &e), MP_EUSAGE);
}

static void shard_names(void **state) {
  (void)state;
  char *p = NULL;
  uint64_t s, t;
  assert_int_equal(mp_model_shard_parse("a:b:0:10", &p, &s, &t), 0);
  assert_string_equal(p, "a:b");
  assert_int_equal(s, 0);
  assert_int_equal(t, 10);
  free(p);
  assert_int_equal(mp_model_shard_parse("w.bin:1000000000:2500000000", &p, &s, &t), 0);
  assert_int_equal(t, 2500000000ull);
  free(p);
  const char *bad[] = {"x:1:1", "x:2:1", "x:01:2", "x::2", ":0:1", "x:0", "x", "x:0:18446744073709551616",
                       "x:-1:2", "x:0:+2", "x:0:2 "};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(mp_model_shard_parse(bad[i], &p, &s, &t), -1);
}

static void hex_of(const mp_model_resource *r, const char *want) { assert_string_equal(r->hex, want); }

static void files_known_answer(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "a", "abc", 3);
  ut_write(d, "b", "", 0);
  mp_err e;
  mp_model *m = NULL;
  assert_int_equal(mp_model_digest(d, NULL, &m, &e), 0);
  assert_int_equal(m->nresources, 2);
  hex_of(&m->resources[0], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hex_of(&m->resources[1], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* sha256(raw(a) || raw(b)), computed with Python's hashlib */
  assert_string_equal(m->root_hex, "6f1290896ee81a0349174d19f4473d267a10289c40480861d5c42affffbd79f9");
  assert_int_equal(m->total_bytes, 3);
  mp_model_free(m);
  mp_model_opts o = {.hash = "blake2b"};
  assert_int_equal(mp_model_digest(d, &o, &m, &e), 0);
  hex_of(&m->resources[0],
         "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  mp_model_free(m);
  ut_rmtree(d);
}

static void shards_known_answer(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "f", "0123456789", 10);
  ut_write(d, "empty", "", 0);
  mp_err e;
  mp_model *m = NULL;
  mp_model_opts o = {.method = MP_MODEL_SHARDS, .shard_size = 4, .threads = 3};
  assert_int_equal(mp_model_digest(d, &o, &m, &e), 0);
  assert_int_equal(m->nfiles, 2);
  assert_int_equal(m->nresources, 3); /* the empty file has no shard */
  assert_string_equal(m->resources[0].name, "f:0:4");
  assert_string_equal(m->resources[1].name, "f:4:8");
  assert_string_equal(m->resources[2].name, "f:8:10");
  hex_of(&m->resources[0], "1be2e452b46d7a0d9656bbb1f768e8248eba1b75baed65f5d99eafa948899a6a");
  hex_of(&m->resources[1], "db2e7f1bd5ab9968ae76199b7cc74795ca7404d5a08d78567715ce532f9d2669");
  hex_of(&m->resources[2], "cd70bea023f752a0564abb6ed08d42c1440f2e33e29914e55e0be1595e24f45a");
  assert_int_equal(m->shard_size, 4);
  mp_model_free(m);
  ut_rmtree(d);
}

static int has(char **v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0) return 1;
  return 0;
}

static void ignores_and_signature(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, ".git/HEAD", "x", 1);
  ut_write(d, ".github/ci", "x", 1);
  ut_write(d, "sub/.git/HEAD", "x", 1); /* only top-level defaults are ignored */
  ut_write(d, "cache/a", "x", 1);
  ut_write(d, "cachex", "x", 1);
  ut_write(d, "model.sig", "old", 3);
  ut_write(d, "w", "x", 1);
  char *sig = ut_path(d, "./model.sig");
  const char *ign[] = {"./cache/", NULL};
  mp_model_opts o = {.ignore = ign, .signature = sig, .ignore_must_exist = 1};
  mp_err e;
  mp_model *m = NULL;
  assert_int_equal(mp_model_digest(d, &o, &m, &e), 0);
  assert_int_equal(m->nfiles, 3);
  assert_string_equal(m->files[0].name, "cachex");
  assert_string_equal(m->files[1].name, "sub/.git/HEAD");
  assert_string_equal(m->files[2].name, "w");
  const char *want[] = {".git", ".gitattributes", ".github", ".gitignore", "cache", "model.sig"};
  assert_int_equal(m->nignore_paths, 6);
  for (int i = 0; i < 6; i++) assert_string_equal(m->ignore_paths[i], want[i]);
  assert_true(has(m->ignored, m->nignored, "cache"));
  mp_model_free(m);
  /* a signature outside the model is not recorded */
  o.signature = "/tmp/elsewhere.sig";
  assert_int_equal(mp_model_digest(d, &o, &m, &e), 0);
  assert_false(has(m->ignore_paths, m->nignore_paths, "model.sig"));
  assert_int_equal(m->nfiles, 4);
  mp_model_free(m);
  /* an ignore path that names nothing is refused when asked */
  const char *missing[] = {"nothing-here", NULL};
  o.ignore = missing;
  assert_int_equal(mp_model_scan(d, &o, &m, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "nothing-here"));
  const char *escape[] = {"../x", NULL};
  o.ignore = escape;
  assert_int_equal(mp_model_scan(d, &o, &m, &e), MP_EUSAGE);
  free(sig);
  ut_rmtree(d);
}

static void symlinks(void **state) {
  (void)state;
  char *d = ut_tmpdir(), *out = ut_tmpdir();
  ut_write(d, "real/w", "abc", 3);
  ut_write(out, "secret", "s", 1);
  char *l1 = ut_path(d, "alias"), *l2 = ut_path(d, "dirlink");
  assert_int_equal(symlink("real/w", l1), 0);
  assert_int_equal(symlink("real", l2), 0);
  mp_err e;
  mp_model *m = NULL;
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "symbolic link"));
  mp_model_opts o = {.allow_symlinks = 1};
  assert_int_equal(mp_model_digest(d, &o, &m, &e), 0);
  assert_int_equal(m->nfiles, 3); /* alias, dirlink/w, real/w: named by the link */
  assert_string_equal(m->files[0].name, "alias");
  assert_string_equal(m->files[1].name, "dirlink/w");
  assert_string_equal(m->resources[0].hex, m->resources[2].hex);
  mp_model_free(m);
  /* outside the model: refused even when symlinks are allowed */
  char *l3 = ut_path(d, "leak"), *target = ut_path(out, "secret");
  assert_int_equal(symlink(target, l3), 0);
  assert_int_equal(mp_model_scan(d, &o, &m, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "outside the model"));
  assert_int_equal(unlink(l3), 0);
  /* a cycle back to an ancestor */
  char *l4 = ut_path(d, "real/loop");
  assert_int_equal(symlink("..", l4), 0);
  assert_int_equal(mp_model_scan(d, &o, &m, &e), MP_EVERIFY);
  assert_non_null(strstr(e.msg, "cycle"));
  free(l1), free(l2), free(l3), free(l4), free(target);
  ut_rmtree(d);
  ut_rmtree(out);
}

static void names_and_kinds(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "ok", "x", 1);
  char *fifo = ut_path(d, "pipe");
  assert_int_equal(mkfifo(fifo, 0600), 0);
  mp_err e;
  mp_model *m = NULL;
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), MP_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "pipe"));
  unlink(fifo);
  ut_write(d, "bad\xff", "x", 1);
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), MP_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "UTF-8"));
  free(fifo);
  ut_rmtree(d);
  /* an empty model is refused when files are required */
  d = ut_tmpdir();
  ut_write(d, ".gitignore", "x", 1);
  mp_model_opts o = {.require_files = 1};
  assert_int_equal(mp_model_scan(d, &o, &m, &e), MP_EUSAGE);
  assert_non_null(strstr(e.msg, "no file"));
  /* a single file is named by its base name */
  ut_write(d, "weights.bin", "abc", 3);
  char *f = ut_path(d, "weights.bin");
  assert_int_equal(mp_model_digest(f, NULL, &m, &e), 0);
  assert_int_equal(m->is_file, 1);
  assert_string_equal(m->name, "weights.bin");
  assert_string_equal(m->resources[0].name, "weights.bin");
  mp_model_free(m);
  free(f);
  ut_rmtree(d);
}

static void change_between_listing_and_hashing(void **state) {
  (void)state;
  char *d = ut_tmpdir();
  ut_write(d, "w", "abc", 3);
  mp_err e;
  mp_model *m = NULL;
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), 0);
  char *p = ut_path(d, "w");
  FILE *f = fopen(p, "ab");
  assert_non_null(f);
  fputs("more", f);
  fclose(f);
  assert_int_equal(mp_model_hash(m, NULL, NULL, &e), MP_EIO);
  assert_non_null(strstr(e.msg, "w: file changed while it was being hashed"));
  mp_model_free(m);
  /* replaced by another file of the same size: another inode */
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), 0);
  assert_int_equal(unlink(p), 0);
  ut_write(d, "w", "abcmore", 7);
  assert_int_equal(mp_model_hash(m, NULL, NULL, &e), MP_EIO);
  mp_model_free(m);
  /* replaced by a symlink: refused, not followed */
  assert_int_equal(mp_model_scan(d, NULL, &m, &e), 0);
  assert_int_equal(unlink(p), 0);
  assert_int_equal(symlink("/etc/hostname", p), 0);
  assert_int_not_equal(mp_model_hash(m, NULL, NULL, &e), 0);
  mp_model_free(m);
  free(p);
  ut_rmtree(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(canonical_order),      cmocka_unit_test(ignore_paths_normalize),
      cmocka_unit_test(shard_names),          cmocka_unit_test(files_known_answer),
      cmocka_unit_test(shards_known_answer),  cmocka_unit_test(ignores_and_signature),
      cmocka_unit_test(symlinks),             cmocka_unit_test(names_and_kinds),
      cmocka_unit_test(change_between_listing_and_hashing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
