/* cmd_dataset.c — `mlprov dataset commit|add|prove|verify`: dataset
 * transparency (docs/dataset-transparency.md). commit builds a dataset's two
 * Merkle trees from files (and can sign the roots), add streams records to the
 * agent of an enclosing `mlprov run`, prove makes a (non-)inclusion proof from
 * a tree file, verify checks one against a signed statement. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest.h"
#include "cli.h"
#include "dsclaim.h"
#include "encoding.h"
#include "fileio.h"
#include "hashpool.h"
#include "modeldir.h"
#include "mlprov_hook.h"
#include "statement.h"

static const char usage_text[] =
    "usage: mlprov dataset commit PATH [--format lines|files|jsonl] [OPTIONS]\n"
    "       mlprov dataset add DATASET [PATH...] [--format lines|files|jsonl]\n"
    "       mlprov dataset prove --tree TREE (--record FILE | --leaf-hash HEX) [--out PROOF]\n"
    "       mlprov dataset verify --provenance P --key PUB (--record FILE | --leaf-hash HEX)\n"
    "                             --proof PROOF [--dataset NAME] [--expect included|not-included]\n"
    "\n"
    "Dataset transparency: a dataset's records are committed by two RFC 9162 Merkle\n"
    "trees (every record in order, and the distinct records sorted), whose roots are\n"
    "signed in the provenance of `mlprov run` (or by `commit --key`). A proof shows\n"
    "that a record was in the data (its leaf in the first tree) or that it was not\n"
    "(two adjacent leaves of the sorted tree around it).\n"
    "\n"
    "  commit   build the trees over PATH's records, write the tree file PATH.mptree\n"
    "           (--tree FILE), print the roots; with --key also sign them\n"
    "           (PATH.intoto.jsonl, --out BASE). Records: lines of a file (default),\n"
    "           JSON Lines, or the files of a directory (default for a directory)\n"
    "  add      inside `mlprov run`: report PATH's records (standard input when no\n"
    "           PATH) as records of DATASET; a no-op outside `mlprov run`\n"
    "  prove    write a proof that the record is, or is not, in the tree\n"
    "           (default PROOF: FILE.mpproof)\n"
    "  verify   check the proof against the dataset's roots in the signed statement\n"
    "\n"
    "options: -f/--format, --name NAME (commit: the dataset's name, default PATH's\n"
    "base name), --tree FILE, -k/--key KEY (repeatable), --out BASE|PROOF,\n"
    "--threads N, --json, -q/--quiet, -h/--help\n"
    "\n"
    "exit status: 0 done (verify: the proof holds, \"included\" or \"not included\" is\n"
    "printed), 1 verify: the proof does not hold or is malformed (the reason is\n"
    "printed), 2 usage or I/O error (an empty dataset, a record file of several lines)\n"
    "example: mlprov dataset verify --provenance model.bin.intoto.jsonl --key ci.pub.pem \\\n"
    "           --record sample.txt --proof sample.txt.mpproof\n";

typedef struct ds_opts {
  const char *format, *name, *tree, *out, *record, *leaf_hex, *provenance, *proof, *dataset, *expect;
  cli_keys keys;
  long long threads;
  int json, quiet;
  int argc;
  char **argv;   /* positional arguments */
} ds_opts;

