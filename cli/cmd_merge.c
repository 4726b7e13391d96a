/* cmd_merge.c — `mlprov merge --job ID NODE_ATTESTATION...`: verify the node
 * attestations of a distributed job, check that they agree, write one signed
 * job provenance (verifier/merge.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "cli.h"
#include "merge.h"
#include "provenance.h"

static const char usage_text[] =
    "usage: mlprov merge --job ID --trusted-key PUB [--trusted-key PUB]... --key KEY\n"
    "                    [--out BASE] NODE_ATTESTATION...\n"
    "\n"
    "Merges the node attestations of distributed training job ID (each written by\n"
    "`mlprov run --job-id ID` on one node) into one signed job provenance. Each\n"
    "must be signed by one of the trusted node keys, and together they must cover\n"
    "ranks 0..worldSize-1 exactly once and agree on the job id, the command, the\n"
    "code (source commit, digests of code files read) and the digests of\n"
    "datasets declared under the same name (docs/multinode.md). Every\n"
    "disagreement is printed with its reason and nothing is written.\n"
    "Subjects are the nodes' model artifacts; each node attestation is a\n"
    "byproduct, referenced by its SHA-256.\n"
    "\n"
    "options:\n"
    "  -j, --job ID             the job id the nodes recorded\n"
    "  -t, --trusted-key PUB    a node's public key (repeat: one per node key, or a\n"
    "                           shared one); node attestations signed otherwise are refused\n"
    "  -k, --key KEY            signing key for the job provenance (repeat to\n"
    "                           co-sign); default $MLPROV_KEY\n"
    "      --out BASE           write BASE.intoto.jsonl and BASE.pb (default: job-ID)\n"
    "      --builder-id URI     runDetails.builder.id (default $MLPROV_BUILDER_ID or\n"
    "                           " MP_DEFAULT_BUILDER_ID ")\n"
    "      --no-pb              do not write the protobuf file\n"
    "  -q, --quiet              no summary on stderr\n"
    "  -h, --help               this text\n"
    "\n"
    "exit status: 0 merged, 1 refused (every reason printed), 2 usage or I/O error\n"
    "example: mlprov merge --job 4242 --trusted-key nodes.pub.pem --key release.pem \\\n"
    "           node-*/model.bin.intoto.jsonl\n";

/* "job-" + id with anything but [A-Za-z0-9._-] made '_' (malloc'd). */
static char *default_base(const char *id) {
  size_t n = strlen(id);
  char *b = malloc(n + 5);
  if (!b) return NULL;
  memcpy(b, "job-", 4);
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    int okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    b[4 + i] = okc ? c : '_';
  }
  b[n + 4] = '\0';
  return b;
}

int cmd_merge(int argc, char **argv) {
  enum { OPT_OUT = 256, OPT_BUILDER, OPT_NOPB };
  static const struct option opts[] = {
      {"job", required_argument, NULL, 'j'},       {"trusted-key", required_argument, NULL, 't'},
      {"key", required_argument, NULL, 'k'},       {"out", required_argument, NULL, OPT_OUT},
      {"builder-id", required_argument, NULL, OPT_BUILDER}, {"no-pb", no_argument, NULL, OPT_NOPB},
      {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  cli_keys trusted = {0}, keys = {0};
  const char *job = NULL, *out = NULL, *builder_id = getenv("MLPROV_BUILDER_ID");
  int with_pb = 1, quiet = 0, c, status = 2;
  char *base = NULL;
  json_t *st = NULL, *problems = NULL;
  mp_dsse *env = NULL;
  mp_attest_paths paths = {0};
  mp_err e;
  mp_err_clear(&e);
  optind = 1;
  while ((c = getopt_long(argc, argv, "j:t:k:qh", opts, NULL)) != -1) {
    switch (c) {
      case 'j': job = optarg; break;
      case 't':
        if (cli_keys_add(&trusted, optarg, 0, &e)) {
          status = cli_fail("merge", &e);
          goto out;
        }
        break;
      case 'k':
        if (cli_keys_add(&keys, optarg, 1, &e)) {
          status = cli_fail("merge", &e);
          goto out;
        }
        break;
      case OPT_OUT: out = optarg; break;
      case OPT_BUILDER: builder_id = optarg; break;
      case OPT_NOPB: with_pb = 0; break;
      case 'q': quiet = 1; break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_usage_error("merge", "bad option"); goto out;
    }
  }
  if (!job || !*job) {
    status = cli_usage_error("merge", "no job id: give --job ID");
    goto out;
  }
  if (trusted.n == 0) {
    status = cli_usage_error("merge", "no trusted node key: give --trusted-key PUB (the nodes' public keys)");
    goto out;
  }
  if (optind >= argc) {
    status = cli_usage_error("merge", "no node attestation: mlprov merge --job ID ... NODE_ATTESTATION...");
    goto out;
  }
  if ((status = cli_keys_signing_default(&keys, "merge")) != 0) goto out;
  status = 2;
  mp_merge_opts mo = {
      .job_id = job,
      .inputs = (const char *const *)(argv + optind),
      .ninputs = (size_t)(argc - optind),
      .trusted = (const mp_key *const *)trusted.keys,
      .ntrusted = trusted.n,
      .builder_id = builder_id,
  };
  int rc = mp_merge_job(&mo, &st, &problems, &e);
  if (rc == MP_EVERIFY) {
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p) fprintf(stderr, "mlprov merge: refused: %s\n", json_string_value(p));
    fprintf(stderr, "mlprov merge: job %s NOT merged (%zu problem(s))\n", job, json_array_size(problems));
    status = 1;
    goto out;
  }
  if (rc) {
    status = cli_fail("merge", &e);
    goto out;
  }
  base = out ? strdup(out) : default_base(job);
  if (!base) {
    fprintf(stderr, "mlprov merge: out of memory\n");
    goto out;
  }
  if ((rc = mp_attest_sign(st, (const mp_key *const *)keys.keys, keys.n, &env, &e)) ||
      (rc = mp_attest_write(env, base, with_pb, &paths, &e))) {
    status = cli_fail("merge", &e);
    goto out;
  }
  if (paths.jsonl_backup) fprintf(stderr, "mlprov merge: kept the previous provenance as %s\n", paths.jsonl_backup);
  if (!quiet)
    fprintf(stderr, "mlprov merge: job %s merged from %d node attestation(s): %s%s%s (%zu subject(s))\n", job,
            argc - optind, paths.jsonl, paths.pb ? " and " : "", paths.pb ? paths.pb : "",
            json_array_size(json_object_get(st, "subject")));
  status = 0;
out:
  mp_attest_paths_free(&paths);
  mp_dsse_free(env);
  json_decref(st);
  json_decref(problems);
  free(base);
  cli_keys_free(&trusted);
  cli_keys_free(&keys);
  return status;
}
