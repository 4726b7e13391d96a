/* gate.c — see gate.h. One generation at a time: verify, then rules, then
 * recurse into base models with the policy the lineage section names. */
#include "gate.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "encoding.h"
#include "lineage.h"
#include "oms.h"
#include "purl.h"
#include "statement.h"
#include "verify.h"
#include "version.h"

typedef struct gctx {
  const mp_gate_opts *o;
  json_t *generations;
  json_t *failures;
  json_t *visiting;
  time_t now;
} gctx;

static void rule(json_t *rules, const char *name, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rule(json_t *rules, const char *name, const char *status, const char *fmt, ...) {
  char ev[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ev, sizeof ev, fmt, ap);
  va_end(ap);
  json_array_append_new(rules, json_pack("{s:s, s:s, s:s}", "rule", name, "status", status, "evidence", ev));
}

/* The resolved dependencies sorted by kind once per generation: every rule
 * walks one kind, and finding a dependency's kind means searching its
 * annotations (10,000 dependencies, five walks). */
enum { DEP_PACKAGE, DEP_DATASET, DEP_SOURCE, DEP_BASE_MODEL, DEP_KINDS };

typedef struct deps {
  const mp_pbs **of[DEP_KINDS];  /* in the provenance's order */
  size_t n[DEP_KINDS];
} deps;

static void deps_free(deps *d) {
  for (int k = 0; k < DEP_KINDS; k++) free(d->of[k]);
}

static int deps_index(const mp_pb_statement *st, deps *d) {
  static const char *const names[DEP_KINDS] = {"package", "dataset", "source", "base-model"};
  memset(d, 0, sizeof *d);
  const Google__Protobuf__ListValue *list = mp_pb_dependencies(st);
  size_t total = list ? list->n_values : 0;
  for (int k = 0; k < DEP_KINDS; k++)
    if (!(d->of[k] = malloc((total ? total : 1) * sizeof *d->of[k]))) {
      deps_free(d);
      return -1;
    }
  for (size_t i = 0; i < total; i++) {
    const mp_pbs *rd = mp_pbl_obj(list, i);
    const char *kind = mp_pb_rd_kind(rd);
    for (int k = 0; kind && k < DEP_KINDS; k++)
      if (strcmp(kind, names[k]) == 0) {
        d->of[k][d->n[k]++] = rd;
        break;
      }
  }
  return 0;
}

/* for (i = 0; (rd = dep_next(ds, DEP_PACKAGE, &i));) */
static const mp_pbs *dep_next(const deps *d, int kind, size_t *i) {
  return *i < d->n[kind] ? d->of[kind][(*i)++] : NULL;
}

/* Appends to a growing evidence buffer, keeping it bounded. */
static void add_ev(char *buf, size_t len, size_t *count, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_ev(char *buf, size_t len, size_t *count, const char *fmt, ...) {
  (*count)++;
  size_t used = strlen(buf);
  if (*count > 12) {
    if (*count == 13 && used + 8 < len) strcat(buf, "; …");
    return;
  }
  if (used && used + 2 < len) strcat(buf, "; "), used += 2;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + used, len - used, fmt, ap);
  va_end(ap);
}

static void rules_builder(const mp_policy *p, const mp_pb_statement *st, json_t *rules, time_t now) {
  const mp_pbs *pred = st->predicate;
  const char *id = mp_pbs_str(mp_pbs_obj(mp_pbs_obj(pred, "runDetails"), "builder"), "id");
  const char *bt = mp_pbs_str(mp_pbs_obj(pred, "buildDefinition"), "buildType");
  if (p->builder_ids.n) {
    int ok = 0;
    for (size_t i = 0; i < p->builder_ids.n && !ok; i++) ok = id && fnmatch(p->builder_ids.v[i], id, 0) == 0;
    rule(rules, "builder.ids", ok ? "PASS" : "FAIL", "builder id %s%s", id ? id : "(none)",
         ok ? " matches the policy" : " matches none of the allowed patterns");
  } else {
    rule(rules, "builder.ids", "SKIP", "not configured");
  }
  if (p->build_types.n) {
    int ok = 0;
    for (size_t i = 0; i < p->build_types.n && !ok; i++) ok = bt && strcmp(p->build_types.v[i], bt) == 0;
    rule(rules, "builder.build_types", ok ? "PASS" : "FAIL", "buildType %s%s", bt ? bt : "(none)",
         ok ? " is allowed" : " is not allowed");
  } else {
    rule(rules, "builder.build_types", "SKIP", "not configured");
  }
  if (p->max_age >= 0) {
    const char *fin = mp_pbs_str(mp_pbs_obj(mp_pbs_obj(pred, "runDetails"), "metadata"), "finishedOn");
    struct timespec ts;
    if (!fin || mp_time_parse(fin, &ts) != 0) {
      rule(rules, "builder.max_age", "FAIL", "the provenance has no runDetails.metadata.finishedOn");
    } else {
      long long age = (long long)(now - ts.tv_sec);
      rule(rules, "builder.max_age", age <= p->max_age ? "PASS" : "FAIL", "finished %s, %lld s ago (limit %lld s)", fin,
           age, (long long)p->max_age);
    }
  } else {
    rule(rules, "builder.max_age", "SKIP", "not configured");
  }
}

static void rules_dependencies(const mp_policy *p, const deps *ds, json_t *rules) {
  char deny_ev[2048] = "", pin_ev[2048] = "", idx_ev[2048] = "";
  size_t ndeny = 0, nunpinned = 0, nbadidx = 0;
  size_t i = 0;
  const mp_pbs *d;
  while ((d = dep_next(ds, DEP_PACKAGE, &i))) {
    const char *uri = mp_pbs_str(d, "uri");
    const char *ver = mp_pbs_str(mp_pbs_obj(d, "annotations"), "version");
    const char *name = mp_pbs_str(d, "name");
    mp_purl pu;
    int have = uri && mp_purl_parse(uri, &pu, NULL) == 0;
    if (have && !ver) ver = pu.version;
    for (size_t j = 0; have && j < p->ndeny; j++) {
      if (!mp_purl_same_package(&pu, &p->deny[j].parsed)) continue;
      if (mp_version_match(ver, p->deny[j].versions, NULL) == 1)
        add_ev(deny_ev, sizeof deny_ev, &ndeny, "%s version %s is denied by %s %s%s%s", uri, ver ? ver : "(none)",
               p->deny[j].purl, p->deny[j].versions, p->deny[j].reason ? ": " : "",
               p->deny[j].reason ? p->deny[j].reason : "");
    }
    if (!ver || !*ver) add_ev(pin_ev, sizeof pin_ev, &nunpinned, "%s has no version", uri ? uri : (name ? name : "?"));
    if (p->has_indexes && have) {
      char *repo = mp_purl_qualifier(&pu, "repository_url");
      const char *eff = repo ? repo : (strcmp(pu.type, "pypi") == 0 ? "https://pypi.org/simple" : NULL);
      int ok = 0;
      for (size_t j = 0; eff && j < p->allowed_indexes.n && !ok; j++) {
        size_t l = strlen(p->allowed_indexes.v[j]);
        while (l && p->allowed_indexes.v[j][l - 1] == '/') l--;
        size_t el = strlen(eff);
        while (el && eff[el - 1] == '/') el--;
        ok = el == l && strncmp(eff, p->allowed_indexes.v[j], l) == 0;
      }
      if (!ok) add_ev(idx_ev, sizeof idx_ev, &nbadidx, "%s comes from %s", uri, eff ? eff : "an unknown index");
      free(repo);
    } else if (p->has_indexes && !have) {
      add_ev(idx_ev, sizeof idx_ev, &nbadidx, "%s has no package URL", name ? name : "?");
    }
    if (have) mp_purl_free(&pu);
  }
  if (p->ndeny)
    rule(rules, "dependencies.deny", ndeny ? "FAIL" : "PASS", "%s", ndeny ? deny_ev : "no denied package among the dependencies");
  else
    rule(rules, "dependencies.deny", "SKIP", "not configured");
  if (p->require_pinned == 1)
    rule(rules, "dependencies.require_pinned", nunpinned ? "FAIL" : "PASS", "%s",
         nunpinned ? pin_ev : "every package has a version");
  else
    rule(rules, "dependencies.require_pinned", "SKIP", "not configured");
  if (p->has_indexes)
    rule(rules, "dependencies.allowed_indexes", nbadidx ? "FAIL" : "PASS", "%s",
         nbadidx ? idx_ev : "every package comes from an allowed index");
  else
    rule(rules, "dependencies.allowed_indexes", "SKIP", "not configured");
}

static void rules_datasets(const mp_policy *p, const deps *ds, json_t *rules) {
  char allow_ev[2048] = "", deny_ev[2048] = "";
  size_t nbad = 0, ndenied = 0, nds = 0;
  size_t i = 0;
  const mp_pbs *d;
  while ((d = dep_next(ds, DEP_DATASET, &i))) {
    nds++;
    const char *name = mp_pbs_str(d, "name");
    const char *dg = mp_pb_rd_digest(d, "sha256");
    const mp_pbs *ann = mp_pbs_obj(d, "annotations");
    const char *roots[3] = {mp_pbs_str(ann, "recordsMerkleRoot"), mp_pbs_str(ann, "merkleRoot"),
                            mp_pbs_str(ann, "recordsSortedRoot")};
    if (p->has_dataset_allow) {
      int ok = 0;
      for (size_t j = 0; j < p->ndatasets && !ok; j++) {
        const mp_policy_dataset *a = &p->datasets[j];
        if (!name || strcmp(a->name, name) != 0) continue;
        if (a->digest && dg && strcmp(a->digest, dg) == 0) ok = 1;
        for (int r = 0; r < 3 && !ok; r++) ok = a->merkle_root && roots[r] && strcmp(a->merkle_root, roots[r]) == 0;
      }
      if (!ok)
        add_ev(allow_ev, sizeof allow_ev, &nbad, "dataset %s (sha256:%s) is not on the allow-list", name ? name : "?",
               dg ? dg : "none");
    }
    for (size_t j = 0; dg && j < p->deny_dataset_digests.n; j++)
      if (strcmp(dg, p->deny_dataset_digests.v[j]) == 0)
        add_ev(deny_ev, sizeof deny_ev, &ndenied, "dataset %s has denied digest sha256:%s", name ? name : "?", dg);
  }
  if (p->has_dataset_allow)
    rule(rules, "datasets.allow", nbad ? "FAIL" : "PASS", "%s", nbad ? allow_ev : (nds ? "every dataset is allowed" : "no dataset recorded"));
  else
    rule(rules, "datasets.allow", "SKIP", "not configured");
  if (p->deny_dataset_digests.n)
    rule(rules, "datasets.deny_digests", ndenied ? "FAIL" : "PASS", "%s", ndenied ? deny_ev : "no denied dataset digest");
  else
    rule(rules, "datasets.deny_digests", "SKIP", "not configured");
}

static void rules_source(const mp_policy *p, const deps *ds, json_t *rules) {
  size_t i = 0;
  const mp_pbs *src = dep_next(ds, DEP_SOURCE, &i);
  const mp_pbs *ann = mp_pbs_obj(src, "annotations");
  const char *repo = mp_pbs_str(ann, "repository");
  const char *commit = mp_pb_rd_digest(src, "gitCommit");
  if (p->repositories.n) {
    int ok = 0;
    for (size_t j = 0; repo && j < p->repositories.n && !ok; j++) ok = fnmatch(p->repositories.v[j], repo, 0) == 0;
    rule(rules, "source.repositories", ok ? "PASS" : "FAIL", "%s%s", repo ? repo : "no git repository recorded",
         ok ? " is allowed" : (repo ? " is not an allowed repository" : ""));
  } else {
    rule(rules, "source.repositories", "SKIP", "not configured");
  }
  if (p->require_clean == 1) {
    int dirty = mp_pbs_bool(ann, "dirty");
    if (!src || dirty < 0) rule(rules, "source.require_clean", "FAIL", "no git working-tree state recorded");
    else if (dirty)
      rule(rules, "source.require_clean", "FAIL", "the working tree had %.0f uncommitted change(s)",
           mp_pbs_num(ann, "changedFiles", 0));
    else rule(rules, "source.require_clean", "PASS", "clean working tree at %s", commit ? commit : "?");
  } else {
    rule(rules, "source.require_clean", "SKIP", "not configured");
  }
  if (p->commits.n) {
    int ok = 0;
    for (size_t j = 0; commit && j < p->commits.n && !ok; j++) ok = strcmp(p->commits.v[j], commit) == 0;
    rule(rules, "source.commits", ok ? "PASS" : "FAIL", "commit %s%s", commit ? commit : "(none recorded)",
         ok ? " is required by the policy" : " is not one of the required commits");
  } else {
    rule(rules, "source.commits", "SKIP", "not configured");
  }
}

/* What the provenance would name for the model the manifest signed: the
 * files root for a directory, the file's SHA-256 for a single file. NULL
 * (with why) when the signature hashed another way. */
static const char *signed_digest(const mp_oms_manifest *mf, int is_file, char hex[2 * MP_DIGEST_MAX + 1],
                                 const char **why) {
  if (mf->method != MP_MODEL_FILES || strcmp(mf->hash, "sha256") != 0) {
    *why = "the signature hashes by shards or with BLAKE2b, not SHA-256 per file as the provenance does "
           "(sign with mlprov model sign --method files)";
    return NULL;
  }
  if (!is_file) {
    mp_hex_encode(mf->root, MP_SHA256_LEN, hex);
    return hex;
  }
  if (mf->nres != 1) {
    *why = "the model is one file but the signature covers several";
    return NULL;
  }
  mp_hex_encode(mf->res[0].digest, mf->res[0].digest_len, hex);
  return hex;
}

/* model.require_signature and model.digest_matches_provenance: the model's
 * OMS signature verifies with a trusted key or CA, the model on disk still
 * matches it, and it names the model the provenance names. */
static void rules_model(gctx *c, const mp_policy *p, const char *model_path, int present, int is_file,
                        const char *sig_given, const char *prov_digest, json_t *rules) {
  int want_sig = p->require_model_signature == 1, want_match = p->model_digest_matches == 1;
  if (!want_sig && !want_match) {
    rule(rules, "model.require_signature", "SKIP", "not configured");
    rule(rules, "model.digest_matches_provenance", "SKIP", "not configured");
    return;
  }
  char fail[MP_ERR_MSG_MAX + 512] = "";
  char *sig = NULL;
  mp_bundle *b = NULL;
  mp_oms_manifest *mf = NULL;
  mp_err e;
  mp_err_clear(&e);
  if (!present) {
    snprintf(fail, sizeof fail, "the model is not present%s%s: its signature cannot be checked",
             model_path ? " at " : "", model_path ? model_path : "");
  } else if (!(sig = sig_given ? strdup(sig_given) : mp_oms_signature_path(model_path))) {
    snprintf(fail, sizeof fail, "out of memory");
  } else if (access(sig, F_OK) != 0) {
    snprintf(fail, sizeof fail, "no model signature at %s (mlprov model sign writes one there)", sig);
  } else {
    size_t nkeys = 0;
    const mp_key **keys = mp_policy_model_keys(p, c->now, &nkeys);
    int rc = mp_bundle_load(sig, &b, &e);
    if (rc == 0 && !nkeys && !p->model_roots)
      rc = mp_err_set(&e, MP_EVERIFY, "no model signing key is valid now (all expired?)");
    if (rc == 0) rc = mp_oms_verify_bundle(b, keys, nkeys, p->model_roots, &mf, &e);
    if (rc) snprintf(fail, sizeof fail, "%s: %s", sig, e.msg);
    free(keys);
  }
  if (*fail) {
    if (want_sig) rule(rules, "model.require_signature", "FAIL", "%s", fail);
    else rule(rules, "model.require_signature", "SKIP", "not configured");
    if (want_match) rule(rules, "model.digest_matches_provenance", "FAIL", "%s", fail);
    else rule(rules, "model.digest_matches_provenance", "SKIP", "not configured");
    free(sig);
    mp_bundle_free(b);
    return;
  }
  const char *how = b->kind == MP_BUNDLE_CERT ? "a certificate chained to a trusted CA" : "a trusted key";
  if (want_sig) {
    mp_oms_report rep = {0};
    mp_oms_check_opts co = {.signature = sig, .ignore_unsigned = p->model_ignore_unsigned, .threads = c->o->threads};
    mp_err_clear(&e);
    int rc = mp_oms_check_model(mf, model_path, &co, &rep, &e);
    if (rc == 0) {
      rule(rules, "model.require_signature", "PASS", "%s, signed with %s: %zu file(s) match", sig, how,
           rep.files_verified);
    } else if (rep.nfindings) {
      char ev[2048] = "";
      size_t count = 0;
      for (size_t i = 0; i < rep.nfindings; i++)
        add_ev(ev, sizeof ev, &count, "%s %s%s%s", rep.findings[i].path, mp_oms_finding_name(rep.findings[i].kind),
               *rep.findings[i].detail ? ": " : "", rep.findings[i].detail);
      rule(rules, "model.require_signature", "FAIL", "%s does not match the model: %s", sig, ev);
    } else {
      rule(rules, "model.require_signature", "FAIL", "%s", e.msg);
    }
    mp_oms_report_free(&rep);
  } else {
    rule(rules, "model.require_signature", "SKIP", "not configured (the signature is verified for the digest rule)");
  }
  if (want_match) {
    char hex[2 * MP_DIGEST_MAX + 1];
    const char *why = NULL;
    const char *sd = signed_digest(mf, is_file, hex, &why);
    if (!sd)
      rule(rules, "model.digest_matches_provenance", "FAIL", "%s: %s", sig, why);
    else if (!prov_digest || strcmp(sd, prov_digest) != 0)
      rule(rules, "model.digest_matches_provenance", "FAIL",
           "the signature %s names sha256:%s, the provenance sha256:%s: they are not the same model", sig, sd,
           prov_digest ? prov_digest : "(none)");
    else
      rule(rules, "model.digest_matches_provenance", "PASS", "the signature and the provenance both name sha256:%s", sd);
  }
  mp_oms_manifest_free(mf);
  mp_bundle_free(b);
  free(sig);
}

static char *jsonl_beside(const char *model) {
  size_t ml = strlen(model);
  while (ml > 1 && model[ml - 1] == '/') ml--;
  size_t n = ml + sizeof MP_ATTEST_JSONL_SUFFIX;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%.*s%s", (int)ml, model, MP_ATTEST_JSONL_SUFFIX);
  return s;
}

static void fail_gen(gctx *c, json_t *gen, const char *label) {
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(gen, "rules"), i, r) {
    if (strcmp(json_string_value(json_object_get(r, "status")), "FAIL") != 0) continue;
    json_array_append_new(c->failures, json_sprintf("generation %lld (%s): %s: %s",
                                                    (long long)json_integer_value(json_object_get(gen, "depth")),
                                                    label, json_string_value(json_object_get(r, "rule")),
                                                    json_string_value(json_object_get(r, "evidence"))));
  }
}