static int parse_opts(const char *sub, int argc, char **argv, ds_opts *o) {
  enum { O_NAME = 256, O_TREE, O_RECORD, O_LEAF, O_PROV, O_PROOF, O_DATASET, O_EXPECT, O_THREADS, O_JSON };
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'},      {"name", required_argument, NULL, O_NAME},
      {"tree", required_argument, NULL, O_TREE},     {"out", required_argument, NULL, 'o'},
      {"record", required_argument, NULL, O_RECORD}, {"leaf-hash", required_argument, NULL, O_LEAF},
      {"provenance", required_argument, NULL, O_PROV}, {"proof", required_argument, NULL, O_PROOF},
      {"dataset", required_argument, NULL, O_DATASET}, {"expect", required_argument, NULL, O_EXPECT},
      {"key", required_argument, NULL, 'k'},         {"threads", required_argument, NULL, O_THREADS},
      {"json", no_argument, NULL, O_JSON},           {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0}};
  mp_err e;
  int c;
  char cmd[32];
  snprintf(cmd, sizeof cmd, "dataset %s", sub);
  optind = 1;
  while ((c = getopt_long(argc, argv, "f:o:k:qh", opts, NULL)) != -1) {
    switch (c) {
      case 'f': o->format = optarg; break;
      case O_NAME: o->name = optarg; break;
      case O_TREE: o->tree = optarg; break;
      case 'o': o->out = optarg; break;
      case O_RECORD: o->record = optarg; break;
      case O_LEAF: o->leaf_hex = optarg; break;
      case O_PROV: o->provenance = optarg; break;
      case O_PROOF: o->proof = optarg; break;
      case O_DATASET: o->dataset = optarg; break;
      case O_EXPECT: o->expect = optarg; break;
      case 'k':
        mp_err_clear(&e);
        /* verify trusts public keys; commit signs with private ones */
        if (cli_keys_add(&o->keys, optarg, strcmp(sub, "verify") != 0, &e)) return cli_fail(cmd, &e);
        break;
      case O_THREADS:
        if ((o->threads = cli_parse_count(optarg)) < 1 || o->threads > 1024)
          return cli_usage_error(cmd, "--threads wants a number from 1 to 1024");
        break;
      case O_JSON: o->json = 1; break;
      case 'q': o->quiet = 1; break;
      case 'h': fputs(usage_text, stdout); return -1;
      default: return cli_usage_error(cmd, "bad option");
    }
  }
  o->argc = argc - optind;
  o->argv = argv + optind;
  return 0;
}

static void print_json(json_t *j) {
  char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  if (s) puts(s);
  free(s);
  json_decref(j);
}

static void hex32(const uint8_t *h, char out[2 * MP_SHA256_LEN + 1]) { mp_hex_encode(h, MP_SHA256_LEN, out); }

/* --- commit ------------------------------------------------------------------ */

typedef struct leafvec {
  uint8_t *v;
  size_t n, cap;
} leafvec;

static int collect_leaf(void *ctx, const uint8_t leaf[MP_SHA256_LEN], mp_err *e) {
  leafvec *l = ctx;
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 4096;
    uint8_t *nv = realloc(l->v, ncap * MP_SHA256_LEN);
    if (!nv) return mp_err_set(e, MP_ENOMEM, "out of memory after %zu records", l->n);
    mp_hint_hugepages(nv + l->n * MP_SHA256_LEN, (ncap - l->n) * MP_SHA256_LEN);
    l->v = nv;
    l->cap = ncap;
  }
  memcpy(l->v + l->n++ * MP_SHA256_LEN, leaf, MP_SHA256_LEN);
  return 0;
}

/* PATH without trailing slashes (malloc'd). */
static char *trim_slashes(const char *path) {
  char *p = strdup(path);
  size_t n = p ? strlen(p) : 0;
  while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
  return p;
}

/* The dataset's own digest for the statement's subject: a file's SHA-256,
 * a directory's OMS files root. Taken before the records are read, so that
 * the end-of-commit change check covers both. */
static int dataset_digest(const ds_opts *o, const char *path, int is_dir, char hex[2 * MP_DIGEST_MAX + 1],
                          mp_err *e) {
  int rc;
  if (is_dir) {
    mp_model *m = NULL;
    mp_model_opts mo = {.threads = (unsigned)o->threads};
    if ((rc = mp_model_digest(path, &mo, &m, e))) return rc;
    memcpy(hex, m->root_hex, sizeof m->root_hex);
    mp_model_free(m);
    return 0;
  }
  mp_file_digest d;
  if ((rc = mp_digest_file(path, "sha256", &d, e))) return rc;
  if (d.changed) return mp_err_set(e, MP_EIO, "%s changed while it was being hashed", path);
  memcpy(hex, d.hex, sizeof d.hex);
  return 0;
}

/* Signs the commitment as a dataset commitment statement. */
static int sign_commitment(const ds_opts *o, const char *path, int is_dir, const char *hex, const char *name,
                           const mp_dscommit *c, mp_dsformat fmt, const char *base, mp_attest_paths *paths,
                           mp_err *e) {
  char *abs = realpath(path, NULL), *uri = abs ? mp_file_uri(abs) : NULL;
  json_t *st = mp_dsclaim_statement(name, uri, hex, is_dir, c, fmt);
  free(abs);
  free(uri);
  if (!st) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_dsse *env = NULL;
  int rc = mp_attest_sign(st, (const mp_key *const *)o->keys.keys, o->keys.n, &env, e);
  if (rc == 0) rc = mp_attest_write(env, base, 0, paths, e);
  mp_dsse_free(env);
  json_decref(st);
  return rc;
}

