/* cmd_lineage.c — `mlprov lineage MODEL`: the model, its datasets, its base
 * model and its base model's datasets, recursively, each link marked
 * verified or not. */
#include <getopt.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lineage.h"
#include "policy.h"

static const char usage_text[] =
    "usage: mlprov lineage (--key PUB... | --policy POLICY) [--provenance FILE] [--search DIR]...\n"
    "                      [--dot | --json] MODEL\n"
    "\n"
    "Prints the lineage tree of MODEL: its provenance, datasets and base models,\n"
    "recursively. A link is verified when the base model's provenance is signed\n"
    "by a trusted key and names the base model's digest; a base model file that\n"
    "no longer hashes to the recorded digest is flagged. Cycles and missing links\n"
    "are reported, never followed twice.\n"
    "\n"
    "options:\n"
    "  -k, --key PUB          trusted public key (repeatable)\n"
    "      --policy FILE      trust the signers of this policy instead\n"
    "  -p, --provenance FILE  MODEL's provenance (default MODEL.intoto.jsonl)\n"
    "      --search DIR       where to look for base models' provenance (repeatable)\n"
    "      --dot              Graphviz output\n"
    "      --json             JSON output\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 every link verified, 1 some link not verified, 2 usage or I/O error\n"
    "example: mlprov lineage --key ci.pub.pem --dot out/distilled.bin | dot -Tsvg > lineage.svg\n";

static int all_verified(const json_t *n) {
  if (!json_is_true(json_object_get(n, "verified"))) return 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(n, "base_models"), i, c) if (!all_verified(c)) return 0;
  return 1;
}

int cmd_lineage(int argc, char **argv) {
  enum { OPT_DOT = 256, OPT_JSON, OPT_SEARCH, OPT_POLICY };
  static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                       {"policy", required_argument, NULL, OPT_POLICY},
                                       {"provenance", required_argument, NULL, 'p'},
                                       {"search", required_argument, NULL, OPT_SEARCH},
                                       {"dot", no_argument, NULL, OPT_DOT},
                                       {"json", no_argument, NULL, OPT_JSON},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  mp_policy *pol = NULL;
  const char *prov = NULL;
  const char **search = calloc((size_t)argc + 1, sizeof *search);
  size_t nsearch = 0;
  int dot = 0, json = 0, c, status = 2;
  mp_err e;
  mp_err_clear(&e);
  if (!search) return 2;
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:p:h", opts, NULL)) != -1) {
    switch (c) {
      case 'k':
        if (cli_keys_add(&keys, optarg, 0, &e)) {
          status = cli_fail("lineage", &e);
          goto out;
        }
        break;
      case OPT_POLICY:
        if (pol) {
          status = cli_usage_error("lineage", "one --policy");
          goto out;
        }
        if (mp_policy_load(optarg, &pol, &e)) {
          status = cli_fail("lineage", &e);
          goto out;
        }
        break;
      case 'p': prov = optarg; break;
      case OPT_SEARCH: search[nsearch++] = optarg; break;
      case OPT_DOT: dot = 1; break;
      case OPT_JSON: json = 1; break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_usage_error("lineage", "bad option"); goto out;
    }
  }
  if (argc - optind != 1) {
    status = cli_usage_error("lineage", "expected one MODEL");
    goto out;
  }
  size_t nk = keys.n;
  const mp_key **trusted = NULL;
  if (pol) {
    trusted = mp_policy_trusted_keys(pol, time(NULL), &nk);
  } else {
    trusted = calloc(keys.n + 1, sizeof *trusted);
    for (size_t i = 0; trusted && i < keys.n; i++) trusted[i] = keys.keys[i];
  }
  if (!trusted || nk == 0) {
    free(trusted);
    status = cli_usage_error("lineage", "no trusted key: give --key PUB or a --policy with signers");
    goto out;
  }
  mp_lineage_opts lo = {.model = argv[optind], .provenance = prov, .keys = trusted, .nkeys = nk,
                        .search_dirs = search, .nsearch = nsearch};
  json_t *tree = NULL;
  if (mp_lineage_tree(&lo, &tree, &e)) {
    free(trusted);
    status = cli_fail("lineage", &e);
    goto out;
  }
  free(trusted);
  if (json) {
    char *s = json_dumps(tree, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s) puts(s);
    free(s);
  } else if (dot) {
    mp_lineage_print_dot(tree, stdout);
  } else {
    mp_lineage_print(tree, stdout);
  }
  status = all_verified(tree) ? 0 : 1;
  json_decref(tree);
out:
  free(search);
  mp_policy_free(pol);
  cli_keys_free(&keys);
  return status;
}