/* Evaluates one generation; returns an I/O error code only for the first. */
static int eval_gen(gctx *c, const mp_policy *p, const char *label, const char *model_path, const char *expected,
                    const char *const *provs, size_t nprov, int depth, mp_err *e) {
  json_t *gen = json_pack("{s:i, s:s}", "depth", depth, "label", label);
  json_t *rules = json_array();
  json_object_set_new(gen, "rules", rules);
  json_array_append_new(c->generations, gen);
  char digest[65] = "";
  int present = model_path && access(model_path, F_OK) == 0, is_dir = 0;
  if (present) {
    mp_err he;
    mp_err_clear(&he);
    if (mp_artifact_digest(model_path, c->o->threads, digest, &is_dir, &he) != 0) {
      if (depth == 0) return mp_err_set(e, he.code, "%s", he.msg);
      rule(rules, "lineage.base_model_file", "FAIL", "%s", he.msg);
    }
    json_object_set_new(gen, "model", json_string(model_path));
    if (expected && *digest && strcmp(digest, expected) != 0) {
      rule(rules, "lineage.base_model_file", "FAIL",
           "%s hashes to sha256:%s but the fine-tuned model's provenance recorded sha256:%s (tampered or replaced)",
           model_path, digest, expected);
    } else if (expected && *digest) {
      rule(rules, "lineage.base_model_file", "PASS", "%s still hashes to the recorded sha256:%s", model_path, expected);
    }
  } else if (depth == 0) {
    return mp_err_set(e, MP_EIO, "reading model %s: no such file or directory", model_path);
  }
  if (expected) snprintf(digest, sizeof digest, "%s", expected);
  json_object_set_new(gen, "sha256", json_string(digest));

  /* trusted keys: the policy's (unexpired), else --key */
  size_t nkeys = 0;
  const mp_key **keys = NULL;
  size_t min_sigs = 1;
  if (p->has_signers) {
    keys = mp_policy_trusted_keys(p, c->now, &nkeys);
    min_sigs = p->min_signatures;
  } else {
    keys = calloc(c->o->nextra_keys + 1, sizeof *keys);
    for (size_t i = 0; keys && i < c->o->nextra_keys; i++) keys[nkeys++] = c->o->extra_keys[i];
  }
  mp_verified v = {0};
  int verified = 0;
  char reason[MP_ERR_MSG_MAX] = "no provenance file found";
  for (size_t i = 0; i < nprov && !verified; i++) {
    mp_err ve;
    mp_err_clear(&ve);
    int rc = nkeys ? mp_lineage_verify_file(provs[i], keys, nkeys, min_sigs, digest, &v, &ve)
                   : mp_err_set(&ve, MP_EVERIFY, "no trusted key is valid now (all expired?)");
    if (rc == 0) {
      verified = 1;
    } else {
      if (depth == 0 && rc != MP_EVERIFY && nprov == 1) {
        free(keys);
        return mp_err_set(e, rc, "%s", ve.msg);
      }
      memcpy(reason, ve.msg, sizeof reason);
      if (!json_object_get(gen, "provenance")) json_object_set_new(gen, "provenance", json_string(provs[i]));
    }
  }
  free(keys);
  if (!verified) {
    rule(rules, "signers", "FAIL", "%s", reason);
    fail_gen(c, gen, label);
    return 0;
  }
  json_object_set_new(gen, "signer", json_string(v.keyid));
  json_object_set_new(gen, "provenance", json_string(v.file));
  rule(rules, "signers", "PASS", "signed by trusted key %.16s (%zu valid signature(s), %zu required)", v.keyid,
       v.valid, min_sigs);
  rule(rules, "subject", "PASS", "the provenance names sha256:%s", digest);
  rules_builder(p, v.statement, rules, c->now);
  deps ds;
  if (deps_index(v.statement, &ds) != 0) {
    mp_verified_clear(&v);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  rules_dependencies(p, &ds, rules);
  rules_datasets(p, &ds, rules);
  rules_source(p, &ds, rules);
  rules_model(c, p, model_path, present, !is_dir, depth == 0 ? c->o->model_signature : NULL, digest, rules);

  /* lineage */
  size_t nbases = 0, bi = 0;
  while (dep_next(&ds, DEP_BASE_MODEL, &bi)) nbases++;
  if (!p->has_lineage) {
    rule(rules, "lineage", "SKIP", nbases ? "not configured (base models not followed)" : "not configured");
  } else if (nbases == 0) {
    rule(rules, "lineage", "PASS", "no base model: trained from scratch");
  } else {
    json_object_set_new(c->visiting, digest, json_true());
    int max_depth = p->max_depth >= 0 ? p->max_depth : 16;
    const mp_policy *bp = p->base_policy ? p->base_policy : p;
    size_t i = 0;
    const mp_pbs *b;
    while ((b = dep_next(&ds, DEP_BASE_MODEL, &i))) {
      const char *bn = mp_pbs_str(b, "name");
      const char *bd = mp_pb_rd_digest(b, "sha256");
      const char *hint = mp_pbs_str(mp_pbs_obj(b, "annotations"), "provenance");
      char blabel[512];
      snprintf(blabel, sizeof blabel, "base model %s", bn ? bn : "(unnamed)");
      if (depth + 1 > max_depth) {
        rule(rules, "lineage.max_depth", "FAIL", "%s is at depth %d, deeper than max_depth %d", blabel, depth + 1, max_depth);
        continue;
      }
      if (!bd) {
        rule(rules, "lineage.link", p->require_verified_links == 0 ? "SKIP" : "FAIL", "%s has no sha256 digest in the provenance", blabel);
        continue;
      }
      if (json_object_get(c->visiting, bd)) {
        rule(rules, "lineage.link", "FAIL", "%s (sha256:%s) is its own ancestor: cycle", blabel, bd);
        continue;
      }
      char *found = mp_lineage_find(hint, bd, c->o->search_dirs, c->o->nsearch);
      if (!found) {
        rule(rules, "lineage.link", p->require_verified_links == 0 ? "SKIP" : "FAIL",
             "no provenance found for %s sha256:%s (looked at %s and the search directories)", blabel, bd,
             hint ? hint : "no recorded path");
        continue;
      }
      rule(rules, "lineage.link", "PASS", "%s: provenance %s (evaluated as generation %d)", blabel, found, depth + 1);
      char *local = mp_lineage_local_path(b);
      const char *fp[1] = {found};
      eval_gen(c, bp, blabel, local, bd, fp, 1, depth + 1, e);
      free(local);
      free(found);
    }
    json_object_del(c->visiting, digest);
  }
  fail_gen(c, gen, label);
  deps_free(&ds);
  mp_verified_clear(&v);
  return 0;
}

int mp_gate_run(const mp_gate_opts *o, json_t **report, mp_err *e) {
  *report = NULL;
  gctx c = {.o = o, .generations = json_array(), .failures = json_array(), .visiting = json_object(),
            .now = o->now ? o->now : time(NULL)};
  char *guess = NULL;
  const char *const *provs = o->provenance;
  size_t nprov = o->nprovenance;
  const char *one[1];
  if (!nprov) {
    guess = jsonl_beside(o->model);
    one[0] = guess;
    provs = one;
    nprov = 1;
  }
  if (!o->policy->has_signers && o->nextra_keys == 0) {
    free(guess);
    json_decref(c.generations);
    json_decref(c.failures);
    json_decref(c.visiting);
    return mp_err_set(e, MP_EUSAGE, "policy %s names no trusted signers: add a signers section or give --key PUB",
                      o->policy->path);
  }
  int rc = eval_gen(&c, o->policy, "model", o->model, NULL, provs, nprov, 0, e);
  free(guess);
  json_decref(c.visiting);
  if (rc) {
    json_decref(c.generations);
    json_decref(c.failures);
    return rc;
  }
  int pass = json_array_size(c.failures) == 0;
  *report = json_pack("{s:s, s:{s:s, s:s}, s:s, s:o, s:o}", "verdict", pass ? "PASS" : "FAIL", "policy", "path",
                      o->policy->path, "sha256", o->policy->digest_hex, "model", o->model, "generations",
                      c.generations, "failures", c.failures);
  return pass ? 0 : MP_EVERIFY;
}

void mp_gate_print(const json_t *r, FILE *out) {
  size_t i, k;
  json_t *g, *rl;
  json_array_foreach(json_object_get(r, "generations"), i, g) {
    int depth = (int)json_integer_value(json_object_get(g, "depth"));
    const char *sha = json_string_value(json_object_get(g, "sha256"));
    fprintf(out, "%*sgeneration %d: %s  sha256:%.16s\n", depth * 2, "", depth,
            json_string_value(json_object_get(g, "label")), sha ? sha : "?");
    const char *prov = json_string_value(json_object_get(g, "provenance"));
    if (prov) fprintf(out, "%*s  provenance %s\n", depth * 2, "", prov);
    json_array_foreach(json_object_get(g, "rules"), k, rl) {
      fprintf(out, "%*s  %-4s %-32s %s\n", depth * 2, "", json_string_value(json_object_get(rl, "status")),
              json_string_value(json_object_get(rl, "rule")), json_string_value(json_object_get(rl, "evidence")));
    }
  }
  const char *verdict = json_string_value(json_object_get(r, "verdict"));
  if (strcmp(verdict, "PASS") == 0) {
    fprintf(out, "PASS: the model may be promoted under policy %s\n",
            json_string_value(json_object_get(json_object_get(r, "policy"), "path")));
  } else {
    fprintf(out, "FAIL:\n");
    json_array_foreach(json_object_get(r, "failures"), i, g) fprintf(out, "  %s\n", json_string_value(g));
  }
}
