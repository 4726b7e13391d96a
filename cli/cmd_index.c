/* cmd_index.c — `mlprov index add|query|export`: the provenance index
 * (lib/index.h). Parses options, prints results (text, or --json on stdout);
 * all the work is in the library. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "index.h"

static const char usage_text[] =
    "usage: mlprov index add    [--db DB] (--key PUB... | --unverified) [--json] FILE|DIR...\n"
    "       mlprov index query  [--db DB] QUERY [--since T] [--until T] [--affected] [--json]\n"
    "       mlprov index export [--db DB] [--output FILE]\n"
    "\n"
    "A queryable index of every provenance: which models were trained with a\n"
    "package, on a dataset, signed by a key, and what was fine-tuned from them.\n"
    "\n"
    "add: verifies every DSSE envelope in each FILE (.intoto.jsonl, .json, Sigstore\n"
    "  bundle, .pb, or an index export) and in every *.intoto.jsonl / *.intoto.json\n"
    "  under each DIR, and indexes it, each file whole or not at all: a file with\n"
    "  a malformed or refused envelope is reported and skipped whole. Adding an\n"
    "  envelope already indexed changes nothing.\n"
    "query (one of):\n"
    "  --dependency PURL|NAME [--version RANGE]  records trained with the package;\n"
    "        RANGE like \">=2.0,<2.1\", \"==1.2.3\", \"~=1.4\" (PEP 440 ordering)\n"
    "  --dataset NAME|DIGEST     records trained on it, and their descendants\n"
    "  --signer KEYID            everything a key signed (>= 8 hex digits: a prefix)\n"
    "  --model DIGEST            a model's full record, its ancestors and descendants\n"
    "  (none)                    every record in the --since/--until window\n"
    "export: every indexed envelope as JSON Lines, which `index add` takes back.\n"
    "\n"
    "options:\n"
    "      --db DB        SQLite file, or a postgresql:// URL (default: $MLPROV_INDEX,\n"
    "                     else $XDG_DATA_HOME/mlprov/index.db)\n"
    "  -k, --key PUB      trusted public key (repeatable)\n"
    "      --unverified   record envelopes that do not verify, marked unverified\n"
    "      --threads N    verifying threads (default: one per CPU)\n"
    "      --since T      finished at or after T (RFC 3339 or YYYY-MM-DD)\n"
    "      --until T      finished at or before T\n"
    "      --affected     also list descendants through lineage (fine-tunes)\n"
    "  -o, --output FILE  export: write here instead of standard output\n"
    "      --json         machine-readable output on stdout\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 done (a query that finds nothing included), 1 an envelope\n"
    "  was refused by verification (that file skipped), 2 usage, I/O or\n"
    "  malformed input (that file skipped)\n"
    "example: mlprov index query --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected\n";

typedef struct opts {
  const char *db, *version, *since, *until, *output;
  const char *kinds[4]; /* dependency, dataset, signer, model */
  int json, affected, unverified;
  long long threads;
  cli_keys keys;
} opts;

