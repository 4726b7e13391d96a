/* oms.c — see oms.h. Verification compares by file: every resource of a
 * file (one for "files", its shards for "shards") must be signed with the
 * same digest, so a finding always names the file, never a bare shard. */
#include "oms.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "statement.h"

json_t *mp_oms_statement(const mp_model *m) {
  json_t *res = json_array(), *ign = json_array(), *ser = json_object();
  for (size_t i = 0; res && i < m->nresources; i++)
    json_array_append_new(res, json_pack("{s:s, s:s, s:s}", "name", m->resources[i].name,
                                         "algorithm", m->hash, "digest", m->resources[i].hex));
  for (size_t i = 0; ign && i < m->nignore_paths; i++)
    json_array_append_new(ign, json_string(m->ignore_paths[i]));
  if (ser) {
    json_object_set_new(ser, "method", json_string(m->method == MP_MODEL_SHARDS ? "shards" : "files"));
    json_object_set_new(ser, "hash_type", json_string(m->hash));
    if (m->method == MP_MODEL_SHARDS) json_object_set_new(ser, "shard_size", json_integer((json_int_t)m->shard_size));
    json_object_set_new(ser, "allow_symlinks", json_boolean(m->allow_symlinks));
  }
  if (!res || !ign || !ser) {
    json_decref(res), json_decref(ign), json_decref(ser);
    return NULL;
  }
  json_object_set_new(ser, "ignore_paths", ign);
  return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:o, s:o}}", "_type", MP_STATEMENT_TYPE,
                   "subject", "name", m->name, "digest", "sha256", m->root_hex, "predicateType",
                   MP_OMS_PREDICATE_TYPE, "predicate", "resources", res, "serialization", ser);
}

