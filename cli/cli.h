/* cli.h — what the subcommands share: the command table entry type, error
 * reporting (one line on stderr, exit code from the error), and key loading. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stddef.h>

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

int cmd_run(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_event(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_index(int argc, char **argv);

#endif
