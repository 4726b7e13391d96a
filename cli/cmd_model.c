/* cmd_model.c — `mlprov model sign|verify|digest`: OpenSSF Model Signing
 * (OMS v1.0) signatures of model directories and files, interoperable with
 * the reference `model_signing` tool (see docs/model-signing.md). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "certs.h"
#include "cli.h"
#include "fileio.h"
#include "modeldir.h"
#include "oms.h"

static const char usage_text[] =
    "usage: mlprov model sign   --key PRIVATE [--cert LEAF.pem [--cert-chain PEM]...] [OPTIONS] MODEL\n"
    "       mlprov model verify (--key PUBLIC... | --cert-chain PEM...) [--ignore-unsigned-files]\n"
    "                           [--signature SIG] [--json] MODEL\n"
    "       mlprov model digest [OPTIONS] [--json] MODEL\n"
    "\n"
    "Signs and verifies models (a directory or one file) in the OpenSSF Model\n"
    "Signing v1.0 format: a Sigstore bundle holding a DSSE envelope with an\n"
    "in-toto Statement that lists every file's digest. `digest` prints the\n"
    "model's root digest, the same one `mlprov run` records for a directory.\n"
    "\n"
    "options:\n"
    " sign and digest:\n"
    "  -k, --key PRIVATE       signing key (ECDSA P-256/P-384/P-521; Ed25519 is an mlprov extension)\n"
    "      --cert LEAF.pem     sign with this certificate (its key is PRIVATE's public half)\n"
    "      --cert-chain PEM    certificates from LEAF up to the root, put in the bundle (repeatable)\n"
    "  -m, --method M          files (default: one digest per file) or shards (per byte range)\n"
    "      --shard-size N      shard size in bytes (default 1000000000)\n"
    "      --hash H            sha256 (default) or blake2b\n"
    "  -i, --ignore PATH       leave PATH (relative to MODEL) out (repeatable); .git, .github,\n"
    "                          .gitattributes, .gitignore and the signature file always are\n"
    "      --allow-symlinks    follow symbolic links that stay inside MODEL\n"
    "  -s, --signature FILE    bundle to write (default MODEL.sig); an existing one is kept as FILE.~N~\n"
    " verify:\n"
    "  -k, --key PUBLIC        trusted public key (repeatable)\n"
    "      --cert-chain PEM    trusted CA certificates: the bundle's chain must lead to one\n"
    "      --ignore-unsigned-files  files that are not in the signature do not fail verification\n"
    "  -s, --signature FILE    bundle to check (default MODEL.sig)\n"
    "      --json              print the verdict (and each finding) as JSON on stdout\n"
    " common:\n"
    "  -j, --threads N         hashing threads (default: one per CPU)\n"
    "  -q, --quiet             no progress line on stderr\n"
    "  -h, --help              this text\n"
    "\n"
    "verify names every missing, extra or changed file. The hashing options of\n"
    "verify come from the signature itself.\n"
    "exit status: 0 signed/verified, 1 verification failed or the model was refused\n"
    "             (e.g. a symbolic link without --allow-symlinks), 2 usage or I/O error\n"
    "example: mlprov model sign --key release.pem --method shards models/llama\n"
    "example: mlprov model verify --key release.pub.pem models/llama\n";

enum { OPT_CERT = 256, OPT_CHAIN, OPT_SHARD, OPT_HASH, OPT_SYMLINKS, OPT_UNSIGNED, OPT_JSON };

static const struct option opts[] = {
    {"key", required_argument, NULL, 'k'},        {"cert", required_argument, NULL, OPT_CERT},
    {"cert-chain", required_argument, NULL, OPT_CHAIN}, {"method", required_argument, NULL, 'm'},
    {"shard-size", required_argument, NULL, OPT_SHARD}, {"hash", required_argument, NULL, OPT_HASH},
    {"ignore", required_argument, NULL, 'i'},     {"allow-symlinks", no_argument, NULL, OPT_SYMLINKS},
    {"signature", required_argument, NULL, 's'},  {"ignore-unsigned-files", no_argument, NULL, OPT_UNSIGNED},
    {"json", no_argument, NULL, OPT_JSON},        {"threads", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

typedef struct args {
  const char *verb;
  const char **keys, **chains, **ignores;
  size_t nkeys, nchains, nignores;
  const char *cert, *signature, *model;
  mp_model_opts mo;
  int ignore_unsigned, json, quiet;
  int hashing;       /* a hashing option was given */
  char *sig_default;
} args;

