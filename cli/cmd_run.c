/* cmd_run.c — `mlprov run -- CMD`: wrap a job, then hash, sign and write its
 * provenance. The exit status is the job's (128+N when killed by signal N);
 * 125 when the job succeeded but mlprov could not write its provenance, 126/127
 * when the job could not be started (the conventions of env(1) and timeout(1)). */
#include <errno.h>
#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "attest.h"
#include "cli.h"
#include "collect.h"
#include "dstrees.h"
#include "provenance.h"
#include "statement.h"

extern char **environ;

static const char usage_text[] =
    "usage: mlprov run [OPTIONS] -- COMMAND [ARGS]...\n"
    "\n"
    "Runs COMMAND with an mlprov agent listening on a private socket (its path is\n"
    "in MLPROV_SOCKET for the hooks), then writes a signed SLSA v1 provenance:\n"
    "BASE.intoto.jsonl (DSSE envelope, JSON) and BASE.pb (protobuf). BASE is --out,\n"
    "or the first output. Subjects are the --output paths and the artifacts the\n"
    "job reports; a directory is digested as a model (OMS files method). Datasets\n"
    "whose records the job reported get their Merkle roots signed in the\n"
    "provenance and their trees kept as BASE.records-NAME.mptree, for\n"
    "`mlprov dataset prove` (docs/dataset-transparency.md).\n"
    "\n"
    "options:\n"
    "  -k, --key KEY          signing key (PEM private key; repeat to co-sign);\n"
    "                         default $MLPROV_KEY. Encrypted keys: $MLPROV_KEY_PASSPHRASE\n"
    "  -o, --output PATH      a file or directory the job produces (repeatable)\n"
    "      --out BASE         write BASE.intoto.jsonl and BASE.pb\n"
    "      --builder-id URI   runDetails.builder.id (default $MLPROV_BUILDER_ID or\n"
    "                         " MP_DEFAULT_BUILDER_ID ")\n"
    "      --no-pb            do not write the protobuf file\n"
    "      --max-frame BYTES  largest hook frame accepted (default 1048576)\n"
    "      --drain-ms MS      wait for hooks after the job exits (default 5000)\n"
    "      --threads N        hashing threads (default: one per CPU)\n"
    "  -q, --quiet            no summary on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: the job's; 125 the job succeeded but the provenance could not be\n"
    "written; 126 COMMAND not executable; 127 COMMAND not found; 2 usage error\n"
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

int cmd_run(int argc, char **argv) {
  enum { OPT_OUT = 256, OPT_BUILDER, OPT_NOPB, OPT_MAXFRAME, OPT_DRAIN, OPT_THREADS };
  static const struct option opts[] = {
      {"key", required_argument, NULL, 'k'},        {"output", required_argument, NULL, 'o'},
      {"out", required_argument, NULL, OPT_OUT},    {"builder-id", required_argument, NULL, OPT_BUILDER},
      {"no-pb", no_argument, NULL, OPT_NOPB},       {"max-frame", required_argument, NULL, OPT_MAXFRAME},
      {"drain-ms", required_argument, NULL, OPT_DRAIN}, {"threads", required_argument, NULL, OPT_THREADS},
      {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char **outputs = calloc((size_t)argc + 1, sizeof *outputs);
  size_t noutputs = 0;
  const char *out_base = NULL, *builder_id = getenv("MLPROV_BUILDER_ID");
  int with_pb = 1, quiet = 0, c;
  long long max_frame = 0, drain_ms = 0, threads = 0;
  mp_err e;
  mp_err_clear(&e);
  int status = 2;
  mp_record *rec = NULL;
  json_t *st = NULL, *warnings = json_array(), *trees = json_array();
  mp_dsse *env = NULL;
  mp_attest_paths paths = {0};
  if (!outputs || !warnings || !trees) {
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
      case 'q': quiet = 1; break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_usage_error("run", "bad option"); goto out;
    }
  }
  if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && argv[optind][0] == '-') {
    status = cli_usage_error("run", "unexpected option %s", argv[optind]);
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

  if (mp_record_new(argv + optind, &rec, &e)) {
    status = cli_fail("run", &e);
    goto out;
  }
  rec->invocation_id = new_invocation_id();
  rec->host = mp_collect_host();
  rec->source = mp_collect_git(rec->cwd);

  mp_agent_opts ao = {
      .argv = argv + optind,
      .max_frame = (size_t)max_frame,
      .drain_ms = (unsigned)drain_ms,
      .log = log_stderr,
  };
  int arc = mp_agent_run(&ao, rec, &e);
  if (arc) {
    fprintf(stderr, "mlprov run: %s\n", e.msg);
    status = arc == MP_ENOTFOUND ? 127 : 126;
    goto out;
  }
  int job_status = rec->term_signal ? 128 + rec->term_signal : (int)rec->exit_code;

  mp_prov_opts po = {
      .builder_id = builder_id,
      .outputs = outputs,
      .noutputs = noutputs,
      .envp = environ,
      .threads = (unsigned)threads,
  };
  int prc = mp_provenance_build(rec, &po, warnings, &st, &e);
  char *base = NULL;
  if (prc == 0) {
    base = out_base ? strdup(out_base) : mp_provenance_default_base(st, rec);
    if (!base) prc = mp_err_set(&e, MP_ENOMEM, "out of memory");
  }
  /* dataset trees go first: a provenance never names a tree file that is not there */
  if (prc == 0) prc = mp_dstrees_annotate(rec, st, base, &e);
  if (prc == 0) prc = mp_attest_sign(st, (const mp_key *const *)keys.keys, keys.n, &env, &e);
  if (prc == 0) prc = mp_dstrees_write(rec, st, base, trees, &e);
  if (prc == 0) prc = mp_attest_write(env, base, with_pb, &paths, &e);
  free(base);
  size_t wi;
  json_t *w;
  json_array_foreach(warnings, wi, w) fprintf(stderr, "mlprov run: warning: %s\n", json_string_value(w));
  if (prc) {
    fprintf(stderr, "mlprov run: provenance NOT written: %s\n", e.msg);
    status = job_status ? job_status : 125;
    goto out;
  }
  if (paths.jsonl_backup) fprintf(stderr, "mlprov run: kept the previous provenance as %s\n", paths.jsonl_backup);
  if (!quiet) {
    json_t *pred = json_object_get(st, "predicate");
    size_t nsub = json_array_size(json_object_get(st, "subject"));
    size_t ndep = json_array_size(json_object_get(json_object_get(pred, "buildDefinition"), "resolvedDependencies"));
    fprintf(stderr, "mlprov run: job exited with status %d; provenance: %s%s%s (%zu subject(s), %zu input(s), signed by %s key %.16s)\n",
            job_status, paths.jsonl, paths.pb ? " and " : "", paths.pb ? paths.pb : "", nsub, ndep,
            mp_key_type_name(mp_key_get_type(keys.keys[0])), mp_key_id(keys.keys[0]));
    size_t ti;
    json_t *tp;
    json_array_foreach(trees, ti, tp) fprintf(stderr, "mlprov run: dataset records tree: %s\n", json_string_value(tp));
  }
  status = job_status;
out:
  mp_attest_paths_free(&paths);
  mp_dsse_free(env);
  json_decref(st);
  json_decref(warnings);
  json_decref(trees);
  mp_record_free(rec);
  cli_keys_free(&keys);
  free(outputs);
  return status;
}