static int ds_commit(ds_opts *o) {
  const char *cmd = "dataset commit";
  if (o->argc != 1) return cli_usage_error(cmd, "give exactly one PATH (a file of records or a directory)");
  const char *path = o->argv[0];
  struct stat st0, st1;
  if (strcmp(path, "-") == 0 ? fstat(0, &st0) : stat(path, &st0)) {
    fprintf(stderr, "mlprov %s: %s: cannot read\n", cmd, path);
    return 2;
  }
  int is_dir = S_ISDIR(st0.st_mode);
  mp_dsformat fmt = is_dir ? MP_DSFMT_FILES : MP_DSFMT_LINES;
  if (o->format && (mp_dsformat_parse(o->format, &fmt) != 0 || fmt == MP_DSFMT_RECORDS))
    return cli_usage_error(cmd, "--format is lines, files or jsonl");
  if (strcmp(path, "-") == 0 && (!o->name || !o->tree || o->keys.n))
    return cli_usage_error(cmd, "records from standard input need --name and --tree (and cannot be signed)");
  char *trimmed = trim_slashes(path), *tree = NULL;
  const char *slash = trimmed ? strrchr(trimmed, '/') : NULL;
  const char *name = o->name ? o->name : (slash && slash[1] ? slash + 1 : trimmed);
  if (o->tree) tree = strdup(o->tree);
  else if (trimmed && (tree = malloc(strlen(trimmed) + sizeof MP_DSTREE_SUFFIX)))
    sprintf(tree, "%s%s", trimmed, MP_DSTREE_SUFFIX);
  leafvec l = {0};
  mp_dsrec_stats stats = {0};
  mp_dscommit c;
  mp_attest_paths paths = {0};
  char *backup = NULL;
  mp_err e;
  mp_err_clear(&e);
  char hex[2 * MP_DIGEST_MAX + 1] = "";
  int rc = !trimmed || !tree ? mp_err_set(&e, MP_ENOMEM, "out of memory") : 0;
  if (rc == 0 && o->keys.n) rc = dataset_digest(o, path, is_dir, hex, &e);
  if (rc == 0) rc = mp_dsrec_scan(path, fmt, collect_leaf, &l, &stats, &e);
  if (rc == 0 && l.n == 0)
    rc = mp_err_set(&e, MP_EUSAGE, "%s has no records (format %s): an empty dataset has nothing to commit", path,
                    mp_dsformat_name(fmt));
  if (rc == 0 && !is_dir && strcmp(path, "-") != 0 &&
      (stat(path, &st1) != 0 || st1.st_size != st0.st_size || st1.st_mtim.tv_nsec != st0.st_mtim.tv_nsec ||
       st1.st_mtim.tv_sec != st0.st_mtim.tv_sec))
    rc = mp_err_set(&e, MP_EIO, "%s changed while its records were read", path);
  if (rc == 0) rc = mp_dstree_commit(l.v, l.n, (unsigned)o->threads, &c, NULL, &e);
  if (rc == 0) rc = mp_file_backup(tree, 0, &backup, &e);
  if (rc == 0) rc = mp_dstree_write(tree, name, fmt, l.v, l.n, &c, 0, &e);
  if (rc == 0 && o->keys.n)
    rc = sign_commitment(o, path, is_dir, hex, name, &c, fmt, o->out ? o->out : trimmed, &paths, &e);
  if (rc == 0 && !o->quiet) {
    char root[65], sroot[65];
    hex32(c.root, root);
    hex32(c.sorted_root, sroot);
    if (o->json) {
      json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:I}", "dataset", name, "recordFormat",
                            mp_dsformat_name(fmt), "recordsTreeSize", (json_int_t)c.size, "recordsSortedTreeSize",
                            (json_int_t)c.distinct, "recordsMerkleRoot", root, "recordsSortedMerkleRoot", sroot,
                            "treeFile", tree, "bytes", (json_int_t)stats.bytes, "largestRecord",
                            (json_int_t)stats.largest);
      if (j && paths.jsonl) json_object_set_new(j, "statement", json_string(paths.jsonl));
      print_json(j);
    } else {
      printf("dataset %s: %llu records (%llu distinct), format %s\n", name, (unsigned long long)c.size,
             (unsigned long long)c.distinct, mp_dsformat_name(fmt));
      printf("  records root  %s  (recordsMerkleRoot, tree size %llu)\n", root, (unsigned long long)c.size);
      printf("  sorted root   %s  (recordsSortedMerkleRoot, tree size %llu)\n", sroot, (unsigned long long)c.distinct);
      printf("  tree file     %s%s%s\n", tree, backup ? "  (the previous one kept as " : "", backup ? backup : "");
      if (backup) printf(")\n");
      if (paths.jsonl)
        printf("  statement     %s  (signed by %s key %.16s)\n", paths.jsonl,
               mp_key_type_name(mp_key_get_type(o->keys.keys[0])), mp_key_id(o->keys.keys[0]));
      if (c.distinct < c.size)
        printf("  note: %llu duplicate record(s): the record tree keeps every occurrence, the sorted tree each record once\n",
               (unsigned long long)(c.size - c.distinct));
    }
  }
  free(l.v);
  free(trimmed);
  free(tree);
  free(backup);
  mp_attest_paths_free(&paths);
  return rc ? cli_fail(cmd, &e) : 0;
}

