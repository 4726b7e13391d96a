/* cmd_report.c — `mlprov report`: provenance files -> one self-contained HTML
 * review page (report/report.h). Exit 0 when the page was written and every
 * entry verified (or no key was given), 1 when it was written but something
 * did not verify, 2 when no page was written. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "report.h"
#include "statement.h"

static const char usage_text[] =
    "usage: mlprov report [--key PUB]... [-o FILE] [--title TEXT] PROVENANCE...\n"
    "\n"
    "Writes one self-contained HTML page (no network access, no external scripts,\n"
    "fonts or images) for a person reviewing a model: signer and verification\n"
    "status, subjects, datasets with digests and Merkle roots, dependencies\n"
    "grouped and searchable, parameters, environment, a timeline of the run and\n"
    "the lineage as a graph. PROVENANCE is a .intoto.jsonl / .json envelope, a\n"
    "Sigstore bundle or an mlprov .pb; with several, a base model whose digest is\n"
    "the subject of another given provenance is linked to it.\n"
    "\n"
    "options:\n"
    "  -k, --key PUB      trusted public key to verify the envelopes (repeatable);\n"
    "                     without one every provenance is shown as UNVERIFIED\n"
    "  -o, --output FILE  where to write the page (default report.html; - for stdout)\n"
    "      --title TEXT   page title (default: the first model's name)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 page written, every provenance verified (or no --key given);\n"
    "             1 page written, but a provenance did not verify or is invalid;\n"
    "             2 usage or I/O error (no page written)\n"
    "example: mlprov report --key release.pub.pem -o review.html out/model.bin.intoto.jsonl\n";

int cmd_report(int argc, char **argv) {
  enum { OPT_TITLE = 256 };
  static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"title", required_argument, NULL, OPT_TITLE},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char *out = "report.html", *title = NULL;
  int c;
  mp_err e;
  mp_err_clear(&e);
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
    switch (c) {
      case 'k':
        if (cli_keys_add(&keys, optarg, 0, &e)) {
          cli_keys_free(&keys);
          return cli_fail("report", &e);
        }
        break;
      case 'o': out = optarg; break;
      case OPT_TITLE: title = optarg; break;
      case 'h': fputs(usage_text, stdout); cli_keys_free(&keys); return 0;
      default: cli_keys_free(&keys); return cli_usage_error("report", "bad option");
    }
  }
  if (optind >= argc) {
    cli_keys_free(&keys);
    return cli_usage_error("report", "no provenance file given");
  }
  char now[64];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec = 0;
  mp_time_format(&ts, now, sizeof now);
  mp_report_opts ro = {.keys = (const mp_key *const *)keys.keys, .nkeys = keys.n, .title = title, .generated = now};
  mp_report *r = NULL;
  int rc = mp_report_new(&ro, &r, &e);
  for (int i = optind; rc == 0 && i < argc; i++) rc = mp_report_add_file(r, argv[i], &e);
  char *html = NULL;
  size_t len = 0;
  if (rc == 0 && strcmp(out, "-") == 0) {
    if ((rc = mp_report_render(r, &html, &len, &e)) == 0 && (fwrite(html, 1, len, stdout) != len || fflush(stdout) != 0))
      rc = mp_err_set(&e, MP_EIO, "writing report to standard output: write failed");
  } else if (rc == 0) {
    rc = mp_report_write(r, out, &e);
  }
  int status;
  if (rc) {
    status = cli_fail("report", &e);
    status = status == 1 ? 2 : status; /* no page: never "refused" */
  } else {
    size_t bad = mp_report_unverified(r), n = mp_report_count(r);
    if (strcmp(out, "-") != 0)
      fprintf(stderr, "mlprov report: wrote %s (%zu provenance record(s)%s)\n", out, n,
              keys.n == 0 ? ", signatures NOT checked: no --key given" : "");
    if (bad) fprintf(stderr, "mlprov report: %zu of %zu provenance record(s) NOT verified\n", bad, n);
    status = bad ? 1 : 0;
  }
  free(html);
  mp_report_free(r);
  cli_keys_free(&keys);
  return status;
}
