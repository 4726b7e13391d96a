/* gen_provenance.c — signed provenance shaped like `mlprov run` writes it, for
 * the index tests and benchmark (never for real use: digests are synthetic).
 * Statements are built with jansson and signed with lib/attest.c
 * (mp_attest_sign, so each one is checked), written as JSON Lines envelopes.
 *
 *   gen_provenance --key K.pem [--key K2.pem...] --out DIR --spec FILE
 *     one job a line: NAME [time=T] [dep=PURL]... [dataset=NAME]... [base=NAME] [key=N]
 *     writes DIR/NAME.intoto.jsonl; prints "NAME sha256:MODEL" per job. The
 *     model of NAME has digest sha256("model:NAME"), dataset D sha256("dataset:D")
 *     and records Merkle root sha256("root:D"), so a spec can name its lineage.
 *   gen_provenance --key K.pem... --out DIR --bulk N [--first I] [--deps 300]
 *                  [--per-file 1000] [--threads T]
 *     records I..I+N-1, deterministic in their index: DEPS pypi packages from
 *     500 environments over 3,000 packages (~10 versions each, 5 pinned
 *     differently per record),
 *     torchtriton nightlies (2.0.0.devYYYYMMDD, 60 of them) in 1 record of 5,
 *     two datasets, a base model (an earlier record) for 3 in 10, key i % nkeys,
 *     finishedOn 2026-01-01 + i minutes. Files DIR/bulk-NNNNNN.intoto.jsonl.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest.h"
#include "digest.h"
#include "encoding.h"
#include "statement.h"

static mp_key *keys[64];
static size_t nkeys;

static void hex_of(const char *prefix, const char *name, char out[65]) {
  char buf[1024];
  uint8_t h[MP_SHA256_LEN];
  snprintf(buf, sizeof buf, "%s:%s", prefix, name);
  mp_sha256(buf, strlen(buf), h);
  mp_hex_encode(h, MP_SHA256_LEN, out);
}

static json_t *dep(const char *kind, const char *name, const char *uri, const char *hex) {
  json_t *rd = mp_rd_new(name, uri, hex ? "sha256" : NULL, hex);
  mp_rd_annotate(rd, "kind", json_string(kind));
  return rd;
}

static json_t *package(const char *purl) {
  const char *slash = strrchr(purl, '/'), *at = strrchr(purl, '@');
  char name[256];
  snprintf(name, sizeof name, "%.*s", (int)((at ? at : purl + strlen(purl)) - slash - 1), slash + 1);
  json_t *rd = dep("package", name, purl, NULL);
  if (at) mp_rd_annotate(rd, "version", json_string(at + 1));
  return rd;
}

static json_t *dataset(const char *name) {
  char d[65], r[65];
  hex_of("dataset", name, d);
  hex_of("root", name, r);
  json_t *rd = dep("dataset", name, NULL, d);
  mp_rd_annotate(rd, "recordsMerkleRoot", json_string(r));
  mp_rd_annotate(rd, "recordCount", json_integer(1000));
  return rd;
}

static json_t *statement(const char *model_name, const char *model_hex, json_t *deps, int64_t minutes,
                         const char *invocation) {
  char started[64], finished[64];
  struct timespec ts = {.tv_sec = 1767225600 + minutes * 60 - 30}; /* 2026-01-01 */
  mp_time_format(&ts, started, sizeof started);
  ts.tv_sec += 30;
  mp_time_format(&ts, finished, sizeof finished);
  json_t *subj = mp_rd_new(model_name, NULL, "sha256", model_hex);
  mp_rd_annotate(subj, "role", json_string("model"));
  char commit[65];
  hex_of("commit", invocation, commit);
  commit[40] = '\0';
  json_t *src = mp_rd_new("source", "git+https://git.example/ml/train", "gitCommit", commit);
  mp_rd_annotate(src, "kind", json_string("source"));
  mp_rd_annotate(src, "repository", json_string("https://git.example/ml/train"));
  mp_rd_annotate(src, "branch", json_string("main"));
  mp_rd_annotate(src, "dirty", json_false());
  json_array_insert_new(deps, 0, src);
  return json_pack("{s:s, s:[o], s:s, s:{s:{s:s, s:{s:[s,s]}, s:{}, s:o}, s:{s:{s:s, s:{s:s}}, s:{s:s, s:s, s:s}}}}",
                   "_type", MP_STATEMENT_TYPE, "subject", subj, "predicateType", MP_SLSA_PROVENANCE_V1, "predicate",
                   "buildDefinition", "buildType", "https://mlprov.dev/buildtypes/training/v1", "externalParameters",
                   "command", "python", "train.py", "internalParameters", "resolvedDependencies", deps, "runDetails",
                   "builder", "id", "https://ci.example/runner", "version", "mlprov", "0.1.0", "metadata",
                   "invocationId", invocation, "startedOn", started, "finishedOn", finished);
}