/* --- add ----------------------------------------------------------------------- */

typedef struct add_ctx {
  mlprov_hook *h;
  const char *dataset;
} add_ctx;

static int send_leaf(void *ctx, const uint8_t leaf[MP_SHA256_LEN], mp_err *e) {
  add_ctx *a = ctx;
  if (mlprov_record_leaf(a->h, a->dataset, leaf) != 0)
    return mp_err_set(e, MP_EIO, "could not deliver records to the agent at %s", getenv("MLPROV_SOCKET"));
  return 0;
}

static int ds_add(ds_opts *o) {
  const char *cmd = "dataset add";
  if (o->argc < 1) return cli_usage_error(cmd, "give the DATASET name (then the files holding its records)");
  mp_dsformat fmt = MP_DSFMT_LINES;
  if (o->format && (mp_dsformat_parse(o->format, &fmt) != 0 || fmt == MP_DSFMT_RECORDS))
    return cli_usage_error(cmd, "--format is lines, files or jsonl");
  const char *sock = getenv("MLPROV_SOCKET");
  if (!sock || !*sock) return 0; /* not under mlprov run: nothing to report to */
  add_ctx a = {.h = mlprov_hook_open_as(NULL, MLPROV_HOOK_CLI), .dataset = o->argv[0]};
  if (!a.h) {
    fprintf(stderr, "mlprov %s: out of memory\n", cmd);
    return 2;
  }
  mp_err e;
  mp_err_clear(&e);
  int rc = mlprov_record_format(a.h, a.dataset, mp_dsformat_name(fmt)) ? mp_err_set(&e, MP_EIO, "could not deliver records to the agent at %s", sock) : 0;
  mp_dsrec_stats stats = {0};
  for (int i = 1; rc == 0 && i < (o->argc > 1 ? o->argc : 2); i++)
    rc = mp_dsrec_scan(o->argc > 1 ? o->argv[i] : "-", fmt, send_leaf, &a, &stats, &e);
  if (rc == 0 && (mlprov_record_flush(a.h) != 0 || !mlprov_hook_active(a.h)))
    rc = mp_err_set(&e, MP_EIO, "could not deliver records to the agent at %s", sock);
  mlprov_hook_close(a.h);
  if (rc) return cli_fail(cmd, &e);
  if (!o->quiet)
    fprintf(stderr, "mlprov %s: %llu records of dataset %s reported\n", cmd, (unsigned long long)stats.records,
            a.dataset);
  return 0;
}

/* --- prove and verify ------------------------------------------------------------ */

