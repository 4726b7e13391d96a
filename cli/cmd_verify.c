/* cmd_verify.c — `mlprov verify`: signature, statement and artifact digests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "cli.h"
#include "statement.h"
#include "verify.h"

static const char usage_text[] =
    "usage: mlprov verify --key PUB [--key PUB]... [--provenance FILE] [--json] [ARTIFACT]...\n"
    "\n"
    "Checks that FILE holds a DSSE envelope signed by one of the trusted keys,\n"
    "that its payload is an in-toto Statement v1 with a well-formed SLSA v1\n"
    "provenance, and that every ARTIFACT (a file or a model directory) hashes to\n"
    "the digest of one of its subjects. Without --provenance, ARTIFACT.intoto.jsonl\n"
    "next to the single ARTIFACT is used.\n"
    "\n"
    "options:\n"
    "  -k, --key PUB             trusted public key (PEM key, certificate or private key)\n"
    "  -p, --provenance FILE     .intoto.jsonl / .json envelope, Sigstore bundle or .pb\n"
    "      --min-signatures N    require valid signatures by N distinct trusted keys (default 1)\n"
    "      --json                print the verdict as JSON on stdout\n"
    "  -h, --help                this text\n"
    "\n"
    "exit status: 0 verified, 1 verification failed (the reason is printed),\n"
    "             2 usage or I/O error\n"
    "example: mlprov verify --key release.pub.pem model.bin\n";

int cmd_verify(int argc, char **argv) {
  enum { OPT_JSON = 256, OPT_MIN };
  static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                       {"provenance", required_argument, NULL, 'p'},
                                       {"json", no_argument, NULL, OPT_JSON},
                                       {"min-signatures", required_argument, NULL, OPT_MIN},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char *prov = NULL;
  int json = 0, c;
  long long min_sigs = 1;
  mp_err e;
  mp_err_clear(&e);
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:p:h", opts, NULL)) != -1) {
    switch (c) {
      case 'k':
        if (cli_keys_add(&keys, optarg, 0, &e)) {
          cli_keys_free(&keys);
          return cli_fail("verify", &e);
        }
        break;
      case 'p': prov = optarg; break;
      case OPT_JSON: json = 1; break;
      case OPT_MIN:
        if ((min_sigs = cli_parse_count(optarg)) < 1) {
          cli_keys_free(&keys);
          return cli_usage_error("verify", "--min-signatures wants a positive number");
        }
        break;
      case 'h': fputs(usage_text, stdout); cli_keys_free(&keys); return 0;
      default: cli_keys_free(&keys); return cli_bad_option("verify", argv);
    }
  }
  if (keys.n == 0) return cli_usage_error("verify", "no trusted key: give --key PUB");
  char *guessed = NULL;
  if (!prov) {
    if (argc - optind != 1) {
      cli_keys_free(&keys);
      return cli_usage_error("verify", "give --provenance FILE (or exactly one ARTIFACT with ARTIFACT.intoto.jsonl beside it)");
    }
    size_t n = strlen(argv[optind]);
    while (n > 1 && argv[optind][n - 1] == '/') n--;
    guessed = malloc(n + sizeof MP_ATTEST_JSONL_SUFFIX);
    if (guessed) snprintf(guessed, n + sizeof MP_ATTEST_JSONL_SUFFIX, "%.*s%s", (int)n, argv[optind], MP_ATTEST_JSONL_SUFFIX);
    prov = guessed;
  }
  mp_verify_opts vo = {
      .keys = (const mp_key *const *)keys.keys,
      .nkeys = keys.n,
      .min_sigs = (size_t)min_sigs,
      .provenance = prov,
      .artifacts = (const char *const *)(argv + optind),
      .nartifacts = (size_t)(argc - optind),
  };
  json_t *report = NULL;
  int rc = mp_verify_provenance(&vo, &report, &e);
  int status;
  if (report) {
    if (json) {
      char *s = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
      if (s) puts(s);
      free(s);
    } else {
      mp_verify_print(report, rc == 0 ? stdout : stderr);
    }
    status = rc == 0 ? 0 : mp_exit_code(rc);
  } else {
    if (json) {
      json_t *j = json_pack("{s:b, s:s, s:s}", "verified", 0, "error", e.msg, "provenance", prov);
      char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
      if (s) puts(s);
      free(s);
      json_decref(j);
    }
    status = cli_fail("verify", &e);
  }
  json_decref(report);
  free(guessed);
  cli_keys_free(&keys);
  return status;
}