static int push(const char ***v, size_t *n, const char *s) {
  const char **nv = realloc(*v, (*n + 2) * sizeof *nv);
  if (!nv) return -1;
  nv[(*n)++] = s;
  nv[*n] = NULL;
  *v = nv;
  return 0;
}

static void args_free(args *a) {
  free(a->keys);
  free(a->chains);
  free(a->ignores);
  free(a->sig_default);
}

/* An existing file at the signature path must be an earlier bundle: a model
 * file or anything else is never replaced by a signature. */
static int check_replaceable(const char *sig, mp_err *e) {
  if (access(sig, F_OK) != 0) return 0;
  mp_bundle *b = NULL;
  mp_err pe;
  if (mp_bundle_load(sig, &b, &pe) == 0) {
    mp_bundle_free(b);
    return 0;
  }
  return mp_err_set(e, MP_EEXISTS, "%s exists and is not a signature bundle: refusing to replace it (choose --signature)", sig);
}

/* Parses the options; returns -1 when parsing should stop with *status. */
static int parse(args *a, int argc, char **argv, int *status) {
  int c;
  long long v;
  optind = 1;
  while ((c = getopt_long(argc, argv, "k:m:i:s:j:qh", opts, NULL)) != -1) {
    int oom = 0;
    if (c == 'm' || c == OPT_SHARD || c == OPT_HASH || c == 'i' || c == OPT_SYMLINKS || c == OPT_CERT)
      a->hashing = 1;
    switch (c) {
      case 'k': oom = push(&a->keys, &a->nkeys, optarg); break;
      case OPT_CERT: a->cert = optarg; break;
      case OPT_CHAIN: oom = push(&a->chains, &a->nchains, optarg); break;
      case 'm':
        if (strcmp(optarg, "files") == 0) a->mo.method = MP_MODEL_FILES;
        else if (strcmp(optarg, "shards") == 0) a->mo.method = MP_MODEL_SHARDS;
        else return *status = cli_usage_error("model", "--method wants files or shards, not '%s'", optarg), -1;
        break;
      case OPT_SHARD:
        if ((v = cli_parse_count(optarg)) < 1)
          return *status = cli_usage_error("model", "--shard-size wants a positive number of bytes"), -1;
        a->mo.shard_size = (uint64_t)v;
        break;
      case OPT_HASH:
        if (strcmp(optarg, "sha256") && strcmp(optarg, "blake2b"))
          return *status = cli_usage_error("model", "--hash wants sha256 or blake2b, not '%s'", optarg), -1;
        a->mo.hash = optarg;
        break;
      case 'i': oom = push(&a->ignores, &a->nignores, optarg); break;
      case OPT_SYMLINKS: a->mo.allow_symlinks = 1; break;
      case 's': a->signature = optarg; break;
      case OPT_UNSIGNED: a->ignore_unsigned = 1; break;
      case OPT_JSON: a->json = 1; break;
      case 'j':
        if ((v = cli_parse_count(optarg)) < 0 || v > 1024)
          return *status = cli_usage_error("model", "--threads wants a number from 0 (one per CPU) to 1024"), -1;
        a->mo.threads = (unsigned)v;
        break;
      case 'q': a->quiet = 1; break;
      case 'h': fputs(usage_text, stdout); return *status = 0, -1;
      default: return *status = cli_usage_error("model", "bad option"), -1;
    }
    if (oom) return *status = 2, fprintf(stderr, "mlprov model: out of memory\n"), -1;
  }
  if (argc - optind != 1)
    return *status = cli_usage_error("model", "%s wants exactly one MODEL (a directory or a file)", a->verb), -1;
  a->model = argv[optind];
  a->mo.ignore = a->ignores;
  if (a->mo.shard_size && a->mo.method != MP_MODEL_SHARDS)
    return *status = cli_usage_error("model", "--shard-size goes with --method shards"), -1;
  if (!a->signature && !(a->signature = a->sig_default = mp_oms_signature_path(a->model)))
    return *status = 2, fprintf(stderr, "mlprov model: out of memory\n"), -1;
  return 0;
}