/* The leaf hash of the record in question: from --leaf-hash or --record. */
static int record_leaf(const ds_opts *o, mp_dsformat fmt, uint8_t leaf[MP_SHA256_LEN], mp_err *e) {
  if (o->leaf_hex) {
    if (mp_parse_sha256(o->leaf_hex, leaf) != 0)
      return mp_err_set(e, MP_EUSAGE, "--leaf-hash wants 64 hex digits (SHA-256(0x00 || record))");
    return 0;
  }
  return mp_dsrec_leaf_of_file(o->record, fmt, leaf, NULL, e);
}

static void describe(const mp_dsproof *p, char *buf, size_t len) {
  const mp_dsproof_leaf *a = &p->leaves[0];
  if (p->kind == MP_DSPROOF_INCLUDED)
    snprintf(buf, len, "included: the record is leaf %llu of the %llu records of dataset \"%s\"",
             (unsigned long long)a->index, (unsigned long long)p->size, p->name);
  else if (p->nleaves == 2)
    snprintf(buf, len, "not included: the record is none of the %llu distinct records of dataset \"%s\" "
             "(its hash sorts between leaves %llu and %llu)", (unsigned long long)p->size, p->name,
             (unsigned long long)a->index, (unsigned long long)p->leaves[1].index);
  else
    snprintf(buf, len, "not included: the record is none of the %llu distinct records of dataset \"%s\" "
             "(its hash sorts %s all of them)", (unsigned long long)p->size, p->name, a->index == 0 ? "before" : "after");
}

static json_t *proof_json(const mp_dsproof *p, const uint8_t leaf[MP_SHA256_LEN]) {
  char h[65], r[65];
  hex32(leaf, h);
  hex32(p->root, r);
  json_t *idx = json_array();
  for (size_t i = 0; i < p->nleaves; i++) json_array_append_new(idx, json_integer((json_int_t)p->leaves[i].index));
  return json_pack("{s:b, s:s, s:s, s:s, s:I, s:s, s:o}", "included", p->kind == MP_DSPROOF_INCLUDED, "dataset",
                   p->name, "leafHash", h, "tree", p->kind == MP_DSPROOF_INCLUDED ? "records" : "sorted",
                   "treeSize", (json_int_t)p->size, "root", r, "leafIndexes", idx);
}

static int ds_prove(ds_opts *o) {
  const char *cmd = "dataset prove";
  if (!o->tree || (!o->record == !o->leaf_hex) || o->argc)
    return cli_usage_error(cmd, "give --tree TREE and one of --record FILE or --leaf-hash HEX");
  if (!o->out && !o->record) return cli_usage_error(cmd, "--leaf-hash needs --out PROOF");
  mp_err e;
  mp_err_clear(&e);
  mp_dstree *t = NULL;
  mp_dsproof *p = NULL;
  uint8_t leaf[MP_SHA256_LEN], *buf = NULL;
  size_t len = 0;
  char *out = NULL;
  int rc = mp_dstree_load(o->tree, (unsigned)o->threads, &t, &e);
  if (rc == 0) rc = record_leaf(o, t->format, leaf, &e);
  if (rc == 0) rc = mp_dsproof_make(t, leaf, &p, &e);
  if (rc == 0) rc = mp_dsproof_encode(p, &buf, &len, &e);
  if (rc == 0) {
    if (o->out) out = strdup(o->out);
    else if ((out = malloc(strlen(o->record) + 9))) sprintf(out, "%s.mpproof", o->record);
    rc = out ? mp_write_file(out, buf, len, 0644, 0, &e) : mp_err_set(&e, MP_ENOMEM, "out of memory");
  }
  if (rc == 0 && !o->quiet) {
    if (o->json) {
      json_t *j = proof_json(p, leaf);
      json_object_set_new(j, "proof", json_string(out));
      json_object_set_new(j, "proofBytes", json_integer((json_int_t)len));
      json_object_set_new(j, "occurrences", json_integer((json_int_t)p->occurrences));
      print_json(j);
    } else {
      char what[512];
      describe(p, what, sizeof what);
      printf("%s%s\nproof: %s (%zu bytes)\n", what,
             p->occurrences > 1 ? " (the first of its occurrences)" : "", out, len);
    }
  }
  mp_dsproof_free(p);
  mp_dstree_free(t);
  free(buf);
  free(out);
  return rc ? cli_fail(cmd, &e) : 0;
}