static int parse(int argc, char **argv, opts *o) {
  enum { O_DB = 256, O_JSON, O_DEP, O_VER, O_DS, O_SIG, O_MODEL, O_SINCE, O_UNTIL, O_AFF, O_UNVER, O_THREADS };
  static const struct option lo[] = {
      {"db", required_argument, NULL, O_DB},          {"json", no_argument, NULL, O_JSON},
      {"key", required_argument, NULL, 'k'},          {"unverified", no_argument, NULL, O_UNVER},
      {"threads", required_argument, NULL, O_THREADS}, {"dependency", required_argument, NULL, O_DEP},
      {"version", required_argument, NULL, O_VER},    {"dataset", required_argument, NULL, O_DS},
      {"signer", required_argument, NULL, O_SIG},     {"model", required_argument, NULL, O_MODEL},
      {"since", required_argument, NULL, O_SINCE},    {"until", required_argument, NULL, O_UNTIL},
      {"affected", no_argument, NULL, O_AFF},         {"output", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0}};
  int c;
  mp_err e;
  mp_err_clear(&e);
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:o:h", lo, NULL)) != -1) {
    switch (c) {
      case O_DB: o->db = optarg; break;
      case O_JSON: o->json = 1; break;
      case 'k':
        if (cli_keys_add(&o->keys, optarg, 0, &e)) return cli_fail("index", &e);
        break;
      case O_UNVER: o->unverified = 1; break;
      case O_THREADS:
        if ((o->threads = cli_parse_count(optarg)) < 1) return cli_usage_error("index", "--threads wants a positive number");
        break;
      case O_DEP: o->kinds[0] = optarg; break;
      case O_VER: o->version = optarg; break;
      case O_DS: o->kinds[1] = optarg; break;
      case O_SIG: o->kinds[2] = optarg; break;
      case O_MODEL: o->kinds[3] = optarg; break;
      case O_SINCE: o->since = optarg; break;
      case O_UNTIL: o->until = optarg; break;
      case O_AFF: o->affected = 1; break;
      case 'o': o->output = optarg; break;
      case 'h': fputs(usage_text, stdout); return -1;
      default: return cli_usage_error("index", "bad option");
    }
  }
  return 0;
}

static int open_index(const opts *o, int create, mp_index **idx) {
  char *def = o->db ? NULL : mp_index_default_target();
  const char *target = o->db ? o->db : def;
  mp_err e;
  mp_err_clear(&e);
  int rc = target ? mp_index_open(target, create, idx, &e)
                  : mp_err_set(&e, MP_EUSAGE, "no index: give --db (neither MLPROV_INDEX nor HOME is set)");
  free(def);
  return rc ? cli_fail("index", &e) : 0;
}

/* Streamed through stdio's buffer: a query's result can be megabytes, and
 * building it in one string first cost a page fault every 4 KiB. */
static void print_json(json_t *j) {
  if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0) putchar('\n');
}

/* --- add --------------------------------------------------------------------- */

static int do_add(opts *o, int nfiles, char **files) {
  if (nfiles == 0) return cli_usage_error("index", "add: give FILE or DIR arguments");
  if (o->keys.n == 0 && !o->unverified)
    return cli_usage_error("index", "add: give the trusted keys (--key PUB), or --unverified to index without");
  mp_index *idx = NULL;
  int status = open_index(o, 1, &idx);
  if (status) return status;
  mp_index_add_opts ao = {.keys = (const mp_key *const *)o->keys.keys, .nkeys = o->keys.n,
                          .allow_unverified = o->unverified, .threads = (unsigned)o->threads};
  mp_index_add_result res;
  mp_err e;
  mp_err_clear(&e);
  int rc = mp_index_add(idx, (const char *const *)files, (size_t)nfiles, &ao, &res, &e);
  size_t added = 0, present = 0, upgraded = 0, unverified = 0, skipped = 0;
  json_t *jfiles = json_array();
  for (size_t i = 0; i < res.nfiles; i++) {
    mp_index_file_result *f = &res.files[i];
    added += f->added, present += f->present, upgraded += f->upgraded, unverified += f->unverified;
    int code = mp_exit_code(f->rc);
    if (f->rc) {
      skipped++;
      if (code > status) status = code;
      fprintf(stderr, "mlprov index: skipped %s: %s\n", f->path, f->error ? f->error : mp_strerror(f->rc));
    }
    json_t *jf = json_pack("{s:s, s:I, s:I, s:I, s:I}", "path", f->path, "added", (json_int_t)f->added, "present",
                           (json_int_t)f->present, "upgraded", (json_int_t)f->upgraded, "unverified",
                           (json_int_t)f->unverified);
    if (f->rc) json_object_set_new(jf, "error", json_string(f->error ? f->error : mp_strerror(f->rc)));
    json_array_append_new(jfiles, jf);
  }
  if (rc) status = cli_fail("index", &e);
  if (o->json) {
    json_t *j = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "backend", mp_index_backend(idx), "files",
                          jfiles, "added", (json_int_t)added, "present", (json_int_t)present, "upgraded",
                          (json_int_t)upgraded, "unverified", (json_int_t)unverified, "skippedFiles",
                          (json_int_t)skipped, "wallSeconds", res.wall_seconds, "writeSeconds", res.write_seconds);
    if (rc) json_object_set_new(j, "error", json_string(e.msg));
    print_json(j);
    json_decref(j);
  } else {
    json_decref(jfiles);
    printf("%zu added (%zu unverified), %zu already indexed, %zu now verified, %zu file%s skipped\n", added,
           unverified, present, upgraded, skipped, skipped == 1 ? "" : "s");
  }
  mp_index_add_result_free(&res);
  mp_index_close(idx);
  return status;
}

