/* cli.c — helpers shared by the subcommands: one-line error reporting and
 * key loading (see cli.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cli_fail(const char *cmd, const mp_err *e) {
  fprintf(stderr, "mlprov %s: %s\n", cmd, e->msg[0] ? e->msg : mp_strerror(e->code));
  return mp_exit_code(e->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "mlprov %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see `mlprov %s --help`)\n", cmd);
  va_end(ap);
  return 2;
}

int cli_keys_add(cli_keys *k, const char *path, int private_key, mp_err *e) {
  mp_key *key = NULL;
  int rc = private_key ? mp_key_load_private(path, &key, e) : mp_key_load_public(path, &key, e);
  if (rc) return rc;
  mp_key **nk = realloc(k->keys, (k->n + 1) * sizeof *nk);
  if (!nk) {
    mp_key_free(key);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  k->keys = nk;
  k->keys[k->n++] = key;
  return 0;
}

int cli_keys_signing_default(cli_keys *k, const char *cmd) {
  if (k->n) return 0;
  const char *path = getenv("MLPROV_KEY");
  if (!path || !*path)
    return cli_usage_error(cmd, "no signing key: give --key KEY or set MLPROV_KEY (create one with `mlprov keygen`)");
  mp_err e;
  mp_err_clear(&e);
  return cli_keys_add(k, path, 1, &e) ? cli_fail(cmd, &e) : 0;
}

void cli_keys_free(cli_keys *k) {
  for (size_t i = 0; i < k->n; i++) mp_key_free(k->keys[i]);
  free(k->keys);
  k->keys = NULL;
  k->n = 0;
}

long long cli_parse_count(const char *s) {
  if (!s || !*s) return -1;
  char *end;
  long long v = strtoll(s, &end, 10);
  return *end || v < 0 ? -1 : v;
}

