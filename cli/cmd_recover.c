/* cmd_recover.c — `mlprov recover JOURNAL`: rebuild the run record from a
 * journal (replay.c) and sign its provenance through the same path as
 * `mlprov run` (mp_provenance_build, mp_attest_sign, mp_attest_write). The
 * provenance is always marked incomplete (mlprov/run complete: false,
 * recovered: true, incompleteBecause) and names the journal with the chain
 * hash of the last frame it used. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "cli.h"
#include "journal.h"
#include "provenance.h"
#include "replay.h"
#include "statement.h"

extern char **environ;

static const char usage_text[] =
    "usage: mlprov recover JOURNAL --key KEY [--out BASE] [OPTIONS]\n"
    "\n"
    "Rebuilds what `mlprov run` recorded from its journal (after the agent was\n"
    "killed, or when the provenance could not be written) and writes the signed\n"
    "provenance, marked incomplete: runDetails.byproducts mlprov/run says\n"
    "complete: false and why; mlprov/journal names the journal and the chain hash\n"
    "of the last frame used (check it with `mlprov journal verify`). Outputs and\n"
    "inputs are hashed now, relative to the run's working directory. A torn last\n"
    "frame is dropped; at a damaged frame the replay stops (and says so).\n"
    "\n"
    "options:\n"
    "  -k, --key KEY          signing key (repeat to co-sign); default $MLPROV_KEY\n"
    "      --out BASE         write BASE.intoto.jsonl and BASE.pb (default: the run's\n"
    "                         --out, else next to its first output or subject)\n"
    "      --no-pb            do not write the protobuf file\n"
    "      --threads N        hashing threads (default: one per CPU)\n"
    "  -q, --quiet            no summary on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 provenance written; 1 the journal cannot be trusted at all\n"
    "(damaged before any event); 2 usage or I/O error, or no subject to sign\n"
    "example: mlprov recover out/model.bin.journal --key ci.pem\n";

int cmd_recover(int argc, char **argv) {
  enum { OPT_OUT = 256, OPT_NOPB, OPT_THREADS };
  static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                       {"out", required_argument, NULL, OPT_OUT},
                                       {"no-pb", no_argument, NULL, OPT_NOPB},
                                       {"threads", required_argument, NULL, OPT_THREADS},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char *out_base = NULL;
  int no_pb = 0, quiet = 0, c, status = 2;
  long long threads = 0;
  mp_err e;
  mp_err_clear(&e);
  mp_journal_reader *jr = NULL;
  mp_replay rp;
  memset(&rp, 0, sizeof rp);
  json_t *st = NULL, *extra = json_array(), *trees = json_array();
  const char **outputs = NULL;
  mp_attest_paths paths = {0};
  char *base = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:qh", opts, NULL)) != -1) {
    switch (c) {
      case 'k':
        if (cli_keys_add(&keys, optarg, 1, &e)) {
          status = cli_fail("recover", &e);
          goto out;
        }
        break;
      case OPT_OUT: out_base = optarg; break;
      case OPT_NOPB: no_pb = 1; break;
      case OPT_THREADS:
        if ((threads = cli_parse_count(optarg)) < 1 || threads > 1024) {
          status = cli_usage_error("recover", "--threads wants a number from 1 to 1024");
          goto out;
        }
        break;
      case 'q': quiet = 1; break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_bad_option("recover", argv); goto out;
    }
  }
  if (argc - optind != 1) {
    status = cli_usage_error("recover", "give exactly one JOURNAL");
    goto out;
  }
  const char *path = argv[optind];
  if (keys.n == 0) {
    const char *k = getenv("MLPROV_KEY");
    if (!k || !*k) {
      status = cli_usage_error("recover", "no signing key: give --key KEY or set MLPROV_KEY");
      goto out;
    }
    if (cli_keys_add(&keys, k, 1, &e)) {
      status = cli_fail("recover", &e);
      goto out;
    }
  }
  if (mp_journal_reader_open(path, &jr, &e) || mp_replay_journal(jr, &rp, &e)) {
    status = cli_fail("recover", &e);
    goto out;
  }
  if (rp.damage[0]) fprintf(stderr, "mlprov recover: warning: %s; the replay stopped there\n", rp.damage);

  json_t *outs = json_object_get(rp.start, "outputs");
  outputs = calloc(json_array_size(outs) + 1, sizeof *outputs);
  size_t noutputs = 0, i;
  json_t *o;
  json_array_foreach(outs, i, o) if (json_is_string(o)) outputs[noutputs++] = json_string_value(o);
  const char *builder = json_string_value(json_object_get(rp.start, "builderId"));
  int with_pb = !no_pb && !json_is_false(json_object_get(rp.start, "withPb"));
  const char *run_out = json_string_value(json_object_get(rp.start, "out"));

  json_t *bp = mp_replay_journal_byproduct(path, rp.frames, 0, rp.chain, "recovered", NULL);
  json_t *ann = json_object_get(bp, "annotations");
  json_object_del(ann, "bytes");
  json_object_set(ann, "format", json_object_get(rp.start, "format")); /* the journal's, maybe an older one */
  json_object_set_new(ann, "endRecord", json_boolean(rp.end != NULL));
  json_object_set_new(ann, "tornBytes", json_integer((json_int_t)rp.torn_bytes));
  if (rp.damage[0]) json_object_set_new(ann, "damage", json_string(rp.damage));
  json_array_append_new(extra, bp);

  mp_prov_opts po = {
      .builder_id = builder,
      .outputs = outputs,
      .noutputs = noutputs,
      .envp = environ,
      .threads = (unsigned)threads,
      .extra_byproducts = extra,
  };
  /* the run's --out was relative to its working directory, not to ours */
  base = out_base ? strdup(out_base) : run_out ? mp_record_abspath(rp.rec, run_out) : NULL;
  if (cli_write_provenance("recover", rp.rec, &po, base, &keys, with_pb, &st, &paths, trees, &e)) {
    mp_err_prefix(&e, "provenance NOT written");
    status = cli_fail("recover", &e);
    goto out;
  }
  if (!quiet) {
    const char *ended = rp.end ? "with its end record" : "without an end record (the agent stopped)";
    fprintf(stderr, "mlprov recover: %llu event(s) from %llu verified frame(s) of %s, %s; provenance (marked "
                    "incomplete): %s%s%s\n",
            (unsigned long long)rp.rec->stats.events, (unsigned long long)rp.frames, path, ended, paths.jsonl,
            paths.pb ? " and " : "", paths.pb ? paths.pb : "");
    size_t ti;
    json_t *tp;
    json_array_foreach(trees, ti, tp) fprintf(stderr, "mlprov recover: dataset records tree: %s\n", json_string_value(tp));
  }
  status = 0;
out:
  free(base);
  free(outputs);
  mp_attest_paths_free(&paths);
  json_decref(st);
  json_decref(extra);
  json_decref(trees);
  mp_replay_clear(&rp);
  mp_journal_reader_free(jr);
  cli_keys_free(&keys);
  return status;
}