/* --- query ------------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void print_record(json_t *r, const char *indent) {
  json_t *sg = json_array_get(json_object_get(r, "signers"), 0);
  printf("%s%s  finished %s  %s  signer %.16s%s\n", indent, jstr(r, "envelopeSha256"), jstr(r, "finishedOn"),
         json_is_true(json_object_get(r, "verified")) ? "verified" : "UNVERIFIED", sg ? jstr(sg, "keyid") : "-",
         sg && !json_is_true(json_object_get(sg, "verified")) ? " (claimed)" : "");
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(r, "subjects"), i, v)
      printf("%s  %s %s%s%s%s\n", indent, jstr(v, "digest"), jstr(v, "name"), *jstr(v, "role") ? " [" : "",
             jstr(v, "role"), *jstr(v, "role") ? "]" : "");
  json_array_foreach(json_object_get(r, "matched"), i, v) {
    if (json_object_get(v, "version"))
      printf("%s  matched %s %s\n", indent, *jstr(v, "purl") ? jstr(v, "purl") : jstr(v, "name"), jstr(v, "version"));
    else if (json_object_get(v, "keyid"))
      printf("%s  signed by %s%s\n", indent, jstr(v, "keyid"), json_is_true(json_object_get(v, "verified")) ? "" : " (claimed, not verified)");
    else
      printf("%s  trained on %s %s\n", indent, jstr(v, "name"), json_is_string(json_object_get(v, "digest")) ? jstr(v, "digest") : jstr(v, "recordsMerkleRoot"));
  }
  json_t *via = json_object_get(r, "via");
  if (via)
    printf("%s  through lineage (depth %lld): base model %s\n", indent,
           (long long)json_integer_value(json_object_get(r, "depth")), jstr(via, "baseDigest"));
}

static void print_records(const mp_index_answer *a, size_t list, const char *indent) {
  size_t n = 0;
  mp_index_answer_list(a, list, &n);
  for (size_t i = 0; i < n; i++) {
    json_t *r = mp_index_answer_record(a, list, i);
    if (r) print_record(r, indent);
    json_decref(r);
  }
}

static void print_list(const char *title, const mp_index_answer *a, size_t list) {
  size_t n = 0;
  mp_index_answer_list(a, list, &n);
  printf("%s: %zu\n", title, n);
  print_records(a, list, "  ");
}

static int write_stdout(const char *buf, size_t size, void *ctx) {
  (void)ctx;
  return fwrite(buf, 1, size, stdout) == size ? 0 : -1;
}

static int do_query(opts *o, int nargs) {
  if (nargs) return cli_usage_error("index", "query takes no arguments besides options");
  mp_index_query q = {.kind = MP_IQ_TIME, .affected = o->affected, .version = o->version};
  static const mp_index_query_kind kinds[4] = {MP_IQ_DEPENDENCY, MP_IQ_DATASET, MP_IQ_SIGNER, MP_IQ_MODEL};
  int n = 0;
  for (int i = 0; i < 4; i++)
    if (o->kinds[i]) {
      q.kind = kinds[i];
      q.arg = o->kinds[i];
      n++;
    }
  if (n > 1) return cli_usage_error("index", "query: one of --dependency, --dataset, --signer, --model at a time");
  if (o->version && q.kind != MP_IQ_DEPENDENCY) return cli_usage_error("index", "--version goes with --dependency");
  if (n == 0 && !o->since && !o->until)
    return cli_usage_error("index", "query: give --dependency, --dataset, --signer, --model or a --since/--until window");
  if (o->since && mp_index_time_parse(o->since, &q.since_us))
    return cli_usage_error("index", "--since: \"%s\" is not an RFC 3339 time or a YYYY-MM-DD date", o->since);
  if (o->until && mp_index_time_parse(o->until, &q.until_us))
    return cli_usage_error("index", "--until: \"%s\" is not an RFC 3339 time or a YYYY-MM-DD date", o->until);
  q.has_since = o->since != NULL;
  q.has_until = o->until != NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  mp_index *idx = NULL;
  int status = open_index(o, 0, &idx);
  if (status) return status;
  mp_index_answer *a = NULL;
  mp_err e;
  mp_err_clear(&e);
  if (mp_index_query_answer(idx, &q, &a, &e)) {
    mp_index_close(idx);
    return cli_fail("index", &e);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  /* opening the index and answering, without process start and printing
   * (each record becomes JSON or text as it is printed) */
  json_t *head = mp_index_answer_head(a);
  json_object_set_new(head, "elapsedMs", json_real((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                                                   (double)(t1.tv_nsec - t0.tv_nsec) / 1e6));
  if (o->json) {
    if (mp_index_answer_dump(a, write_stdout, NULL, JSON_INDENT(2) | JSON_SORT_KEYS) == 0) putchar('\n');
  } else if (q.kind == MP_IQ_MODEL) {
    print_list("records producing this model", a, 0);
    print_list("ancestors (base models)", a, 1);
    print_list("descendants (fine-tunes)", a, 2);
  } else {
    printf("%lld record%s (%lld direct, %lld through lineage)\n", (long long)json_integer_value(json_object_get(head, "count")),
           json_integer_value(json_object_get(head, "count")) == 1 ? "" : "s",
           (long long)json_integer_value(json_object_get(head, "direct")),
           (long long)json_integer_value(json_object_get(head, "throughLineage")));
    print_records(a, 0, "");
  }
  mp_index_answer_free(a);
  mp_index_close(idx);
  return 0;
}