int mp_oms_payload(const mp_model *m, char **out, size_t *len, mp_err *e) {
  json_t *st = mp_oms_statement(m);
  char *text = st ? json_dumps(st, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
  json_decref(st);
  if (!text) return mp_err_set(e, MP_ENOMEM, "out of memory building the statement");
  /* \u escapes in lowercase hex, as Python's json module writes them; every
   * backslash in JSON text starts an escape, so this cannot misfire */
  for (char *p = text; *p; p++)
    if (p[0] == '\\' && p[1]) {
      if (p[1] == 'u')
        for (int i = 2; i < 6 && p[i]; i++)
          if (p[i] >= 'A' && p[i] <= 'F') p[i] = (char)(p[i] - 'A' + 'a');
      p++;
    }
  *out = text;
  *len = strlen(text);
  return 0;
}

int mp_oms_sign(const mp_model *m, const mp_key *key, const mp_certs *chain, char **bundle,
                size_t *len, mp_err *e) {
  if (chain) {
    mp_key *leaf = NULL;
    int rc = mp_certs_key(chain, 0, &leaf, e);
    int same = rc == 0 && strcmp(mp_key_id(leaf), mp_key_id(key)) == 0;
    mp_key_free(leaf);
    if (rc) return rc;
    if (!same) return mp_err_set(e, MP_EUSAGE, "the signing certificate is not for this key");
  }
  char *payload = NULL;
  size_t plen = 0;
  int rc = mp_oms_payload(m, &payload, &plen, e);
  if (rc) return rc;
  mp_dsse *env = NULL;
  rc = mp_dsse_new(MP_INTOTO_PAYLOAD_TYPE, (const uint8_t *)payload, plen, &env, e);
  free(payload);
  if (rc == 0) rc = mp_dsse_sign(env, key, e);
  if (rc == 0) rc = mp_bundle_write_json(env, key, chain, bundle, len, e);
  mp_dsse_free(env);
  return rc;
}

/* --- reading --------------------------------------------------------------- */

/* A canonical relative POSIX path: no empty, "." or ".." component. */
static int valid_path(const char *p) {
  if (!*p || p[0] == '/') return 0;
  for (const char *s = p; *s;) {
    const char *q = strchr(s, '/');
    size_t n = q ? (size_t)(q - s) : strlen(s);
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
    s += n + (q != NULL);
    if (q && !*s) return 0;
  }
  return 1;
}

static int parse_serialization(mp_oms_manifest *mf, json_t *ser, mp_err *e) {
  if (!json_is_object(ser)) return mp_err_set(e, MP_EPARSE, "predicate.serialization missing or not an object");
  const char *method = json_string_value(json_object_get(ser, "method"));
  const char *hash = json_string_value(json_object_get(ser, "hash_type"));
  json_t *sym = json_object_get(ser, "allow_symlinks");
  if (!method || (strcmp(method, "files") && strcmp(method, "shards")))
    return mp_err_set(e, MP_EPARSE, "serialization.method %s: want \"files\" or \"shards\"", method ? method : "missing");
  if (!hash) return mp_err_set(e, MP_EPARSE, "serialization.hash_type missing");
  if (strcmp(hash, "sha256") && strcmp(hash, "blake2b"))
    return mp_err_set(e, MP_EUNSUPPORTED, "serialization.hash_type %s: not supported (sha256, blake2b)", hash);
  if (!json_is_boolean(sym)) return mp_err_set(e, MP_EPARSE, "serialization.allow_symlinks missing or not a boolean");
  mf->method = strcmp(method, "shards") == 0 ? MP_MODEL_SHARDS : MP_MODEL_FILES;
  snprintf(mf->hash, sizeof mf->hash, "%s", hash);
  mf->allow_symlinks = json_is_true(sym);
  if (mf->method == MP_MODEL_SHARDS) {
    json_t *ss = json_object_get(ser, "shard_size");
    double d = json_is_real(ss) ? json_real_value(ss) : 0;
    if (json_is_integer(ss) && json_integer_value(ss) > 0) mf->shard_size = (uint64_t)json_integer_value(ss);
    else if (json_is_real(ss) && d >= 1 && d <= 9007199254740992.0 && floor(d) == d) mf->shard_size = (uint64_t)d;
    else return mp_err_set(e, MP_EPARSE, "serialization.shard_size missing or not a positive whole number");
  }
  json_t *ign = json_object_get(ser, "ignore_paths");
  if (ign && !json_is_array(ign)) return mp_err_set(e, MP_EPARSE, "serialization.ignore_paths is not an array");
  mf->ignore_paths = calloc(json_array_size(ign) + 1, sizeof *mf->ignore_paths);
  if (!mf->ignore_paths) return mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; i < json_array_size(ign); i++) {
    const char *p = json_string_value(json_array_get(ign, i));
    if (!p) return mp_err_set(e, MP_EPARSE, "serialization.ignore_paths: item is not a string");
    int rc = mp_model_ignore_normalize(p, &mf->ignore_paths[mf->nignore_paths], e);
    if (rc) return mp_err_set(e, MP_EPARSE, "serialization.ignore_paths: %.900s", e ? e->msg : "");
    mf->nignore_paths++;
  }
  return 0;
}

