/* cmd_run.c — `mlprov run -- CMD`: wrap a job, then hash, sign and write its
 * provenance. The exit status is the job's (128+N when killed by signal N);
 * 125 when the job succeeded but mlprov could not write its provenance, 126/127
 * when the job could not be started (the conventions of env(1) and timeout(1)).
 *
 * Everything the agent receives also goes to the run journal (journal.h,
 * docs/journal.md): BASE.journal next to the provenance when BASE is known
 * up front (--out or the first --output), else a file named by the invocation
 * id in the state directory. The journal is kept after the run (its final
 * chain hash is signed in the provenance, so it can be checked later) unless
 * --discard-journal is given and the provenance was written; it is always
 * kept when the provenance could not be written. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "attest.h"
#include "cli.h"
#include "collect.h"
#include "fileio.h"
#include "frame.h"
#include "journal.h"
#include "provenance.h"
#include "pyhook.h"
#include "redact.h"
#include "replay.h"
#include "statement.h"

extern char **environ;

static const char usage_text[] =
    "usage: mlprov run [OPTIONS] -- COMMAND [ARGS]...\n"
    "\n"
    "Runs COMMAND with an mlprov agent listening on a private socket (its path is\n"
    "in MLPROV_SOCKET for the hooks), then writes a signed SLSA v1 provenance:\n"
    "BASE.intoto.jsonl (DSSE envelope, JSON) and BASE.pb (protobuf). BASE is --out,\n"
    "or the first output. Subjects are the --output paths and the artifacts the\n"
    "job reports; a directory is digested as a model (OMS files method).\n"
    "\n"
    "options:\n"
    "  -k, --key KEY          signing key (PEM private key; repeat to co-sign);\n"
    "                         default $MLPROV_KEY. Encrypted keys: $MLPROV_KEY_PASSPHRASE\n"
    "  -o, --output PATH      a file or directory the job produces (repeatable)\n"
    "      --out BASE         write BASE.intoto.jsonl and BASE.pb\n"
    "      --builder-id URI   runDetails.builder.id (default $MLPROV_BUILDER_ID or\n"
    "                         " MP_DEFAULT_BUILDER_ID ")\n"
    "      --no-pb            do not write the protobuf file\n"
    "      --journal PATH     the run journal (default BASE.journal when BASE is known\n"
    "                         up front, else $MLPROV_STATE_DIR or ~/.local/state/mlprov\n"
    "                         /journals/ID.journal); `none`: no journal, no recovery\n"
    "      --discard-journal  remove the journal once the provenance is written\n"
    "      --journal-sync-ms MS  make the journal durable every MS ms (default 1000);\n"
    "                         0: before every acknowledgement (power-loss safe acks)\n"
    "      --max-frame BYTES  largest hook frame accepted (default 1048576)\n"
    "      --max-connections N  hook connections open at once (default 1024)\n"
    "      --max-memory BYTES  connection buffers + run record (default 1073741824)\n"
    "      --drain-ms MS      wait for hooks after the job exits (default 5000)\n"
    "      --threads N        hashing threads (default: one per CPU)\n"
    "      --no-python-hook   do not load the Python hook into the job's Python\n"
    "                         interpreters (by default PYTHONPATH gets its\n"
    "                         sitecustomize: files read, packages, explicit calls;\n"
    "                         the hook is found next to mlprov or in $" MP_PYHOOK_ENV ")\n"
    "  -q, --quiet            no summary on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: the job's; 125 the job succeeded but the provenance could not be\n"
    "written (the journal is kept: `mlprov recover` signs it later); 126 COMMAND not\n"
    "executable; 127 COMMAND not found; 2 usage error or the journal cannot be created\n"
    "example: mlprov run --key ci.pem --output model.bin -- python train.py\n";

static void log_stderr(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "mlprov run: %s\n", msg);
}

static char *new_invocation_id(void) {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return NULL;
  b[6] = (b[6] & 0x0f) | 0x40; /* UUID v4 */
  b[8] = (b[8] & 0x3f) | 0x80;
  char *s = malloc(37);
  if (s)
    snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

