/* policy.c — parsing and checking policy files (see policy.h and
 * docs/policy.md). The parser walks the YAML-as-JSON tree with an explicit
 * list of allowed keys per section, so every misspelling is reported with
 * the section it appeared in. */
#include "policy.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "encoding.h"
#include "fileio.h"
#include "statement.h"
#include "version.h"
#include "yamljson.h"

#define MP_POLICY_MAX (4u << 20)

typedef struct pctx {
  const char *what;
  const char *dir;
  mp_err *e;
  int depth;   /* nesting of base policies */
} pctx;

static int bad(pctx *c, const char *fmt, const char *a, const char *b) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  return mp_err_set(c->e, MP_EPARSE, "policy %s: %s", c->what, msg);
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int only_keys(pctx *c, const json_t *obj, const char *section, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, k) == 0;
    if (!ok) {
      char list[400] = "";
      for (const char *const *a = allowed; *a; a++) {
        strncat(list, *a, sizeof list - strlen(list) - 3);
        if (a[1]) strncat(list, ", ", sizeof list - strlen(list) - 1);
      }
      char msg[700];
      snprintf(msg, sizeof msg, "unknown key \"%s\" in %s (allowed: %s)", k, section, list);
      return mp_err_set(c->e, MP_EPARSE, "policy %s: %s", c->what, msg);
    }
  }
  return 0;
}

static int get_bool(pctx *c, const json_t *obj, const char *key, const char *section, int *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return 0;
  if (!json_is_boolean(v)) return bad(c, "%s: \"%s\" must be true or false", section, key);
  *out = json_is_true(v);
  return 0;
}

static int get_strlist(pctx *c, const json_t *obj, const char *key, const char *section, mp_strlist *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return 0;
  if (json_is_string(v)) {
    out->v = calloc(1, sizeof *out->v);
    if (!out->v || !(out->v[0] = strdup(json_string_value(v)))) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
    out->n = 1;
    return 0;
  }
  if (!json_is_array(v) || json_array_size(v) == 0)
    return bad(c, "%s: \"%s\" must be a string or a non-empty list of strings", section, key);
  out->v = calloc(json_array_size(v), sizeof *out->v);
  if (!out->v) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
  size_t i;
  json_t *x;
  json_array_foreach(v, i, x) {
    if (!json_is_string(x)) return bad(c, "%s: every entry of \"%s\" must be a string", section, key);
    if (!(out->v[out->n++] = strdup(json_string_value(x)))) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
  }
  return 0;
}

static void strlist_free(mp_strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

/* "sha256:HEX" or HEX -> lowercase hex copy; NULL if malformed. */
static char *norm_digest(const char *s) {
  if (strncmp(s, "sha256:", 7) == 0) s += 7;
  uint8_t raw[MP_SHA256_LEN];
  if (mp_hex_decode(s, strlen(s), raw, sizeof raw) != 0) return NULL;
  char *hex = malloc(2 * MP_SHA256_LEN + 1);
  if (hex) mp_hex_encode(raw, sizeof raw, hex);
  return hex;
}

/* "90d", "12h", "30m", "45s", "2w" or a number of seconds. */
static int parse_age(const json_t *v, int64_t *out) {
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return *out > 0 ? 0 : -1;
  }
  if (!json_is_string(v)) return -1;
  const char *s = json_string_value(v);
  char *end;
  long long n = strtoll(s, &end, 10);
  if (end == s || n <= 0) return -1;
  long long mult = 1;
  if (*end == 's') mult = 1;
  else if (*end == 'm') mult = 60;
  else if (*end == 'h') mult = 3600;
  else if (*end == 'd') mult = 86400;
  else if (*end == 'w') mult = 7 * 86400;
  else if (*end) return -1;
  if ((*end && end[1]) || n > INT64_MAX / mult) return -1;
  *out = n * mult;
  return 0;
}

static char *resolve(const char *dir, const char *path) {
  if (path[0] == '/' || !dir) return strdup(path);
  size_t n = strlen(dir) + strlen(path) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s/%s", dir, path);
  return out;
}