static int cmp_res(const void *a, const void *b) {
  const mp_oms_resource *x = a, *y = b;
  int c = mp_model_path_cmp(x->path, y->path);
  if (c) return c;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int parse_resources(mp_oms_manifest *mf, json_t *res, mp_err *e) {
  if (!json_is_array(res) || json_array_size(res) == 0)
    return mp_err_set(e, MP_EPARSE, "predicate.resources missing or empty");
  size_t n = json_array_size(res), want = strcmp(mf->hash, "sha256") == 0 ? 32 : 64;
  if (!(mf->res = calloc(n, sizeof *mf->res))) return mp_err_set(e, MP_ENOMEM, "out of memory");
  uint8_t *cat = malloc(n * want);
  if (!cat) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    json_t *r = json_array_get(res, i);
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *alg = json_string_value(json_object_get(r, "algorithm"));
    const char *hex = json_string_value(json_object_get(r, "digest"));
    mp_oms_resource *o = &mf->res[mf->nres];
    if (!name || !*name) rc = mp_err_set(e, MP_EPARSE, "resource %zu: \"name\" missing", i);
    else if (!alg || strcmp(alg, mf->hash) != 0)
      rc = mp_err_set(e, MP_EPARSE, "resource %s: algorithm %s, but hash_type is %s", name, alg ? alg : "missing", mf->hash);
    else if (!hex || !mp_is_lower_hex(hex) || strlen(hex) != 2 * want ||
             mp_hex_decode(hex, strlen(hex), o->digest, want))
      rc = mp_err_set(e, MP_EPARSE, "resource %s: digest is not %zu lowercase hex characters", name, 2 * want);
    else if (!(o->name = strdup(name))) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    if (rc) break;
    o->digest_len = want;
    memcpy(cat + i * want, o->digest, want);
    mf->nres++;
    if (mf->method == MP_MODEL_SHARDS) {
      if (mp_model_shard_parse(name, &o->path, &o->start, &o->end) != 0)
        rc = mp_err_set(e, MP_EPARSE, "resource %s: not a shard name PATH:START:END", name);
    } else if (!(o->path = strdup(name))) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    }
    if (rc == 0 && !valid_path(o->path))
      rc = mp_err_set(e, MP_EPARSE, "resource %s: path must be relative and stay inside the model", name);
  }
  if (rc == 0) {
    /* The root is over the order as signed; a different order would not
     * match it, so sorting for the duplicate check below is safe. */
    uint8_t root[MP_SHA256_LEN];
    mp_sha256(cat, n * want, root);
    if (memcmp(root, mf->root, sizeof root) != 0)
      rc = mp_err_set(e, MP_EPARSE, "manifest is inconsistent: the subject digest is not the digest of the resources");
  }
  free(cat);
  if (rc) return rc;
  qsort(mf->res, mf->nres, sizeof *mf->res, cmp_res);
  for (size_t i = 1; i < mf->nres; i++)
    if (cmp_res(&mf->res[i - 1], &mf->res[i]) == 0)
      return mp_err_set(e, MP_EPARSE, "resource %s is listed twice", mf->res[i].name);
  return 0;
}

int mp_oms_manifest_parse(const uint8_t *payload, size_t len, mp_oms_manifest **out, mp_err *e) {
  json_t *st = NULL;
  int rc = mp_statement_parse(payload, len, &st, e);
  if (rc) return rc;
  mp_oms_manifest *mf = calloc(1, sizeof *mf);
  const char *pt = json_string_value(json_object_get(st, "predicateType"));
  json_t *subj = json_object_get(st, "subject"), *pred = json_object_get(st, "predicate");
  const char *name = json_string_value(json_object_get(json_array_get(subj, 0), "name"));
  const char *root = json_string_value(json_object_get(json_object_get(json_array_get(subj, 0), "digest"), "sha256"));
  if (!mf) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  else if (!pt || strcmp(pt, MP_OMS_PREDICATE_TYPE) != 0)
    rc = mp_err_set(e, MP_EPARSE, "predicateType is \"%s\", expected %s", pt ? pt : "", MP_OMS_PREDICATE_TYPE);
  else if (json_array_size(subj) != 1)
    rc = mp_err_set(e, MP_EPARSE, "statement has %zu subjects, OMS wants exactly one", json_array_size(subj));
  else if (!name || !*name) rc = mp_err_set(e, MP_EPARSE, "subject has no name");
  else if (!root || strlen(root) != 64 || !mp_is_lower_hex(root) || mp_hex_decode(root, 64, mf->root, 32))
    rc = mp_err_set(e, MP_EPARSE, "subject has no sha256 digest");
  else if (!json_is_object(pred)) rc = mp_err_set(e, MP_EPARSE, "predicate missing or not an object");
  else if (!(mf->subject_name = strdup(name))) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) rc = parse_serialization(mf, json_object_get(pred, "serialization"), e);
  if (rc == 0) rc = parse_resources(mf, json_object_get(pred, "resources"), e);
  json_decref(st);
  if (rc) {
    mp_oms_manifest_free(mf);
    return rc;
  }
  *out = mf;
  return 0;
}

