/* cli.h — what the subcommands share: the command table entry type, error
 * reporting (one line on stderr, exit code from the error), key loading and
 * the hashing progress line. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

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

/* A growable list of keys loaded from files. */
typedef struct cli_keys {
  mp_key **keys;
  size_t n;
} cli_keys;

int cli_keys_add(cli_keys *k, const char *path, int private_key, mp_err *e);
void cli_keys_free(cli_keys *k);

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
int cmd_model(int argc, char **argv);

#endif