/* Signs st with key k and appends the envelope line to f. */
static int emit(FILE *f, json_t *st, size_t k) {
  mp_err e;
  mp_err_clear(&e);
  mp_dsse *d = NULL;
  const mp_key *key = keys[k % nkeys];
  char *js = NULL;
  size_t len = 0;
  int rc = mp_attest_sign(st, &key, 1, &d, &e);
  if (rc == 0) rc = mp_dsse_to_json(d, &js, &len, &e);
  if (rc == 0 && (fwrite(js, 1, len, f) != len || fputc('\n', f) == EOF))
    rc = mp_err_set(&e, MP_EIO, "write failed");
  if (rc) fprintf(stderr, "gen_provenance: %s\n", e.msg);
  free(js);
  mp_dsse_free(d);
  return rc;
}

/* --- spec mode ---------------------------------------------------------------- */

static int spec_mode(const char *spec, const char *out) {
  FILE *in = fopen(spec, "r");
  if (!in) {
    perror(spec);
    return 2;
  }
  char line[8192];
  int lineno = 0, rc = 0;
  while (rc == 0 && fgets(line, sizeof line, in)) {
    lineno++;
    char *save = NULL, *name = strtok_r(line, " \t\n", &save);
    if (!name || name[0] == '#') continue;
    json_t *deps = json_array();
    int64_t minutes = lineno;
    size_t key = 0;
    for (char *w; (w = strtok_r(NULL, " \t\n", &save));) {
      if (strncmp(w, "dep=", 4) == 0) json_array_append_new(deps, package(w + 4));
      else if (strncmp(w, "dataset=", 8) == 0) json_array_append_new(deps, dataset(w + 8));
      else if (strncmp(w, "base=", 5) == 0) {
        char h[65];
        hex_of("model", w + 5, h);
        json_array_append_new(deps, dep("base-model", w + 5, NULL, h));
      } else if (strncmp(w, "minutes=", 8) == 0) minutes = atoll(w + 8);
      else if (strncmp(w, "key=", 4) == 0) key = (size_t)atoi(w + 4);
      else {
        fprintf(stderr, "%s:%d: unknown word %s\n", spec, lineno, w);
        rc = 2;
      }
    }
    char hex[65], path[4096], mname[300];
    hex_of("model", name, hex);
    snprintf(mname, sizeof mname, "%s.bin", name);
    json_t *st = statement(mname, hex, deps, minutes, name);
    snprintf(path, sizeof path, "%s/%s.intoto.jsonl", out, name);
    FILE *f = rc ? NULL : fopen(path, "w");
    if (!rc && (!f || emit(f, st, key))) rc = 2;
    if (f && fclose(f)) rc = 2;
    json_decref(st);
    if (!rc) printf("%s sha256:%s\n", name, hex);
  }
  fclose(in);
  return rc;
}

/* --- bulk mode ---------------------------------------------------------------- */

