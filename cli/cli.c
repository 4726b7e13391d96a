/* cli.c — helpers shared by the subcommands: one-line error reporting and
 * key loading (see cli.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int cli_bad_option(const char *cmd, char *const *argv) {
  const char *arg = optind > 0 ? argv[optind - 1] : NULL;
  /* Only the option's name is shown: its value ("--x=VALUE", "-xVALUE")
   * may be a secret the redactor cannot recognise. */
  char name[64] = "";
  if (arg && arg[0] == '-' && arg[1] == '-') snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
  else if (arg && arg[0] == '-') snprintf(name, sizeof name, "%.2s", arg);
  /* something that merely starts with '-' (a PEM block, a negative value) is
   * not an option name: show none of it */
  size_t nl = strlen(name);
  int plausible = nl >= 2 && nl < sizeof name - 1 && strspn(name, "-") <= 2 &&
                  strspn(name, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == nl;
  if (!plausible) return cli_usage_error(cmd, "unknown option or missing value (the argument is not shown; "
                                              "put -- before values that start with '-')");
  int valued = arg[1] == '-' ? strchr(arg, '=') != NULL : arg[2] != '\0';
  return cli_usage_error(cmd, "unknown option or missing value: %s%s", name, valued ? " (value not shown)" : "");
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

void cli_keys_free(cli_keys *k) {
  for (size_t i = 0; i < k->n; i++) mp_key_free(k->keys[i]);
  free(k->keys);
  k->keys = NULL;
  k->n = 0;
}

int cli_write_provenance(const char *cmd, const mp_record *rec, const mp_prov_opts *po, const char *base,
                         const cli_keys *keys, int with_pb, json_t **st, mp_attest_paths *paths, mp_err *e) {
  json_t *warnings = po->warnings ? json_deep_copy(po->warnings) : json_array();
  mp_dsse *env = NULL;
  char *where = NULL;
  int rc = warnings ? mp_provenance_build(rec, po, warnings, st, e) : mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) {
    where = base ? strdup(base) : mp_provenance_default_base(*st, rec);
    if (!where) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  if (rc == 0) rc = mp_attest_sign(*st, (const mp_key *const *)keys->keys, keys->n, &env, e);
  if (rc == 0) rc = mp_attest_write(env, where, with_pb, paths, e);
  size_t i;
  json_t *w;
  json_array_foreach(warnings, i, w) fprintf(stderr, "mlprov %s: warning: %s\n", cmd, json_string_value(w));
  if (rc == 0 && paths->jsonl_backup)
    fprintf(stderr, "mlprov %s: kept the previous provenance as %s\n", cmd, paths->jsonl_backup);
  json_decref(warnings);
  mp_dsse_free(env);
  free(where);
  return rc;
}

long long cli_parse_count(const char *s) {
  if (!s || !*s) return -1;
  char *end;
  long long v = strtoll(s, &end, 10);
  return *end || v < 0 ? -1 : v;
}