/* Rejects options that belong to another verb. */
static int only(const args *a, int sign_opts, int verify_opts) {
  if (!sign_opts && a->hashing)
    return cli_usage_error("model", "%s takes the hashing options from the signature", a->verb);
  if (!verify_opts && (a->ignore_unsigned))
    return cli_usage_error("model", "--ignore-unsigned-files goes with verify");
  return 0;
}

static int model_sign(args *a) {
  int status = only(a, 1, 0);
  if (status) return status;
  if (a->nkeys != 1) return cli_usage_error("model", "sign wants exactly one --key PRIVATE");
  if (a->nchains && !a->cert) return cli_usage_error("model", "--cert-chain needs --cert LEAF.pem when signing");
  mp_err e;
  mp_err_clear(&e);
  cli_keys keys = {0};
  mp_certs *chain = NULL;
  mp_model *m = NULL;
  char *bundle = NULL, *backup = NULL;
  size_t blen = 0;
  cli_progress pr;
  cli_progress_init(&pr, "hashing", a->quiet);
  a->mo.signature = a->signature;
  a->mo.require_files = 1;
  a->mo.ignore_must_exist = 1;
  a->mo.progress = cli_progress_cb;
  a->mo.progress_ctx = &pr;
  int rc = cli_keys_add(&keys, a->keys[0], 1, &e);
  if (rc == 0 && a->cert && (rc = mp_certs_new(&chain, &e)) == 0) {
    rc = mp_certs_load_pem(chain, a->cert, &e);
    for (size_t i = 0; rc == 0 && i < a->nchains; i++) rc = mp_certs_load_pem(chain, a->chains[i], &e);
  }
  if (rc == 0) rc = check_replaceable(a->signature, &e);
  if (rc == 0) rc = mp_model_scan(a->model, &a->mo, &m, &e);
  if (rc == 0) {
    pr.total = m->total_bytes;
    rc = mp_model_hash(m, &a->mo, NULL, &e);
    cli_progress_done(&pr);
  }
  if (rc == 0) rc = mp_oms_sign(m, keys.keys[0], chain, &bundle, &blen, &e);
  if (rc == 0 && (rc = mp_file_backup(a->signature, 0, &backup, &e)) == 0)
    rc = mp_write_file(a->signature, bundle, blen, 0644, 0, &e);
  if (rc == 0) {
    printf("signed %s: %zu file(s), %zu resource(s), %" PRIu64 " bytes, %s\nroot sha256:%s\nsignature written to %s\n",
           a->model, m->nfiles, m->nresources, m->total_bytes,
           m->method == MP_MODEL_SHARDS ? "shards" : "files", m->root_hex, a->signature);
    if (backup) printf("previous signature kept as %s\n", backup);
    if (mp_key_get_type(keys.keys[0]) == MP_KEY_ED25519)
      fprintf(stderr, "mlprov model: note: Ed25519 is an mlprov extension; the reference model_signing tool verifies ECDSA only\n");
    status = 0;
  } else {
    status = cli_fail("model sign", &e);
  }
  free(bundle);
  free(backup);
  mp_model_free(m);
  mp_certs_free(chain);
  cli_keys_free(&keys);
  return status;
}

static void print_verdict(const args *a, const mp_oms_report *rep, const mp_bundle *b, int rc,
                          const mp_err *e) {
  if (a->json) {
    json_t *f = json_array();
    for (size_t i = 0; f && i < rep->nfindings; i++)
      json_array_append_new(f, json_pack("{s:s, s:s, s:s}", "kind", mp_oms_finding_name(rep->findings[i].kind),
                                         "path", rep->findings[i].path, "detail", rep->findings[i].detail));
    json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:o, s:I, s:I}", "verified", rc == 0, "model", a->model,
                          "signature", a->signature, "error", rc ? e->msg : "", "findings", f,
                          "files_verified", (json_int_t)rep->files_verified, "unsigned_ignored",
                          (json_int_t)rep->unsigned_ignored);
    if (j && b) json_object_set_new(j, "method", json_string(mp_bundle_kind_name(b->kind)));
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (s) puts(s);
    free(s);
    json_decref(j);
  }
  for (size_t i = 0; i < rep->nfindings; i++)
    fprintf(stderr, "  %-8s %s: %s\n", mp_oms_finding_name(rep->findings[i].kind), rep->findings[i].path,
            rep->findings[i].detail);
  if (rc == 0 && !a->json) {
    printf("VERIFIED %s: %zu file(s) match the %s signature %s", a->model, rep->files_verified,
           mp_bundle_kind_name(b->kind), a->signature);
    if (rep->unsigned_ignored) printf(" (%zu unsigned file(s) ignored)", rep->unsigned_ignored);
    printf("\n");
  }
}

