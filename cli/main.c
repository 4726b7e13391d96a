/* main.c — the mlprov command: one binary, one subcommand per verb. Each
 * subcommand lives in cmd_<verb>.c, parses its own options and returns the
 * exit status: 0 ok, 1 verification refused, 2 usage or I/O error (`run`
 * returns the job's status). */
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <protobuf-c/protobuf-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"

static const mp_cmd commands[] = {
    {"run", cmd_run, "run a training job and record its signed SLSA provenance"},
    {"verify", cmd_verify, "verify a provenance: signature, statement, artifact digests"},
    {"report", cmd_report, "write a self-contained HTML page to review provenance"},
    {"keygen", cmd_keygen, "generate a signing key pair (ECDSA P-256/P-384/P-521, Ed25519)"},
    {"event", cmd_event, "send an event to the agent from a shell script"},
    {"lineage", cmd_lineage, "print a model's lineage: datasets and base models, each link verified"},
    {"recover", cmd_recover, "sign the provenance of a run from its journal (after a crash)"},
    {"journal", cmd_journal, "journal verify: check a run journal's hash chain (and its provenance)"},
    {"merge", cmd_merge, "merge the node attestations of a distributed job into one provenance"},
    {"dataset", cmd_dataset, "dataset transparency: commit records, prove and verify (non-)inclusion"},
    {"index", cmd_index, "index provenance and query it: affected models, lineage, signers"},
    {"model", cmd_model, "sign, verify or digest a model directory (OpenSSF Model Signing v1.0)"},
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: mlprov COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "mlprov records, signs and verifies the provenance of ML training jobs.\n"
          "\n"
          "commands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\n"
          "`mlprov COMMAND --help` describes a command. Exit status: 0 success,\n"
          "1 verification refused, 2 usage or I/O error; `run` exits with the job's status.\n");
}

static void version(void) {
  printf("mlprov %s\n", MLPROV_VERSION);
  printf("  OpenSSL   %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
  printf("  libuv     %s\n", uv_version_string());
  printf("  protobuf-c %s\n", protobuf_c_version());
  printf("  jansson   %s\n", jansson_version_str());
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  opterr = 0; /* getopt would echo a bad argument as typed: cli_bad_option redacts it */
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    version();
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "mlprov: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
