/* gen_lineage.c — benchmark data for the policy gate: a 3-generation lineage
 * (pretrain -> finetune -> distil) whose provenances each carry NDEPS package
 * dependencies, signed with a fresh P-256 key, plus a policy exercising every
 * rule. Usage: gen_lineage DIR NDEPS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest.h"
#include "digest.h"
#include "keys.h"
#include "statement.h"

static json_t *statement(const char *model_hex, const char *name, int ndeps, const char *base_hex,
                         const char *base_prov, const char *base_path) {
  json_t *deps = json_array();
  for (int i = 0; i < ndeps; i++) {
    char purl[128], pname[64];
    snprintf(pname, sizeof pname, "package-%05d", i);
    snprintf(purl, sizeof purl, "pkg:pypi/%s@1.%d.%d", pname, i % 7, i % 13);
    json_t *rd = mp_rd_new(pname, purl, NULL, NULL);
    mp_rd_annotate(rd, "kind", json_string("package"));
    mp_rd_annotate(rd, "version", json_sprintf("1.%d.%d", i % 7, i % 13));
    json_array_append_new(deps, rd);
  }
  json_t *ds = mp_rd_new("corpus", "file:///data/corpus.txt", "sha256",
                         "1111111111111111111111111111111111111111111111111111111111111111");
  mp_rd_annotate(ds, "kind", json_string("dataset"));
  json_array_append_new(deps, ds);
  if (base_hex) {
    char *uri = mp_file_uri(base_path);
    json_t *b = mp_rd_new("base", uri, "sha256", base_hex);
    free(uri);
    mp_rd_annotate(b, "kind", json_string("base-model"));
    mp_rd_annotate(b, "provenance", json_string(base_prov));
    json_array_append_new(deps, b);
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char ts[64];
  mp_time_format(&now, ts, sizeof ts);
  return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:{s:s, s:{s:[s]}, s:o}, s:{s:{s:s}, s:{s:s, s:s, s:s}}}}",
                   "_type", MP_STATEMENT_TYPE, "subject", "name", name, "digest", "sha256", model_hex, "predicateType",
                   MP_SLSA_PROVENANCE_V1, "predicate", "buildDefinition", "buildType",
                   "https://mlprov.dev/buildtypes/training/v1", "externalParameters", "command", "train",
                   "resolvedDependencies", deps, "runDetails", "builder", "id", "https://mlprov.dev/recorder/local",
                   "metadata", "invocationId", name, "startedOn", ts, "finishedOn", ts);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: gen_lineage DIR NDEPS\n");
    return 2;
  }
  const char *dir = argv[1];
  int ndeps = atoi(argv[2]);
  mkdir(dir, 0755);
  mp_err e;
  mp_key *k = NULL;
  char path[4096], keyp[4096];
  snprintf(keyp, sizeof keyp, "%s/key.pub.pem", dir);
  if (mp_key_generate(MP_KEY_ECDSA_P256, &k, &e) || mp_key_write_public(k, keyp, 0, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  const char *names[3] = {"pretrain", "finetune", "distil"};
  char prev_hex[65] = "", prev_prov[4096] = "", prev_path[4096] = "";
  for (int g = 0; g < 3; g++) {
    char model[4096];
    snprintf(model, sizeof model, "%s/%s.bin", dir, names[g]);
    FILE *f = fopen(model, "w");
    fprintf(f, "weights of %s\n", names[g]);
    fclose(f);
    mp_file_digest d;
    mp_digest_file(model, "sha256", &d, &e);
    json_t *st = statement(d.hex, names[g], ndeps, g ? prev_hex : NULL, prev_prov, prev_path);
    mp_dsse *env = NULL;
    mp_attest_paths paths;
    const mp_key *ks[1] = {k};
    if (mp_attest_sign(st, ks, 1, &env, &e) || mp_attest_write(env, model, 1, &paths, &e)) {
      fprintf(stderr, "%s\n", e.msg);
      return 1;
    }
    snprintf(prev_prov, sizeof prev_prov, "%s", paths.jsonl);
    snprintf(prev_path, sizeof prev_path, "%s", model);
    memcpy(prev_hex, d.hex, sizeof prev_hex);
    mp_attest_paths_free(&paths);
    mp_dsse_free(env);
    json_decref(st);
  }
  snprintf(path, sizeof path, "%s/policy.yaml", dir);
  FILE *p = fopen(path, "w");
  fprintf(p,
          "version: 1\nsigners:\n  keys: [{file: key.pub.pem}]\nbuilder:\n  ids: [\"https://mlprov.dev/*\"]\n"
          "  max_age: 1d\ndependencies:\n  deny:\n    - {purl: pkg:pypi/torchtriton, versions: \"*\"}\n"
          "    - {purl: pkg:pypi/package-00001, versions: \"<1.0\"}\n  require_pinned: true\n"
          "  allowed_indexes: [https://pypi.org/simple]\ndatasets:\n  allow: [{name: corpus, digest: "
          "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"}]\n"
          "lineage:\n  base_models: this\n  max_depth: 3\n  require_verified: true\n");
  fclose(p);
  mp_key_free(k);
  return 0;
}