static int model_verify(args *a) {
  if (a->cert) return cli_usage_error("model", "--cert goes with sign; verify trusts CA certificates given with --cert-chain");
  int status = only(a, 0, 1);
  if (status) return status;
  if (!a->nkeys == !a->nchains)
    return cli_usage_error("model", "verify wants either --key PUBLIC or --cert-chain PEM (trusted certificates)");
  mp_err e;
  mp_err_clear(&e);
  cli_keys keys = {0};
  mp_certs *trusted = NULL;
  mp_bundle *b = NULL;
  mp_oms_manifest *mf = NULL;
  mp_oms_report rep = {0};
  cli_progress pr;
  cli_progress_init(&pr, "hashing", a->quiet);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < a->nkeys; i++) rc = cli_keys_add(&keys, a->keys[i], 0, &e);
  if (rc == 0 && a->nchains && (rc = mp_certs_new(&trusted, &e)) == 0)
    for (size_t i = 0; rc == 0 && i < a->nchains; i++) rc = mp_certs_load_pem(trusted, a->chains[i], &e);
  if (rc == 0) rc = mp_bundle_load(a->signature, &b, &e);
  if (rc == 0) rc = mp_oms_verify_bundle(b, (const mp_key *const *)keys.keys, keys.n, trusted, &mf, &e);
  if (rc == 0) {
    mp_oms_check_opts co = {.signature = a->signature, .ignore_unsigned = a->ignore_unsigned,
                            .threads = a->mo.threads, .progress = cli_progress_cb,
                            .progress_ctx = &pr, .total_bytes = &pr.total};
    rc = mp_oms_check_model(mf, a->model, &co, &rep, &e);
    cli_progress_done(&pr);
  }
  /* a model that cannot be read is an I/O error, one that does not match is refused */
  if (rc == 0 || rep.nfindings || a->json) print_verdict(a, &rep, b, rc, &e);
  status = rc ? cli_fail("model verify", &e) : 0;
  mp_oms_report_free(&rep);
  mp_oms_manifest_free(mf);
  mp_bundle_free(b);
  mp_certs_free(trusted);
  cli_keys_free(&keys);
  return status;
}

static int model_digest(args *a) {
  int status = only(a, 1, 0);
  if (status) return status;
  if (a->nkeys || a->cert || a->nchains) return cli_usage_error("model", "digest takes no key or certificate");
  mp_err e;
  mp_err_clear(&e);
  cli_progress pr;
  cli_progress_init(&pr, "hashing", a->quiet);
  a->mo.require_files = 1;
  a->mo.ignore_must_exist = 1;
  a->mo.progress = cli_progress_cb;
  a->mo.progress_ctx = &pr;
  mp_model *m = NULL;
  int rc = mp_model_scan(a->model, &a->mo, &m, &e);
  if (rc == 0) {
    pr.total = m->total_bytes;
    rc = mp_model_hash(m, &a->mo, NULL, &e);
    cli_progress_done(&pr);
  }
  if (rc) {
    mp_model_free(m);
    return cli_fail("model digest", &e);
  }
  if (a->json) {
    json_t *st = mp_oms_statement(m);
    char *s = st ? json_dumps(st, JSON_INDENT(2)) : NULL;
    if (s) puts(s);
    else status = 2, fprintf(stderr, "mlprov model digest: out of memory\n");
    free(s);
    json_decref(st);
  } else {
    printf("sha256:%s\n", m->root_hex);
  }
  mp_model_free(m);
  return status;
}

int cmd_model(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  args a = {.verb = argv[1]};
  int (*fn)(args *) = strcmp(a.verb, "sign") == 0     ? model_sign
                      : strcmp(a.verb, "verify") == 0 ? model_verify
                      : strcmp(a.verb, "digest") == 0 ? model_digest
                                                      : NULL;
  if (!fn) return cli_usage_error("model", "unknown verb '%s' (want sign, verify or digest)", a.verb);
  int status = 0;
  if (parse(&a, argc - 1, argv + 1, &status) == 0) status = fn(&a);
  args_free(&a);
  return status;
}
