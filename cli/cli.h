/* cli.h — what the subcommands share: the command table entry type, error
 * reporting (one line on stderr, exit code from the error), key loading and
 * the hashing progress line. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "attest.h"
#include "err.h"
#include "keys.h"
#include "provenance.h"

typedef int (*mp_cmd_fn)(int argc, char **argv);

typedef struct mp_cmd {
  const char *name;
  mp_cmd_fn fn;
  const char *summary;
} mp_cmd;

/* Prints "mlprov CMD: message" and returns mp_exit_code(e->code). */
int cli_fail(const char *cmd, const mp_err *e);
/* Prints "mlprov CMD: usage error: ..." plus a hint, returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long returned '?' or ':': names the offending option, never
 * its value (it may be "--token=SECRET"), and returns 2. main() turns
 * getopt's own messages off, which would print it as typed. */
int cli_bad_option(const char *cmd, char *const *argv);

/* A growable list of keys loaded from files. */
typedef struct cli_keys {
  mp_key **keys;
  size_t n;
} cli_keys;

int cli_keys_add(cli_keys *k, const char *path, int private_key, mp_err *e);
/* When no --key was given, loads $MLPROV_KEY. 0, or the exit status after
 * printing why there is no signing key for subcommand cmd. */
int cli_keys_signing_default(cli_keys *k, const char *cmd);
void cli_keys_free(cli_keys *k);

/* What `run` and `recover` share: builds rec's provenance, signs it with
 * every key and writes BASE.intoto.jsonl (+ BASE.pb with with_pb) and, first,
 * the tree files of the datasets whose records were reported
 * (BASE.records-NAME.mptree, recorder/dstrees.h; their paths are appended
 * to trees when it is not NULL). BASE is base, else the default next to the
 * first subject. Prints the build's warnings and a kept previous file as
 * "mlprov CMD: ...". *st (the statement) and paths are the caller's to free,
 * also on failure. */
int cli_write_provenance(const char *cmd, const mp_record *rec, const mp_prov_opts *po, const char *base,
                         const cli_keys *keys, int with_pb, json_t **st, mp_attest_paths *paths,
                         json_t *trees, mp_err *e);

/* Parses a non-negative integer option; -1 if malformed. */
long long cli_parse_count(const char *s);

/* Hashing progress on stderr (see progress.c); cli_progress_cb is an
 * mp_hash_progress_cb with the cli_progress as its context. */
typedef struct cli_progress {
  const char *label;
  int enabled;
  uint64_t total;
  uint64_t start;          /* ms */
  atomic_uint_fast64_t done;
  atomic_uint_fast64_t last; /* ms of the last line printed */
  atomic_int printing;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label, int quiet);
void cli_progress_cb(void *ctx, uint64_t bytes);
void cli_progress_done(cli_progress *p);

int cmd_run(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_event(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_lineage(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_model(int argc, char **argv);

#endif