void mp_oms_manifest_free(mp_oms_manifest *mf) {
  if (!mf) return;
  for (size_t i = 0; i < mf->nres; i++) {
    free(mf->res[i].name);
    free(mf->res[i].path);
  }
  for (size_t i = 0; i < mf->nignore_paths; i++) free(mf->ignore_paths[i]);
  free(mf->ignore_paths);
  free(mf->res);
  free(mf->subject_name);
  free(mf);
}

/* The keys a key bundle may be checked with: a hint (or the older rawBytes)
 * names one, else every key given is tried. */
static int pick_keys(const mp_bundle *b, const mp_key *const *keys, size_t nkeys,
                     const mp_key **one, mp_err *e) {
  *one = NULL;
  if (b->kind != MP_BUNDLE_KEY || (!b->hint && !b->raw_key)) return 0;
  char want[65] = "";
  if (b->raw_key) { /* rawBytes is the DER public key: its SHA-256 is our key id */
    uint8_t h[MP_SHA256_LEN];
    mp_sha256(b->raw_key, b->raw_key_len, h);
    mp_hex_encode(h, sizeof h, want);
  }
  for (size_t i = 0; i < nkeys; i++) {
    char hint[65];
    int rc = mp_bundle_key_hint(keys[i], hint, e);
    if (rc) return rc;
    if ((b->hint && strcmp(hint, b->hint) == 0) || (!b->hint && strcmp(mp_key_id(keys[i]), want) == 0)) {
      *one = keys[i];
      return 0;
    }
  }
  if (b->hint)
    return mp_err_set(e, MP_EVERIFY, "signed by another key: the bundle's key hint %.16s… matches none of the given keys", b->hint);
  return mp_err_set(e, MP_EVERIFY, "signed by another key: the bundle's public key is none of the given keys");
}

int mp_oms_verify_bundle(const mp_bundle *b, const mp_key *const *keys, size_t nkeys,
                         const mp_certs *trusted, mp_oms_manifest **out, mp_err *e) {
  if (b->kind == MP_BUNDLE_SIGSTORE)
    return mp_err_set(e, MP_EUNSUPPORTED,
                      "keyless Sigstore bundle: checking it needs Fulcio and Rekor, which mlprov does not do (sign with a key or a certificate)");
  mp_key *leaf = NULL;
  const mp_key *one = NULL;
  int rc = 0;
  if (trusted) {
    if (b->kind != MP_BUNDLE_CERT)
      return mp_err_set(e, MP_EVERIFY, "the bundle is signed with a %s, not a certificate chain", mp_bundle_kind_name(b->kind));
    if ((rc = mp_certs_verify(b->certs, trusted, e)) != 0) return rc;
    if ((rc = mp_certs_key(b->certs, 0, &leaf, e)) != 0) return rc;
    one = leaf;
  } else {
    if (nkeys == 0) return mp_err_set(e, MP_EUSAGE, "no trusted key or certificate given");
    if ((rc = pick_keys(b, keys, nkeys, &one, e)) != 0) return rc;
  }
  rc = one ? mp_dsse_verify(b->env, &one, 1, 1, NULL, e) : mp_dsse_verify(b->env, keys, nkeys, 1, NULL, e);
  mp_key_free(leaf);
  if (rc) return rc;
  rc = mp_oms_manifest_parse(b->env->payload, b->env->payload_len, out, e);
  if (rc && rc != MP_ENOMEM) {
    char why[MP_ERR_MSG_MAX] = "";
    if (e) memcpy(why, e->msg, sizeof why);
    return mp_err_set(e, MP_EVERIFY, "signed payload is not a valid OMS statement: %.900s", why);
  }
  return rc;
}
