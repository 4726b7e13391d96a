/* cmd_event.c — `mlprov event KIND ...`: the hook events from a shell script.
 * Outside `mlprov run` (MLPROV_SOCKET unset) it does nothing and exits 0, so
 * the same script runs with or without mlprov. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "mlprov_hook.h"

static const char usage_text[] =
    "usage: mlprov event KIND [OPTIONS] ARGS...\n"
    "\n"
    "Reports an event to the mlprov agent of the enclosing `mlprov run`. Relative\n"
    "paths are relative to the job's working directory. Outside `mlprov run`\n"
    "this does nothing and exits 0.\n"
    "\n"
    "kinds:\n"
    "  file PATH...                              files the job read\n"
    "  dataset NAME [--path P|--uri U] [--digest sha256:HEX] [--records N]\n"
    "               [--merkle-root HEX] [--format lines|files|jsonl|records]\n"
    "  dependency NAME VERSION [--purl PURL] [--digest sha256:HEX]\n"
    "  param KEY VALUE | param KEY=VALUE...      parameters (JSON values are kept typed)\n"
    "  artifact PATH [--role model|checkpoint|other] [--name NAME]\n"
    "  base-model NAME [--digest sha256:HEX] [--uri U] [--provenance FILE]\n"
    "  annotate KEY TEXT\n"
    "  record DATASET [DATA...] [--lines FILE]   dataset records (transparency log)\n"
    "  written PATH...                           files the job wrote\n"
    "  exec PATH [ARG...]                        a program the job ran\n"
    "\n"
    "options:\n"
    "  the --OPTION VALUE pairs listed with each kind above, and\n"
    "  -h, --help                                this text\n"
    "\n"
    "exit status: 0 delivered and acknowledged by the agent (in its journal when\n"
    "             the run has one), or not under mlprov; 2 usage error, unreadable\n"
    "             --lines file, or not delivered\n"
    "example: mlprov event dataset mnist --path data/mnist.csv --records 60000\n";

#define SYNC_TIMEOUT_MS 10000

typedef struct ev_opts {
  const char *path, *uri, *digest, *merkle, *format, *purl, *role, *name, *provenance, *lines;
  long long records;
} ev_opts;

static int parse_opts(int argc, char **argv, ev_opts *o) {
  static const struct option opts[] = {
      {"path", required_argument, NULL, 'p'},   {"uri", required_argument, NULL, 'u'},
      {"digest", required_argument, NULL, 'd'}, {"records", required_argument, NULL, 'n'},
      {"merkle-root", required_argument, NULL, 'm'}, {"format", required_argument, NULL, 'f'},
      {"purl", required_argument, NULL, 'P'},   {"role", required_argument, NULL, 'r'},
      {"name", required_argument, NULL, 'N'},   {"provenance", required_argument, NULL, 'v'},
      {"lines", required_argument, NULL, 'l'},  {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
      case 'p': o->path = optarg; break;
      case 'u': o->uri = optarg; break;
      case 'd': o->digest = optarg; break;
      case 'n':
        if ((o->records = cli_parse_count(optarg)) < 0) return cli_usage_error("event", "--records wants a count");
        break;
      case 'm': o->merkle = optarg; break;
      case 'f': o->format = optarg; break;
      case 'P': o->purl = optarg; break;
      case 'r': o->role = optarg; break;
      case 'N': o->name = optarg; break;
      case 'v': o->provenance = optarg; break;
      case 'l': o->lines = optarg; break;
      case 'h': fputs(usage_text, stdout); return 1;
      default: return cli_bad_option("event", argv);
    }
  }
  return 0;
}

/* -3: the file could not be read (reported here, exit 2 but not a usage error). */
static int send_lines(mlprov_hook *h, const char *dataset, const char *path) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
  if (!f) {
    fprintf(stderr, "mlprov event: reading records from %s: %s\n", path, strerror(errno));
    return -3;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  errno = 0;
  while ((n = getline(&line, &cap, f)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') n--;
    if (mlprov_record(h, dataset, line, (size_t)n) != 0) rc = -1;
  }
  if (ferror(f)) {
    fprintf(stderr, "mlprov event: reading records from %s: %s\n", path, strerror(errno ? errno : EIO));
    rc = -3;
  }
  free(line);
  if (f != stdin) fclose(f);
  return rc;
}

int cmd_event(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *kind = argv[1];
  ev_opts o = {0};
  /* GNU getopt permutes: options may come before or after the arguments;
   * "--" ends options (for values that start with '-'). */
  int pr = parse_opts(argc - 1, argv + 1, &o);
  if (pr) return pr == 1 ? 0 : pr;
  int npos = argc - 1 - optind;
  char **pos = argv + 1 + optind;
  mlprov_hook *h = mlprov_hook_open_acked(NULL, MLPROV_HOOK_CLI);
  if (!h) {
    fprintf(stderr, "mlprov event: out of memory\n");
    return 2;
  }
  int rc = 0;
  if (strcmp(kind, "file") == 0 || strcmp(kind, "written") == 0) {
    if (npos < 1) rc = -2;
    for (int i = 0; i < npos; i++)
      if ((kind[0] == 'f' ? mlprov_file_read(h, pos[i]) : mlprov_file_written(h, pos[i])) != 0) rc = -1;
  } else if (strcmp(kind, "dataset") == 0) {
    if (npos != 1) rc = -2;
    else {
      const char *where = o.uri ? o.uri : o.path;
      rc = mlprov_dataset(h, pos[0], where, o.digest, (uint64_t)(o.records > 0 ? o.records : 0), o.merkle);
    }
  } else if (strcmp(kind, "dependency") == 0) {
    if (npos != 2) rc = -2;
    else rc = mlprov_dependency(h, pos[0], pos[1], o.purl, o.digest);
  } else if (strcmp(kind, "param") == 0) {
    if (npos == 2 && !strchr(pos[0], '=')) {
      rc = mlprov_param(h, pos[0], pos[1]);
    } else if (npos >= 1) {
      for (int i = 0; i < npos && rc != -2; i++) {
        char *eq = strchr(pos[i], '=');
        if (!eq) {
          rc = -2;
          break;
        }
        *eq = '\0';
        if (mlprov_param(h, pos[i], eq + 1) != 0) rc = -1;
        *eq = '=';
      }
    } else {
      rc = -2;
    }
  } else if (strcmp(kind, "artifact") == 0) {
    int role = MLPROV_ROLE_MODEL;
    if (o.role && strcmp(o.role, "checkpoint") == 0) role = MLPROV_ROLE_CHECKPOINT;
    else if (o.role && strcmp(o.role, "other") == 0) role = MLPROV_ROLE_OTHER;
    else if (o.role && strcmp(o.role, "model") != 0) {
      mlprov_hook_close(h);
      return cli_usage_error("event", "--role is model, checkpoint or other");
    }
    if (npos != 1) rc = -2;
    else rc = mlprov_artifact(h, pos[0], role);
  } else if (strcmp(kind, "base-model") == 0) {
    if (npos != 1) rc = -2;
    else rc = mlprov_base_model(h, pos[0], o.digest, o.uri ? o.uri : o.path, o.provenance);
  } else if (strcmp(kind, "annotate") == 0) {
    if (npos != 2) rc = -2;
    else rc = mlprov_annotate(h, pos[0], pos[1]);
  } else if (strcmp(kind, "record") == 0) {
    if (npos < 1 || (npos == 1 && !o.lines)) rc = -2;
    else {
      for (int i = 1; i < npos; i++)
        if (mlprov_record(h, pos[0], pos[i], strlen(pos[i])) != 0) rc = -1;
      if (o.lines && rc == 0) rc = send_lines(h, pos[0], o.lines);
    }
  } else if (strcmp(kind, "exec") == 0) {
    if (npos < 1) rc = -2;
    else rc = mlprov_exec(h, pos[0], (const char *const *)pos);
  } else {
    mlprov_hook_close(h);
    return cli_usage_error("event", "unknown event kind '%s'", kind);
  }
  /* exit 0 means the agent acknowledged the events (journaled when the run
   * has a journal); a refused connection is closed unacknowledged */
  if (rc == 0 && mlprov_hook_sync(h, SYNC_TIMEOUT_MS) < 0) rc = -1;
  int active = mlprov_hook_active(h) || !getenv("MLPROV_SOCKET");
  mlprov_hook_close(h);
  if (rc == -2) return cli_usage_error("event", "wrong arguments for '%s'", kind);
  if (rc == -3) return 2;
  if (rc != 0 || !active) {
    fprintf(stderr, "mlprov event: could not deliver the event to the agent at %s\n", getenv("MLPROV_SOCKET"));
    return 2;
  }
  return 0;
}