/* --- export ------------------------------------------------------------------ */

static int write_line(void *ctx, const char *line, size_t len) {
  FILE *f = ctx;
  return fwrite(line, 1, len, f) != len || fputc('\n', f) == EOF;
}

static int do_export(opts *o, int nargs) {
  if (nargs) return cli_usage_error("index", "export takes no arguments (use --output FILE)");
  mp_index *idx = NULL;
  int status = open_index(o, 0, &idx);
  if (status) return status;
  mp_err e;
  mp_err_clear(&e);
  FILE *f = o->output ? fopen(o->output, "we") : stdout;
  int rc = f ? 0 : mp_err_errno(&e, MP_EIO, errno, "writing %s", o->output);
  size_t n = 0;
  if (rc == 0) rc = mp_index_export(idx, write_line, f, &n, &e);
  if (f && fflush(f) != 0 && rc == 0) rc = mp_err_errno(&e, MP_EIO, errno, "writing %s", o->output ? o->output : "standard output");
  if (f && f != stdout) fclose(f);
  mp_index_close(idx);
  if (rc) return cli_fail("index", &e);
  fprintf(stderr, "mlprov index: exported %zu attestation%s\n", n, n == 1 ? "" : "s");
  return 0;
}

int cmd_index(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("index", "expected add, query or export");
  const char *verb = argv[1];
  if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  opts o = {0};
  int rc = parse(argc - 1, argv + 1, &o);
  if (rc) {
    cli_keys_free(&o.keys);
    return rc < 0 ? 0 : rc;
  }
  int nargs = argc - 1 - optind;
  char **args = argv + 1 + optind;
  if (strcmp(verb, "add") == 0) rc = do_add(&o, nargs, args);
  else if (strcmp(verb, "query") == 0) rc = do_query(&o, nargs);
  else if (strcmp(verb, "export") == 0) rc = do_export(&o, nargs);
  else rc = cli_usage_error("index", "unknown subcommand '%s' (add, query or export)", verb);
  cli_keys_free(&o.keys);
  return rc;
}