static int parse_keys(pctx *c, const json_t *arr, const char *section, mp_policy_key **out, size_t *nout) {
  if (!json_is_array(arr) || json_array_size(arr) == 0)
    return bad(c, "%s: \"keys\" must be a non-empty list", section, NULL);
  mp_policy_key *keys = calloc(json_array_size(arr), sizeof *keys);
  if (!keys) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
  *out = keys;
  size_t i;
  json_t *k;
  json_array_foreach(arr, i, k) {
    char where[128];
    snprintf(where, sizeof where, "%s.keys[%zu]", section, i);
    static const char *const allowed[] = {"file", "pem", "expires", "name", NULL};
    int rc;
    if (!json_is_object(k)) return bad(c, "%s: must be a mapping with file or pem", where, NULL);
    if ((rc = only_keys(c, k, where, allowed))) return rc;
    json_t *file = json_object_get(k, "file"), *pem = json_object_get(k, "pem");
    json_t *exp = json_object_get(k, "expires"), *name = json_object_get(k, "name");
    if ((file != NULL) == (pem != NULL) || (file && !json_is_string(file)) || (pem && !json_is_string(pem)))
      return bad(c, "%s: give exactly one of file or pem (a string)", where, NULL);
    if (name && !json_is_string(name)) return bad(c, "%s: name must be a string", where, NULL);
    if (exp) {
      struct timespec ts;
      if (!json_is_string(exp) || mp_time_parse(json_string_value(exp), &ts) != 0)
        return bad(c, "%s: expires must be an RFC 3339 time such as 2027-01-01T00:00:00Z", where, NULL);
      keys[*nout].expires = ts.tv_sec; /* set on the entry about to be counted */
    }
    /* counted before loading so that a failure frees what was set */
    mp_policy_key *pk = &keys[(*nout)++];
    if (file) {
      if (!(pk->source = resolve(c->dir, json_string_value(file)))) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
      if ((rc = mp_key_load_public(pk->source, &pk->key, c->e))) return mp_err_prefix(c->e, "policy %s: %s", c->what, where);
    } else {
      if (!(pk->source = strdup(name ? json_string_value(name) : where))) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
      rc = mp_key_from_pem(where, (const uint8_t *)json_string_value(pem), json_string_length(pem), 0, &pk->key, c->e);
      if (rc) return mp_err_prefix(c->e, "policy %s", c->what);
    }
  }
  return 0;
}

static int parse_policy_json(pctx *c, const json_t *root, mp_policy *p);