static int ds_verify(ds_opts *o) {
  const char *cmd = "dataset verify";
  if (!o->provenance || !o->proof || (!o->record == !o->leaf_hex) || o->argc)
    return cli_usage_error(cmd, "give --provenance P, --proof PROOF and one of --record FILE or --leaf-hash HEX");
  if (o->keys.n == 0) return cli_usage_error(cmd, "no trusted key: give --key PUB");
  if (o->expect && strcmp(o->expect, "included") != 0 && strcmp(o->expect, "not-included") != 0)
    return cli_usage_error(cmd, "--expect is included or not-included");
  mp_err e;
  mp_err_clear(&e);
  uint8_t *buf = NULL, leaf[MP_SHA256_LEN];
  size_t len = 0;
  mp_dsproof *p = NULL;
  mp_attest_file *af = NULL;
  json_t *st = NULL;
  mp_dsse_result res;
  int rc = mp_read_file(o->proof, MP_DSPROOF_MAX, &buf, &len, &e);
  if (rc == MP_ELIMIT) rc = mp_err_set(&e, MP_EVERIFY, "%s: malformed proof file: larger than any proof", o->proof);
  else if (rc == 0 && (rc = mp_dsproof_parse(buf, len, &p, &e))) {
    mp_err_prefix(&e, "%s: malformed proof file", o->proof);
    e.code = rc = MP_EVERIFY;
  }
  if (rc == 0 && o->dataset && strcmp(o->dataset, p->name) != 0)
    rc = mp_err_set(&e, MP_EVERIFY, "the proof is about dataset \"%s\", not \"%s\"", p->name, o->dataset);
  if (rc == 0) rc = record_leaf(o, p->format, leaf, &e);
  /* a provenance that does not parse is refused like one that does not verify */
  if (rc == 0 && (rc = mp_attest_load(o->provenance, &af, &e)) == MP_EPARSE) e.code = rc = MP_EVERIFY;
  /* the first envelope that is signed by a trusted key and holds the dataset wins */
  for (size_t i = 0; rc == 0 && i < af->n; i++) {
    memset(&res, 0, sizeof res);
    rc = mp_attest_verify(&af->entries[i], (const mp_key *const *)o->keys.keys, o->keys.n, 1, &st, &res, &e);
    if (rc == 0) {
      rc = mp_dsclaim_verify(st, p, leaf, NULL, &e);
      if (rc) json_decref(st), st = NULL;
    }
    if (rc == 0 || i + 1 == af->n) break;
    rc = 0;
  }
  int included = p && p->kind == MP_DSPROOF_INCLUDED;
  if (rc == 0 && o->expect && included != (strcmp(o->expect, "included") == 0))
    rc = mp_err_set(&e, MP_EVERIFY, "the proof holds but shows the record %s, not %s",
                    included ? "included" : "not included", o->expect);
  if (rc == 0 && !o->quiet) {
    if (o->json) {
      json_t *j = proof_json(p, leaf);
      json_object_set_new(j, "verified", json_true());
      json_object_set_new(j, "provenance", json_string(o->provenance));
      print_json(j);
    } else {
      char what[512];
      describe(p, what, sizeof what);
      printf("%s\n  proof checked against the signed root of the %s tree in %s\n", what,
             included ? "record" : "sorted", o->provenance);
    }
  } else if (rc && o->json) {
    print_json(json_pack("{s:b, s:s, s:s}", "verified", 0, "error", e.msg, "provenance", o->provenance));
  }
  json_decref(st);
  mp_attest_file_free(af);
  mp_dsproof_free(p);
  free(buf);
  return rc ? cli_fail(cmd, &e) : 0;
}

int cmd_dataset(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *sub = argv[1];
  static const struct {
    const char *name;
    int (*fn)(ds_opts *);
  } subs[] = {{"commit", ds_commit}, {"add", ds_add}, {"prove", ds_prove}, {"verify", ds_verify}};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
    if (strcmp(sub, subs[i].name) != 0) continue;
    ds_opts o = {0};
    int rc = parse_opts(sub, argc - 1, argv + 1, &o);
    if (rc == 0) rc = subs[i].fn(&o);
    cli_keys_free(&o.keys);
    return rc < 0 ? 0 : rc;
  }
  return cli_usage_error("dataset", "unknown subcommand '%s' (commit, add, prove or verify)", sub);
}