/* Checks up front that BASE can be written, so a long job does not end in
 * "cannot write provenance". */
static int check_out_dir(const char *base, mp_err *e) {
  char *copy = strdup(base);
  if (!copy) return mp_err_set(e, MP_ENOMEM, "out of memory");
  char *slash = strrchr(copy, '/');
  const char *dir = ".";
  if (slash) {
    *slash = '\0';
    dir = *copy ? copy : "/";
  }
  int rc = 0;
  if (access(dir, W_OK | X_OK) != 0) rc = mp_err_errno(e, MP_EIO, errno, "provenance directory %s is not writable", dir);
  free(copy);
  return rc;
}

/* 1 when the directory part of path exists (the job may create its output
 * directory itself; mlprov never creates it, a `mkdir` in the job would fail). */
static int parent_exists(const char *path) {
  char *copy = strdup(path);
  if (!copy) return 0;
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
  char *slash = strrchr(copy, '/');
  struct stat sb;
  int ok = !slash || (slash == copy ? stat("/", &sb) == 0 : (*slash = '\0', stat(copy, &sb) == 0));
  ok = ok && (!slash || S_ISDIR(sb.st_mode));
  free(copy);
  return ok;
}

/* Where the journal goes when --journal is not given (malloc'd). */
static char *default_journal_path(const char *out_base, const char *first_output, const mp_record *rec, mp_err *e) {
  const char *base = out_base ? out_base : first_output;
  char *path = NULL;
  if (base && !parent_exists(base)) base = NULL;
  if (base) {
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/') n--;
    path = malloc(n + sizeof ".journal");
    if (path) snprintf(path, n + sizeof ".journal", "%.*s.journal", (int)n, base);
  } else {
    const char *dir = getenv("MLPROV_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (dir && *dir) snprintf(buf, sizeof buf, "%s/journals", dir);
    else if (xdg && *xdg) snprintf(buf, sizeof buf, "%s/mlprov/journals", xdg);
    else snprintf(buf, sizeof buf, "%s/.local/state/mlprov/journals", home && *home ? home : "/tmp");
    /* mkdir -p, private: journals name the files a job read */
    for (char *p = buf + 1; *p; p++) {
      if (*p != '/') continue;
      *p = '\0';
      mkdir(buf, 0700);
      *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
      mp_err_errno(e, MP_EIO, errno, "creating the journal directory %s", buf);
      return NULL;
    }
    size_t n = strlen(buf) + strlen(rec->invocation_id ? rec->invocation_id : "run") + 16;
    path = malloc(n);
    if (path) snprintf(path, n, "%s/%s.journal", buf, rec->invocation_id ? rec->invocation_id : "run");
  }
  if (!path) mp_err_set(e, MP_ENOMEM, "out of memory");
  return path;
}

/* Creates the journal (an older file at path is kept as PATH.~N~) and makes
 * its START record durable before the job starts. */
static int open_journal(const char *path, const mp_record *rec, const mp_start_opts *so, mp_journal **out,
                        char **backup, mp_err *e) {
  int rc = mp_file_backup(path, 1, backup, e);
  if (rc) return rc;
  if ((rc = mp_journal_create(path, out, e))) return rc;
  json_t *start = mp_replay_start_json(rec, so);
  char *text = start ? json_dumps(start, JSON_COMPACT) : NULL;
  json_decref(start);
  if (!text) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (!rc) rc = mp_journal_append(*out, MP_JOURNAL_START, 0, 0, text, strlen(text), e);
  free(text);
  if (!rc) rc = mp_journal_sync(*out, e);
  if (rc) {
    mp_journal_free(*out);
    *out = NULL;
    unlink(path);
  }
  return rc;
}

/* Writes END, syncs, and returns the mlprov/journal byproduct. */
static json_t *close_journal(mp_journal *j, const mp_record *rec, int started, int discard) {
  mp_err e;
  mp_err_clear(&e);
  json_t *end = mp_replay_end_json(rec, started);
  char *text = end ? json_dumps(end, JSON_COMPACT) : NULL;
  json_decref(end);
  if (text && mp_journal_append(j, MP_JOURNAL_END, 0, 0, text, strlen(text), &e) == 0) mp_journal_sync(j, &e);
  free(text);
  mp_journal_state st;
  mp_journal_get_state(j, &st);
  json_t *bp = mp_replay_journal_byproduct(mp_journal_path(j), st.frames, st.bytes, st.chain,
                                           st.failed ? "failed" : "complete", st.failed ? st.error : NULL);
  json_t *ann = json_object_get(bp, "annotations");
  json_object_set_new(ann, "keptAfterRun", json_boolean(!discard || st.failed));
  json_object_set_new(ann, "durable", json_boolean(!st.failed && st.synced_bytes == st.bytes));
  return bp;
}

int cmd_run(int argc, char **argv) {
  enum { OPT_OUT = 256, OPT_BUILDER, OPT_NOPB, OPT_MAXFRAME, OPT_DRAIN, OPT_THREADS, OPT_NOPY, OPT_JOURNAL,
         OPT_DISCARD, OPT_SYNC, OPT_MAXCONN, OPT_MAXMEM };
  static const struct option opts[] = {
      {"key", required_argument, NULL, 'k'},        {"output", required_argument, NULL, 'o'},
      {"out", required_argument, NULL, OPT_OUT},    {"builder-id", required_argument, NULL, OPT_BUILDER},
      {"no-pb", no_argument, NULL, OPT_NOPB},       {"max-frame", required_argument, NULL, OPT_MAXFRAME},
      {"drain-ms", required_argument, NULL, OPT_DRAIN}, {"threads", required_argument, NULL, OPT_THREADS},
      {"no-python-hook", no_argument, NULL, OPT_NOPY},
      {"journal", required_argument, NULL, OPT_JOURNAL}, {"discard-journal", no_argument, NULL, OPT_DISCARD},
      {"journal-sync-ms", required_argument, NULL, OPT_SYNC},
      {"max-connections", required_argument, NULL, OPT_MAXCONN}, {"max-memory", required_argument, NULL, OPT_MAXMEM},
      {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char **outputs = calloc((size_t)argc + 1, sizeof *outputs);
  size_t noutputs = 0;
  const char *out_base = NULL, *builder_id = getenv("MLPROV_BUILDER_ID"), *journal_opt = NULL;
  int with_pb = 1, quiet = 0, python_hook = 1, discard = 0, c;
  char *pydir = NULL, *pythonpath = NULL, maxframe_var[48];
  long long max_frame = 0, drain_ms = 0, threads = 0, sync_ms = -1, max_conns = 0, max_mem = 0;
  mp_err e;
  mp_err_clear(&e);
  int status = 2;
  mp_record *rec = NULL;
  json_t *st = NULL, *extra = json_array(), *warnings = json_array();
  mp_attest_paths paths = {0};
  mp_journal *journal = NULL;
  char *journal_path = NULL, *journal_backup = NULL;
  if (!outputs || !extra || !warnings) {
    fprintf(stderr, "mlprov run: out of memory\n");
    goto out;
  }
  optind = 1;
  while ((c = getopt_long(argc, argv, "+k:o:qh", opts, NULL)) != -1) {
    switch (c) {
      case 'k':
        if (cli_keys_add(&keys, optarg, 1, &e)) {
          status = cli_fail("run", &e);
          goto out;
        }
        break;
      case 'o': outputs[noutputs++] = optarg; break;
      case OPT_OUT: out_base = optarg; break;
      case OPT_BUILDER: builder_id = optarg; break;
      case OPT_NOPB: with_pb = 0; break;
      case OPT_MAXFRAME:
        if ((max_frame = cli_parse_count(optarg)) < 64 || max_frame > (1ll << 30)) {
          status = cli_usage_error("run", "--max-frame wants a size between 64 and 1073741824");
          goto out;
        }
        break;
      case OPT_DRAIN:
        if ((drain_ms = cli_parse_count(optarg)) < 1) {
          status = cli_usage_error("run", "--drain-ms wants a positive number of milliseconds");
          goto out;
        }
        break;
      case OPT_THREADS:
        if ((threads = cli_parse_count(optarg)) < 1 || threads > 1024) {
          status = cli_usage_error("run", "--threads wants a number from 1 to 1024");
          goto out;
        }
        break;
      case OPT_NOPY: python_hook = 0; break;
      case OPT_JOURNAL: journal_opt = optarg; break;
      case OPT_DISCARD: discard = 1; break;
      case OPT_SYNC:
        if ((sync_ms = cli_parse_count(optarg)) < 0 || sync_ms > 3600000) {
          status = cli_usage_error("run", "--journal-sync-ms wants milliseconds from 0 to 3600000");
          goto out;
        }
        break;
      case OPT_MAXCONN:
        if ((max_conns = cli_parse_count(optarg)) < 1 || max_conns > 65536) {
          status = cli_usage_error("run", "--max-connections wants a number from 1 to 65536");
          goto out;
        }
        break;
      case OPT_MAXMEM:
        if ((max_mem = cli_parse_count(optarg)) < 65536) {
          status = cli_usage_error("run", "--max-memory wants a size of at least 65536 bytes");
          goto out;
        }
        break;
      case 'q': quiet = 1; break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_bad_option("run", argv); goto out;
    }
  }
  if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && argv[optind][0] == '-') {
    char *shown = mp_redact_value(argv[optind], NULL);
    status = cli_usage_error("run", "unexpected option %s", shown ? shown : "");
    free(shown);
    goto out;
  }
  if (optind >= argc) {
    status = cli_usage_error("run", "no command: mlprov run [OPTIONS] -- COMMAND [ARGS]...");
    goto out;
  }
  if (keys.n == 0) {
    const char *k = getenv("MLPROV_KEY");
    if (!k || !*k) {
      status = cli_usage_error("run", "no signing key: give --key KEY or set MLPROV_KEY (create one with `mlprov keygen`)");
      goto out;
    }
    if (cli_keys_add(&keys, k, 1, &e)) {
      status = cli_fail("run", &e);
      goto out;
    }
  }
  if (out_base && check_out_dir(out_base, &e)) {
    status = cli_fail("run", &e);
    goto out;
  }

  /* The Python hook: an explicit location that is wrong is an error before
   * the job starts; a hook missing from an install is a warning that also
   * goes into the provenance, so a job recorded without it says so. */
  if (python_hook) {
    const char *override = getenv(MP_PYHOOK_ENV);
    int prc = mp_pyhook_find(NULL, override, &pydir, &e);
    if (prc && override && *override) {
      status = cli_fail("run", &e);
      goto out;
    }
    if (prc) {
      json_array_append_new(warnings, json_sprintf("%s; Python interpreters of this job ran without it "
                                                   "(--no-python-hook turns this off)", e.msg));
    } else if (!(pythonpath = mp_pyhook_pythonpath(pydir, getenv("PYTHONPATH")))) {
      fprintf(stderr, "mlprov run: out of memory\n");
      goto out;
    }
    mp_err_clear(&e);
  }
  /* Hooks drop an event larger than this rather than lose the connection. */
  snprintf(maxframe_var, sizeof maxframe_var, "MLPROV_MAX_FRAME=%lld",
           max_frame ? max_frame : (long long)MP_FRAME_MAX_DEFAULT);
  char *extra_env[3] = {maxframe_var, pythonpath, NULL};

  if (mp_record_new(argv + optind, &rec, &e)) {
    status = cli_fail("run", &e);
    goto out;
  }
  rec->invocation_id = new_invocation_id();
  rec->host = mp_collect_host();
  rec->source = mp_collect_git(rec->cwd);
  rec->environment = mp_collect_environment(environ);
  clock_gettime(CLOCK_REALTIME, &rec->started);

  if (!journal_opt || strcmp(journal_opt, "none") != 0) {
    journal_path = journal_opt ? strdup(journal_opt)
                               : default_journal_path(out_base, noutputs ? outputs[0] : NULL, rec, &e);
    mp_start_opts so = {
        .outputs = outputs, .noutputs = noutputs, .out = out_base, .builder_id = builder_id, .with_pb = with_pb,
        .max_frame = max_frame ? (size_t)max_frame : MP_FRAME_MAX_DEFAULT,
        .max_conns = max_conns ? (unsigned)max_conns : MP_AGENT_MAX_CONNS,
        .max_memory = max_mem ? (size_t)max_mem : MP_AGENT_MAX_MEMORY};
    if (!journal_path || open_journal(journal_path, rec, &so, &journal, &journal_backup, &e)) {
      if (!journal_path && !e.code) mp_err_set(&e, MP_ENOMEM, "out of memory");
      fprintf(stderr, "mlprov run: %s (give --journal PATH elsewhere, or --journal none to run without crash "
                      "recovery)\n", e.msg);
      status = 2;
      goto out;
    }
    if (journal_backup) fprintf(stderr, "mlprov run: kept the previous journal as %s\n", journal_backup);
    if (!quiet) fprintf(stderr, "mlprov run: journal %s\n", journal_path);
  }

  mp_agent_opts ao = {
      .argv = argv + optind,
      .extra_env = extra_env,
      .max_frame = (size_t)max_frame,
      .max_conns = (unsigned)max_conns,
      .max_memory = (size_t)max_mem,
      .drain_ms = (unsigned)drain_ms,
      .journal = journal,
      .sync_ms = (int)sync_ms,
      .log = log_stderr,
  };
  int arc = mp_agent_run(&ao, rec, &e);
  if (arc) {
    /* argv[0] may be anything the user typed, a token included */
    char *shown = mp_redact_value(e.msg, NULL);
    fprintf(stderr, "mlprov run: %s\n", shown ? shown : "the command could not be run");
    free(shown);
    status = arc == MP_ENOTFOUND ? 127 : 126;
    if (journal) { /* nothing ran, nothing to recover */
      mp_journal_free(journal);
      journal = NULL;
      unlink(journal_path);
    }
    goto out;
  }
  int job_status = rec->term_signal ? 128 + rec->term_signal : (int)rec->exit_code;
  if (journal) json_array_append_new(extra, close_journal(journal, rec, 1, discard));
  else
    json_array_append_new(extra, json_pack("{s:s, s:{s:s}}", "name", "mlprov/journal", "annotations", "status",
                                           "disabled"));
  json_t *jfail = json_object_get(json_object_get(json_array_get(extra, 0), "annotations"), "error");
  if (jfail) fprintf(stderr, "mlprov run: warning: journal %s\n", json_string_value(jfail));

  mp_prov_opts po = {
      .builder_id = builder_id,
      .outputs = outputs,
      .noutputs = noutputs,
      .envp = environ,
      .threads = (unsigned)threads,
      .extra_byproducts = extra,
      .warnings = warnings,
  };
  int prc = cli_write_provenance("run", rec, &po, out_base, &keys, with_pb, &st, &paths, &e);
  if (prc) {
    fprintf(stderr, "mlprov run: provenance NOT written: %s\n", e.msg);
    if (journal)
      fprintf(stderr, "mlprov run: the journal is kept: `mlprov recover %s --key KEY` signs what it recorded\n",
              journal_path);
    status = job_status ? job_status : 125;
    goto out;
  }
  if (journal && discard && !jfail) unlink(journal_path);
  if (!quiet) {
    json_t *pred = json_object_get(st, "predicate");
    size_t nsub = json_array_size(json_object_get(st, "subject"));
    size_t ndep = json_array_size(json_object_get(json_object_get(pred, "buildDefinition"), "resolvedDependencies"));
    fprintf(stderr, "mlprov run: job exited with status %d; provenance: %s%s%s (%zu subject(s), %zu input(s), signed by %s key %.16s)\n",
            job_status, paths.jsonl, paths.pb ? " and " : "", paths.pb ? paths.pb : "", nsub, ndep,
            mp_key_type_name(mp_key_get_type(keys.keys[0])), mp_key_id(keys.keys[0]));
  }
  status = job_status;
out:
  mp_journal_free(journal);
  free(journal_path);
  free(journal_backup);
  mp_attest_paths_free(&paths);
  json_decref(st);
  json_decref(extra);
  json_decref(warnings);
  mp_record_free(rec);
  cli_keys_free(&keys);
  free(outputs);
  free(pydir);
  free(pythonpath);
  return status;
}