typedef struct bulk {
  const char *out;
  long long first, n, per_file, deps;
  unsigned threads, me;
  int rc;
} bulk;

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static json_t *bulk_record(long long i, long long ndeps, char hex[65]) {
  char name[64], buf[256];
  json_t *deps = json_array();
  long long env = i % 500;
  for (long long j = 0; j < ndeps; j++) {
    /* an environment: ndeps of 3,000 packages, at the version current in its
     * epoch (10 epochs, so ~10 versions a package); a few pinned differently
     * per record (patch release 1) */
    long long pkg = (env * 7919 + j * 104729) % 3000;
    unsigned minor = (unsigned)((pkg * 31 + env / 50) % 10), patch = 0;
    if (j % 60 == (long long)(mix((uint64_t)i) % 60)) {
      minor = (unsigned)(mix((uint64_t)i * 3000 + (uint64_t)pkg) % 10);
      patch = 1;
    }
    snprintf(buf, sizeof buf, "pkg:pypi/pkg%04lld@1.%u.%u", pkg, minor, patch);
    json_array_append_new(deps, package(buf));
  }
  if (i % 5 == 0) {
    long long d = (i / 5) % 60;
    snprintf(buf, sizeof buf, "pkg:pypi/torchtriton@2.0.0.dev2022%02lld%02lld", 11 + d / 30, d % 30 + 1);
    json_array_append_new(deps, package(buf));
  }
  snprintf(name, sizeof name, "ds-%04lld", i % 1000);
  json_array_append_new(deps, dataset(name));
  snprintf(name, sizeof name, "crawl-%02lld", i % 37);
  json_array_append_new(deps, dataset(name));
  if (i >= 100 && mix((uint64_t)i ^ 0xabc) % 10 < 3) {
    long long parent = i - 1 - (long long)(mix((uint64_t)i) % 100);
    char ph[65];
    snprintf(name, sizeof name, "bulk-%lld", parent);
    hex_of("model", name, ph);
    json_array_append_new(deps, dep("base-model", name, NULL, ph));
  }
  snprintf(name, sizeof name, "bulk-%lld", i);
  hex_of("model", name, hex);
  char mname[80];
  snprintf(mname, sizeof mname, "bulk-%lld.bin", i);
  return statement(mname, hex, deps, i, name);
}

static void *bulk_thread(void *arg) {
  bulk *b = arg;
  long long nfiles = (b->n + b->per_file - 1) / b->per_file;
  for (long long fi = b->me; fi < nfiles && b->rc == 0; fi += b->threads) {
    char path[4096];
    long long start = b->first + fi * b->per_file;
    snprintf(path, sizeof path, "%s/bulk-%06lld.intoto.jsonl", b->out, start / b->per_file);
    FILE *f = fopen(path, "w");
    if (!f) {
      perror(path);
      b->rc = 2;
      break;
    }
    for (long long i = start; i < start + b->per_file && i < b->first + b->n && b->rc == 0; i++) {
      char hex[65];
      json_t *st = bulk_record(i, b->deps, hex);
      if (emit(f, st, (size_t)i)) b->rc = 2;
      json_decref(st);
    }
    if (fclose(f)) b->rc = 2;
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *out = NULL, *spec = NULL;
  long long n = -1, first = 0, deps = 300, per_file = 1000;
  unsigned threads = 2;
  mp_err e;
  int bad = argc % 2 == 0; /* options come in pairs */
  for (int i = 1; i + 1 < argc && !bad; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (strcmp(a, "--key") == 0) {
      if (nkeys == 64 || mp_key_load_private(v, &keys[nkeys], &e)) {
        fprintf(stderr, "gen_provenance: %s\n", nkeys == 64 ? "too many keys" : e.msg);
        return 2;
      }
      nkeys++;
    } else if (strcmp(a, "--out") == 0) out = v;
    else if (strcmp(a, "--spec") == 0) spec = v;
    else if (strcmp(a, "--bulk") == 0) n = atoll(v);
    else if (strcmp(a, "--first") == 0) first = atoll(v);
    else if (strcmp(a, "--deps") == 0) deps = atoll(v);
    else if (strcmp(a, "--per-file") == 0) per_file = atoll(v);
    else if (strcmp(a, "--threads") == 0) threads = (unsigned)atoi(v);
    else bad = 1;
  }
  if (bad || !nkeys || !out || (!spec && n < 1) || per_file < 1 || threads < 1 || threads > 64) {
    fprintf(stderr, "usage: gen_provenance --key K.pem... --out DIR (--spec FILE | --bulk N [--first I] [--deps D]"
                    " [--per-file F] [--threads T])\n");
    return 2;
  }
  int rc = 0;
  if (spec) {
    rc = spec_mode(spec, out);
  } else {
    bulk b[64];
    pthread_t th[64];
    for (unsigned t = 0; t < threads; t++) {
      b[t] = (bulk){.out = out, .first = first, .n = n, .per_file = per_file, .deps = deps, .threads = threads, .me = t};
      pthread_create(&th[t], NULL, bulk_thread, &b[t]);
    }
    for (unsigned t = 0; t < threads; t++) {
      pthread_join(th[t], NULL);
      if (b[t].rc) rc = b[t].rc;
    }
  }
  for (size_t k = 0; k < nkeys; k++) mp_key_free(keys[k]);
  return rc;
}
