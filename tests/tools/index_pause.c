/* index_pause.c — adds files to an index like `mlprov index add`, but stops
 * inside the first file's transaction after its first record: it creates
 * DIR/paused and waits (up to 60 s) for DIR/go. A test queries the index
 * meanwhile to show readers never see half a file.
 *
 *   index_pause DB PUBKEY DIR FILE...     exit 0 when every file was added */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index.h"

typedef struct pause_ctx {
  const char *dir;
  int done;
} pause_ctx;

static void on_record(void *arg, const char *path, size_t n) {
  pause_ctx *c = arg;
  (void)path;
  if (c->done || n != 1) return;
  c->done = 1;
  char p[4096], g[4096];
  snprintf(p, sizeof p, "%s/paused", c->dir);
  snprintf(g, sizeof g, "%s/go", c->dir);
  FILE *f = fopen(p, "w");
  if (f) fclose(f);
  for (int i = 0; i < 6000 && access(g, F_OK) != 0; i++) usleep(10000);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: index_pause DB PUBKEY DIR FILE...\n");
    return 2;
  }
  mp_err e;
  mp_err_clear(&e);
  mp_key *k = NULL;
  mp_index *idx = NULL;
  if (mp_key_load_public(argv[2], &k, &e) || mp_index_open(argv[1], 1, &idx, &e)) {
    fprintf(stderr, "index_pause: %s\n", e.msg);
    mp_key_free(k);
    return 2;
  }
  pause_ctx c = {.dir = argv[3]};
  const mp_key *keys[1] = {k};
  mp_index_add_opts o = {.keys = keys, .nkeys = 1, .on_record = on_record, .ctx = &c};
  mp_index_add_result r;
  int rc = mp_index_add(idx, (const char *const *)argv + 4, (size_t)(argc - 4), &o, &r, &e);
  for (size_t i = 0; i < r.nfiles; i++)
    if (r.files[i].rc) {
      fprintf(stderr, "index_pause: %s: %s\n", r.files[i].path, r.files[i].error);
      rc = 1;
    }
  if (rc && e.msg[0]) fprintf(stderr, "index_pause: %s\n", e.msg);
  mp_index_add_result_free(&r);
  mp_index_close(idx);
  mp_key_free(k);
  return rc ? 1 : 0;
}
