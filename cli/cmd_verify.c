/* cmd_verify.c — `mlprov verify`: signature, statement and artifact digests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "cli.h"
#include "gate.h"
#include "policy.h"
#include "statement.h"
#include "verify.h"
#include "vsa.h"

static const char usage_text[] =
    "usage: mlprov verify --key PUB [--key PUB]... [--provenance FILE] [--json] [ARTIFACT]...\n"
    "       mlprov verify --policy POLICY [--provenance FILE]... [--search DIR]... [--json]\n"
    "                     [--model-signature SIG] [--vsa OUT --key PRIVATE] MODEL\n"
    "\n"
    "Checks that FILE holds a DSSE envelope signed by one of the trusted keys,\n"
    "that its payload is an in-toto Statement v1 with a well-formed SLSA v1\n"
    "provenance, and that every ARTIFACT (a file or a model directory) hashes to\n"
    "the digest of one of its subjects. Without --provenance, ARTIFACT.intoto.jsonl\n"
    "next to the single ARTIFACT is used.\n"
    "\n"
    "With --policy, MODEL is checked against a promotion policy (docs/policy.md):\n"
    "trusted signers, builder, denied or unpinned dependencies, allowed datasets,\n"
    "source, the model's OMS signature, and, following the lineage, the same for\n"
    "every base model. Each rule is printed PASS / FAIL / SKIP with its evidence.\n"
    "On PASS, --vsa OUT --key K writes a signed SLSA Verification Summary\n"
    "Attestation (OUT.intoto.jsonl).\n"
    "\n"
    "options:\n"
    "  -k, --key PUB             trusted public key (PEM key, certificate or private key)\n"
    "  -p, --provenance FILE     .intoto.jsonl / .json envelope, Sigstore bundle or .pb\n"
    "      --min-signatures N    require valid signatures by N distinct trusted keys (default 1)\n"
    "      --json                print the verdict as JSON on stdout\n"
    "      --policy FILE         evaluate a promotion policy (YAML or JSON)\n"
    "      --search DIR          where to look for base models' provenance (repeatable)\n"
    "      --model-signature SIG the model's OMS signature for the policy's model rules\n"
    "                            (default MODEL.sig, as mlprov model sign writes it)\n"
    "      --vsa OUT             on PASS, write a signed verification summary to OUT.intoto.jsonl\n"
    "                            (--key is then the signing private key)\n"
    "  -h, --help                this text\n"
    "\n"
    "exit status: 0 verified / policy PASS, 1 verification failed / policy FAIL\n"
    "             (the reason is printed), 2 usage or I/O error\n"
    "example: mlprov verify --key release.pub.pem model.bin\n"
    "example: mlprov verify --policy promote.yaml --vsa out/model.vsa --key gate.pem out/model.bin\n";

static void print_json(const json_t *j) {
  char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (s) puts(s);
  free(s);
}

typedef struct policy_args {
  const char *policy, *vsa, *model_sig;
  const char **provs, **search;
  size_t nprovs, nsearch;
  const char **keyfiles;
  size_t nkeyfiles;
  int json;
} policy_args;

static int run_policy(const policy_args *a, int argc, char **argv) {
  if (argc != 1) return cli_usage_error("verify", "--policy checks exactly one MODEL");
  if (a->vsa && a->nkeyfiles != 1) return cli_usage_error("verify", "--vsa needs exactly one --key PRIVATE to sign the summary");
  mp_err e;
  mp_err_clear(&e);
  mp_policy *pol = NULL;
  cli_keys keys = {0};
  json_t *report = NULL;
  int status;
  if (mp_policy_load(a->policy, &pol, &e)) return cli_fail("verify", &e);
  for (size_t i = 0; i < a->nkeyfiles; i++)
    if (cli_keys_add(&keys, a->keyfiles[i], a->vsa != NULL, &e)) {
      mp_policy_free(pol);
      cli_keys_free(&keys);
      return cli_fail("verify", &e);
    }
  mp_gate_opts go = {
      .policy = pol,
      .model = argv[0],
      .provenance = a->provs,
      .nprovenance = a->nprovs,
      .search_dirs = a->search,
      .model_signature = a->model_sig,
      .nsearch = a->nsearch,
      .extra_keys = a->vsa ? NULL : (const mp_key *const *)keys.keys,
      .nextra_keys = a->vsa ? 0 : keys.n,
  };
  int rc = mp_gate_run(&go, &report, &e);
  if (!report) {
    status = cli_fail("verify", &e);
    goto out;
  }
  if (a->json) print_json(report);
  else mp_gate_print(report, rc == 0 ? stdout : stderr);
  status = mp_exit_code(rc);
  if (rc == 0 && a->vsa) {
    json_t *st = NULL;
    mp_dsse *env = NULL;
    mp_attest_paths paths = {0};
    if (mp_vsa_build(report, NULL, &st, &e) || mp_attest_sign(st, (const mp_key *const *)keys.keys, keys.n, &env, &e) ||
        mp_attest_write(env, a->vsa, 0, &paths, &e)) {
      status = cli_fail("verify", &e);
    } else if (!a->json) {
      printf("verification summary written to %s\n", paths.jsonl);
    }
    mp_attest_paths_free(&paths);
    mp_dsse_free(env);
    json_decref(st);
  }
out:
  json_decref(report);
  mp_policy_free(pol);
  cli_keys_free(&keys);
  return status;
}

int cmd_verify(int argc, char **argv) {
  enum { OPT_JSON = 256, OPT_MIN, OPT_POLICY, OPT_SEARCH, OPT_VSA, OPT_MODEL_SIG };
  static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                       {"provenance", required_argument, NULL, 'p'},
                                       {"json", no_argument, NULL, OPT_JSON},
                                       {"min-signatures", required_argument, NULL, OPT_MIN},
                                       {"policy", required_argument, NULL, OPT_POLICY},
                                       {"search", required_argument, NULL, OPT_SEARCH},
                                       {"vsa", required_argument, NULL, OPT_VSA},
                                       {"model-signature", required_argument, NULL, OPT_MODEL_SIG},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char *prov = NULL;
  int json = 0, c;
  long long min_sigs = 1;
  mp_err e;
  mp_err_clear(&e);
  policy_args pa = {0};
  pa.provs = calloc((size_t)argc + 1, sizeof *pa.provs);
  pa.search = calloc((size_t)argc + 1, sizeof *pa.search);
  pa.keyfiles = calloc((size_t)argc + 1, sizeof *pa.keyfiles);
  if (!pa.provs || !pa.search || !pa.keyfiles) {
    free(pa.provs), free(pa.search), free(pa.keyfiles);
    fprintf(stderr, "mlprov verify: out of memory\n");
    return 2;
  }
  /* keys are loaded after parsing: with --policy --vsa, --key is a private key */
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:p:h", opts, NULL)) != -1) {
    switch (c) {
      case 'k': pa.keyfiles[pa.nkeyfiles++] = optarg; break;
      case 'p': prov = optarg; pa.provs[pa.nprovs++] = optarg; break;
      case OPT_POLICY: pa.policy = optarg; break;
      case OPT_SEARCH: pa.search[pa.nsearch++] = optarg; break;
      case OPT_VSA: pa.vsa = optarg; break;
      case OPT_MODEL_SIG: pa.model_sig = optarg; break;
      case OPT_JSON: json = 1; break;
      case OPT_MIN:
        if ((min_sigs = cli_parse_count(optarg)) < 1) c = -4;
        break;
      case 'h': fputs(usage_text, stdout); c = -2; break;
      default: c = -3; break;
    }
    if (c < -1) break;
  }
  if (c < -1) {
    free(pa.provs), free(pa.search), free(pa.keyfiles);
    if (c == -2) return 0;
    if (c == -3) return cli_bad_option("verify", argv);
    return cli_usage_error("verify", "--min-signatures wants a positive number");
  }
  pa.json = json;
  if (pa.policy) {
    int st = run_policy(&pa, argc - optind, argv + optind);
    free(pa.provs), free(pa.search), free(pa.keyfiles);
    return st;
  }
  if (pa.vsa || pa.nsearch || pa.model_sig) {
    free(pa.provs), free(pa.search), free(pa.keyfiles);
    return cli_usage_error("verify", "--vsa, --search and --model-signature go with --policy");
  }
  for (size_t i = 0; i < pa.nkeyfiles; i++)
    if (cli_keys_add(&keys, pa.keyfiles[i], 0, &e)) {
      free(pa.provs), free(pa.search), free(pa.keyfiles);
      cli_keys_free(&keys);
      return cli_fail("verify", &e);
    }
  free(pa.provs), free(pa.search), free(pa.keyfiles);
  if (pa.nprovs > 1) {
    cli_keys_free(&keys);
    return cli_usage_error("verify", "give one --provenance FILE (several go with --policy)");
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