static int parse_sections(pctx *c, const json_t *root, mp_policy *p) {
  static const char *const top[] = {"version", "signers", "builder", "dependencies", "datasets",
                                    "source", "lineage", "model", NULL};
  int rc;
  if (!json_is_object(root)) return bad(c, "the document must be a mapping", NULL, NULL);
  if ((rc = only_keys(c, root, "the top level", top))) return rc;
  json_t *ver = json_object_get(root, "version");
  if (!ver || !json_is_integer(ver) || json_integer_value(ver) != 1)
    return bad(c, "\"version: 1\" is required (this mlprov reads policy version 1)", NULL, NULL);

  json_t *s;
  if ((s = json_object_get(root, "signers"))) {
    static const char *const k[] = {"keys", "min_signatures", NULL};
    if (!json_is_object(s)) return bad(c, "signers must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "signers", k))) return rc;
    if (!json_object_get(s, "keys")) return bad(c, "signers: \"keys\" is required", NULL, NULL);
    if ((rc = parse_keys(c, json_object_get(s, "keys"), "signers", &p->keys, &p->nkeys))) return rc;
    json_t *m = json_object_get(s, "min_signatures");
    if (m && (!json_is_integer(m) || json_integer_value(m) < 1 || (size_t)json_integer_value(m) > p->nkeys))
      return bad(c, "signers: min_signatures must be between 1 and the number of keys", NULL, NULL);
    p->min_signatures = m ? (size_t)json_integer_value(m) : 1;
    p->has_signers = 1;
  }
  if ((s = json_object_get(root, "builder"))) {
    static const char *const k[] = {"ids", "build_types", "max_age", NULL};
    if (!json_is_object(s)) return bad(c, "builder must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "builder", k)) || (rc = get_strlist(c, s, "ids", "builder", &p->builder_ids)) ||
        (rc = get_strlist(c, s, "build_types", "builder", &p->build_types)))
      return rc;
    json_t *age = json_object_get(s, "max_age");
    if (age && parse_age(age, &p->max_age) != 0)
      return bad(c, "builder: max_age must be like 90d, 12h, 30m, 45s, 2w or a number of seconds", NULL, NULL);
  }
  if ((s = json_object_get(root, "dependencies"))) {
    static const char *const k[] = {"deny", "require_pinned", "allowed_indexes", NULL};
    if (!json_is_object(s)) return bad(c, "dependencies must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "dependencies", k)) ||
        (rc = get_bool(c, s, "require_pinned", "dependencies", &p->require_pinned)) ||
        (rc = get_strlist(c, s, "allowed_indexes", "dependencies", &p->allowed_indexes)))
      return rc;
    p->has_indexes = p->allowed_indexes.n > 0;
    json_t *deny = json_object_get(s, "deny");
    if (deny) {
      if (!json_is_array(deny)) return bad(c, "dependencies: deny must be a list", NULL, NULL);
      p->deny = calloc(json_array_size(deny) + 1, sizeof *p->deny);
      if (!p->deny) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
      size_t i;
      json_t *d;
      json_array_foreach(deny, i, d) {
        char where[64];
        snprintf(where, sizeof where, "dependencies.deny[%zu]", i);
        static const char *const dk[] = {"purl", "versions", "reason", NULL};
        if (!json_is_object(d)) return bad(c, "%s: must be a mapping with purl", where, NULL);
        if ((rc = only_keys(c, d, where, dk))) return rc;
        json_t *purl = json_object_get(d, "purl"), *vers = json_object_get(d, "versions");
        json_t *why = json_object_get(d, "reason");
        if (!json_is_string(purl)) return bad(c, "%s: purl (a package URL string) is required", where, NULL);
        if (vers && !json_is_string(vers)) return bad(c, "%s: versions must be a string such as \">=1.0,<2\"", where, NULL);
        if (why && !json_is_string(why)) return bad(c, "%s: reason must be a string", where, NULL);
        mp_policy_deny *x = &p->deny[p->ndeny++];
        x->purl = strdup(json_string_value(purl));
        x->versions = strdup(vers ? json_string_value(vers) : "*");
        x->reason = why ? strdup(json_string_value(why)) : NULL;
        if ((rc = mp_purl_parse(x->purl, &x->parsed, c->e))) return mp_err_prefix(c->e, "policy %s: %s", c->what, where);
        if (x->parsed.version) return bad(c, "%s: put the version in \"versions\", not in the purl", where, NULL);
        if ((rc = mp_version_range_check(x->versions, c->e))) return mp_err_prefix(c->e, "policy %s: %s", c->what, where);
      }
    }
  }
  if ((s = json_object_get(root, "datasets"))) {
    static const char *const k[] = {"allow", "deny_digests", NULL};
    if (!json_is_object(s)) return bad(c, "datasets must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "datasets", k)) ||
        (rc = get_strlist(c, s, "deny_digests", "datasets", &p->deny_dataset_digests)))
      return rc;
    for (size_t i = 0; i < p->deny_dataset_digests.n; i++) {
      char *h = norm_digest(p->deny_dataset_digests.v[i]);
      if (!h) return bad(c, "datasets.deny_digests: \"%s\" is not a sha256 digest", p->deny_dataset_digests.v[i], NULL);
      free(p->deny_dataset_digests.v[i]);
      p->deny_dataset_digests.v[i] = h;
    }
    json_t *allow = json_object_get(s, "allow");
    if (allow) {
      if (!json_is_array(allow)) return bad(c, "datasets: allow must be a list", NULL, NULL);
      p->has_dataset_allow = 1;
      p->datasets = calloc(json_array_size(allow) + 1, sizeof *p->datasets);
      if (!p->datasets) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
      size_t i;
      json_t *d;
      json_array_foreach(allow, i, d) {
        char where[64];
        snprintf(where, sizeof where, "datasets.allow[%zu]", i);
        static const char *const dk[] = {"name", "digest", "merkle_root", NULL};
        if (!json_is_object(d)) return bad(c, "%s: must be a mapping", where, NULL);
        if ((rc = only_keys(c, d, where, dk))) return rc;
        json_t *name = json_object_get(d, "name"), *dg = json_object_get(d, "digest"), *mr = json_object_get(d, "merkle_root");
        if (!json_is_string(name)) return bad(c, "%s: name is required", where, NULL);
        if (!dg && !mr) return bad(c, "%s: give digest or merkle_root (a name alone proves nothing)", where, NULL);
        mp_policy_dataset *x = &p->datasets[p->ndatasets++];
        x->name = strdup(json_string_value(name));
        if (dg && (!json_is_string(dg) || !(x->digest = norm_digest(json_string_value(dg)))))
          return bad(c, "%s: digest must be sha256:HEX", where, NULL);
        if (mr && (!json_is_string(mr) || !(x->merkle_root = norm_digest(json_string_value(mr)))))
          return bad(c, "%s: merkle_root must be 64 hex characters", where, NULL);
      }
    }
  }
  if ((s = json_object_get(root, "source"))) {
    static const char *const k[] = {"repositories", "require_clean", "commits", NULL};
    if (!json_is_object(s)) return bad(c, "source must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "source", k)) || (rc = get_strlist(c, s, "repositories", "source", &p->repositories)) ||
        (rc = get_bool(c, s, "require_clean", "source", &p->require_clean)) ||
        (rc = get_strlist(c, s, "commits", "source", &p->commits)))
      return rc;
    for (size_t i = 0; i < p->commits.n; i++)
      if (!mp_is_lower_hex(p->commits.v[i])) return bad(c, "source.commits: \"%s\" is not a lowercase hex commit id", p->commits.v[i], NULL);
  }
  if ((s = json_object_get(root, "lineage"))) {
    static const char *const k[] = {"base_models", "max_depth", "require_verified", NULL};
    if (!json_is_object(s)) return bad(c, "lineage must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "lineage", k)) || (rc = get_bool(c, s, "require_verified", "lineage", &p->require_verified_links)))
      return rc;
    p->has_lineage = 1;
    json_t *md = json_object_get(s, "max_depth");
    if (md && (!json_is_integer(md) || json_integer_value(md) < 0 || json_integer_value(md) > 64))
      return bad(c, "lineage: max_depth must be a number from 0 to 64", NULL, NULL);
    if (md) p->max_depth = (int)json_integer_value(md);
    json_t *bm = json_object_get(s, "base_models");
    if (bm) {
      if (!json_is_string(bm)) return bad(c, "lineage: base_models must be \"this\" or a policy file", NULL, NULL);
      if (strcmp(json_string_value(bm), "this") == 0) {
        p->lineage_same_policy = 1;
      } else {
        if (c->depth >= 8) return bad(c, "lineage: base_models policies nest too deep", NULL, NULL);
        char *path = resolve(c->dir, json_string_value(bm));
        if (!path) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
        rc = mp_policy_load(path, &p->base_policy, c->e);
        free(path);
        if (rc) return mp_err_prefix(c->e, "policy %s: lineage.base_models", c->what);
      }
    }
  }
  if ((s = json_object_get(root, "model"))) {
    static const char *const k[] = {"require_signature", "digest_matches_provenance", "keys", "certificates",
                                    "ignore_unsigned_files", NULL};
    if (!json_is_object(s)) return bad(c, "model must be a mapping", NULL, NULL);
    if ((rc = only_keys(c, s, "model", k)) ||
        (rc = get_bool(c, s, "require_signature", "model", &p->require_model_signature)) ||
        (rc = get_bool(c, s, "digest_matches_provenance", "model", &p->model_digest_matches)) ||
        (rc = get_bool(c, s, "ignore_unsigned_files", "model", &p->model_ignore_unsigned)))
      return rc;
    json_t *keys = json_object_get(s, "keys");
    if (keys && (rc = parse_keys(c, keys, "model", &p->model_keys, &p->nmodel_keys))) return rc;
    mp_strlist certs = {0};
    if ((rc = get_strlist(c, s, "certificates", "model", &certs))) return rc;
    if (certs.n) rc = mp_certs_new(&p->model_roots, c->e);
    for (size_t i = 0; rc == 0 && i < certs.n; i++) {
      char *path = resolve(c->dir, certs.v[i]);
      rc = path ? mp_certs_load_pem(p->model_roots, path, c->e) : mp_err_set(c->e, MP_ENOMEM, "out of memory");
      free(path);
      if (rc) mp_err_prefix(c->e, "policy %s: model.certificates", c->what);
    }
    strlist_free(&certs);
    if (rc) return rc;
    if (p->require_model_signature != 1 && p->model_digest_matches != 1 && (keys || p->model_roots))
      return bad(c, "model: keys and certificates need require_signature or digest_matches_provenance", NULL, NULL);
    if ((p->require_model_signature == 1 || p->model_digest_matches == 1) && !p->nmodel_keys && !p->model_roots &&
        !p->has_signers)
      return bad(c, "model: name who may sign models (model.keys, model.certificates or a signers section)", NULL, NULL);
  }
  return 0;
}

static int parse_policy_json(pctx *c, const json_t *root, mp_policy *p) { return parse_sections(c, root, p); }

int mp_policy_parse(const char *what, const char *text, size_t len, const char *dir, mp_policy **out, mp_err *e) {
  json_t *root = NULL;
  int rc = mp_yaml_to_json(what, text, len, &root, e);
  if (rc) return mp_err_prefix(e, "policy");
  mp_policy *p = calloc(1, sizeof *p);
  if (!p) {
    json_decref(root);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  p->max_age = -1;
  p->require_pinned = p->require_clean = -1;
  p->require_verified_links = p->max_depth = -1;
  p->require_model_signature = p->model_digest_matches = -1;
  p->path = strdup(what);
  mp_sha256(text, len, p->digest);
  mp_hex_encode(p->digest, MP_SHA256_LEN, p->digest_hex);
  pctx c = {.what = what, .dir = dir, .e = e};
  rc = parse_policy_json(&c, root, p);
  json_decref(root);
  if (rc) {
    mp_policy_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

int mp_policy_load(const char *path, mp_policy **out, mp_err *e) {
  uint8_t *text = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, MP_POLICY_MAX, &text, &len, e);
  if (rc) return mp_err_prefix(e, "reading policy");
  char *copy = strdup(path);
  rc = copy ? mp_policy_parse(path, (const char *)text, len, dirname(copy), out, e)
            : mp_err_set(e, MP_ENOMEM, "out of memory");
  free(copy);
  free(text);
  return rc;
}

static void keys_free(mp_policy_key *k, size_t n) {
  for (size_t i = 0; i < n; i++) {
    mp_key_free(k[i].key);
    free(k[i].source);
  }
  free(k);
}

void mp_policy_free(mp_policy *p) {
  if (!p) return;
  free(p->path);
  keys_free(p->keys, p->nkeys);
  strlist_free(&p->builder_ids);
  strlist_free(&p->build_types);
  for (size_t i = 0; i < p->ndeny; i++) {
    free(p->deny[i].purl);
    free(p->deny[i].versions);
    free(p->deny[i].reason);
    mp_purl_free(&p->deny[i].parsed);
  }
  free(p->deny);
  strlist_free(&p->allowed_indexes);
  for (size_t i = 0; i < p->ndatasets; i++) {
    free(p->datasets[i].name);
    free(p->datasets[i].digest);
    free(p->datasets[i].merkle_root);
  }
  free(p->datasets);
  strlist_free(&p->deny_dataset_digests);
  strlist_free(&p->repositories);
  strlist_free(&p->commits);
  mp_policy_free(p->base_policy);
  keys_free(p->model_keys, p->nmodel_keys);
  mp_certs_free(p->model_roots);
  free(p);
}

static const mp_key **unexpired(const mp_policy_key *keys, size_t nkeys, time_t now, size_t *n) {
  const mp_key **ks = calloc(nkeys + 1, sizeof *ks);
  *n = 0;
  if (!ks) return NULL;
  for (size_t i = 0; i < nkeys; i++)
    if (!keys[i].expires || keys[i].expires > now) ks[(*n)++] = keys[i].key;
  return ks;
}

const mp_key **mp_policy_trusted_keys(const mp_policy *p, time_t now, size_t *n) {
  return unexpired(p->keys, p->nkeys, now, n);
}

const mp_key **mp_policy_model_keys(const mp_policy *p, time_t now, size_t *n) {
  return p->nmodel_keys ? unexpired(p->model_keys, p->nmodel_keys, now, n) : unexpired(p->keys, p->nkeys, now, n);
}
