/* index_doc.c — decomposes a checked in-toto Statement (SLSA v1 provenance as
 * recorder/provenance.h lays it out) into the rows of the index:
 *   subject                  name, digest, annotations.role
 *   resolvedDependencies by annotations.kind:
 *     source                 uri, digest.gitCommit, annotations repository/branch/dirty
 *     dataset                name, uri, digest, annotations.recordsMerkleRoot/recordCount
 *     package                uri (package URL), name, annotations.version, digest
 *     base-model             name, uri, digest, annotations.provenance -> lineage edge
 *     (no kind, uri "pkg:")  a package, as other producers write them
 *   runDetails               builder.id, metadata invocationId/startedOn/finishedOn
 * Files read (kind "file") are not indexed one by one; they stay in the stored
 * statement. Strings are borrowed from the statement or owned by d->strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "encoding.h"
#include "index_int.h"
#include "purl.h"
#include "statement.h"

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static const char *keep(mp_index_doc *d, char *s) {
  if (!s) return NULL;
  json_t *j = json_string(s);
  free(s);
  if (!j || json_array_append_new(d->strings, j)) return NULL;
  return json_string_value(j);
}

char *mp_index_digest_key(const char *arg) {
  if (!arg) return NULL;
  if (strncmp(arg, "sha256:", 7) == 0) arg += 7;
  char *s = strdup(arg);
  if (!s) return NULL;
  /* hex is stored lowercase; the algorithm name too */
  for (char *p = s; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return s;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* digest map -> stored key (see index_int.h) */
static const char *digest_of(mp_index_doc *d, const json_t *digest) {
  if (!json_is_object(digest) || json_object_size(digest) == 0) return "";
  const char *sha = json_string_value(json_object_get(digest, "sha256"));
  if (sha) return sha;
  const char *keys[64];
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)digest, k, v) if (n < 64) keys[n++] = k;
  qsort(keys, n, sizeof *keys, cmp_cstr);
  const char *hex = json_string_value(json_object_get(digest, keys[0]));
  size_t len = strlen(keys[0]) + strlen(hex ? hex : "") + 2;
  char *s = malloc(len);
  if (s) snprintf(s, len, "%s:%s", keys[0], hex ? hex : "");
  const char *kept = keep(d, s);
  return kept ? kept : "";
}

static int64_t time_of(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  struct timespec ts;
  if (!s || mp_time_parse(s, &ts)) return MP_INDEX_NO_TIME;
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int grow(void **arr, size_t n, size_t size) {
  void *na = realloc(*arr, (n + 1) * size);
  if (!na) return -1;
  *arr = na;
  memset((char *)na + n * size, 0, size);
  return 0;
}

static int add_package(mp_index_doc *d, const json_t *rd, const json_t *ann) {
  const char *uri = str(rd, "uri");
  const char *name = str(rd, "name");
  const char *version = str(ann, "version");
  const char *base = "";
  mp_purl p;
  if (strncmp(uri, "pkg:", 4) == 0 && mp_purl_parse(uri, &p, NULL) == 0) {
    base = keep(d, mp_purl_base(&p));
    if (!*version && p.version) version = keep(d, strdup(p.version));
    if (!*name) name = keep(d, strdup(p.name));
    mp_purl_free(&p);
    if (!base || !version || !name) return -1;
  }
  const char *lname = keep(d, mp_pkg_name_normalize(name));
  if (!lname || grow((void **)&d->pkgs, d->npkgs, sizeof *d->pkgs)) return -1;
  mp_index_pkg *k = &d->pkgs[d->npkgs++];
  k->purl = uri;
  k->base = base;
  k->name = name;
  k->lname = lname;
  k->version = version;
  k->digest = digest_of(d, json_object_get(rd, "digest"));
  return 0;
}

static int add_dep(mp_index_doc *d, const json_t *rd) {
  const json_t *ann = json_object_get(rd, "annotations");
  const char *kind = str(ann, "kind");
  if (strcmp(kind, "package") == 0 || (!*kind && strncmp(str(rd, "uri"), "pkg:", 4) == 0))
    return add_package(d, rd, ann);
  if (strcmp(kind, "dataset") == 0) {
    if (grow((void **)&d->datasets, d->ndatasets, sizeof *d->datasets)) return -1;
    mp_index_dataset *s = &d->datasets[d->ndatasets++];
    s->name = str(rd, "name");
    s->uri = str(rd, "uri");
    s->digest = digest_of(d, json_object_get(rd, "digest"));
    s->merkle_root = str(ann, "recordsMerkleRoot");
    json_t *n = json_object_get(ann, "recordCount");
    if (!json_is_integer(n)) n = json_object_get(ann, "recordsTreeSize");
    s->records = json_is_integer(n) ? (int64_t)json_integer_value(n) : -1;
    return 0;
  }
  if (strcmp(kind, "base-model") == 0) {
    if (grow((void **)&d->bases, d->nbases, sizeof *d->bases)) return -1;
    mp_index_base *b = &d->bases[d->nbases++];
    b->name = str(rd, "name");
    b->uri = str(rd, "uri");
    b->digest = digest_of(d, json_object_get(rd, "digest"));
    b->provenance = str(ann, "provenance");
    return 0;
  }
  if (strcmp(kind, "source") == 0 && !*d->source_uri) {
    d->source_uri = str(rd, "uri");
    d->source_commit = str(json_object_get(rd, "digest"), "gitCommit");
    d->source_repo = str(ann, "repository");
    d->source_branch = str(ann, "branch");
    json_t *dirty = json_object_get(ann, "dirty");
    d->source_dirty = json_is_boolean(dirty) ? json_is_true(dirty) : -1;
  }
  return 0;
}

int mp_index_envelope_sha256(const mp_dsse *env, char hex[65], mp_err *e) {
  char *json = NULL;
  size_t len = 0;
  int rc = mp_dsse_to_json(env, &json, &len, e);
  if (rc) return rc;
  uint8_t h[MP_SHA256_LEN];
  mp_sha256(json, len, h);
  mp_hex_encode(h, MP_SHA256_LEN, hex);
  free(json);
  return 0;
}

static int add_signers(mp_index_doc *d, const mp_dsse *env, const mp_key *const *by, size_t nby) {
  for (size_t i = 0; i < nby; i++) {
    if (grow((void **)&d->signers, d->nsigners, sizeof *d->signers)) return -1;
    d->signers[d->nsigners].keyid = mp_key_id(by[i]);
    d->signers[d->nsigners++].verified = 1;
  }
  for (size_t i = 0; i < env->nsigs; i++) {
    const char *k = env->sigs[i].keyid;
    if (!k || !*k) continue;
    int seen = 0;
    for (size_t j = 0; j < d->nsigners && !seen; j++) seen = strcmp(d->signers[j].keyid, k) == 0;
    if (seen) continue;
    const char *kept = keep(d, strdup(k));
    if (!kept || grow((void **)&d->signers, d->nsigners, sizeof *d->signers)) return -1;
    d->signers[d->nsigners].keyid = kept;
    d->signers[d->nsigners++].verified = 0;
  }
  /* verified key ids are borrowed from the keys: copy them too */
  for (size_t i = 0; i < nby; i++)
    if (!(d->signers[i].keyid = keep(d, strdup(d->signers[i].keyid)))) return -1;
  return 0;
}

static int signatures_json(mp_index_doc *d, const mp_dsse *env) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < env->nsigs; i++) {
    char *b64 = mp_b64_encode(env->sigs[i].sig, env->sigs[i].sig_len);
    json_t *s = b64 ? json_pack("{s:s?, s:s}", "keyid", env->sigs[i].keyid, "sig", b64) : NULL;
    free(b64);
    if (!s || json_array_append_new(arr, s)) {
      json_decref(arr);
      return -1;
    }
  }
  d->signatures = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
  json_decref(arr);
  return d->signatures ? 0 : -1;
}

int mp_index_doc_build(const mp_dsse *env, json_t *st, int verified, const char *verify_error,
                       const mp_key *const *verified_by, size_t nverified, mp_index_doc **out,
                       mp_err *e) {
  mp_index_doc *d = calloc(1, sizeof *d);
  if (!d) return mp_err_set(e, MP_ENOMEM, "out of memory");
  d->statement = json_incref(st);
  d->strings = json_array();
  d->verified = verified;
  d->started_us = d->finished_us = MP_INDEX_NO_TIME;
  d->source_uri = d->source_repo = d->source_commit = d->source_branch = "";
  d->source_dirty = -1;
  int rc = mp_index_envelope_sha256(env, d->env_sha256, e);
  if (rc) goto fail;
  uint8_t h[MP_SHA256_LEN];
  mp_sha256(env->payload, env->payload_len, h);
  mp_hex_encode(h, MP_SHA256_LEN, d->payload_sha256);
  d->payload_type = strdup(env->payload_type);
  d->payload = malloc(env->payload_len ? env->payload_len : 1);
  d->verify_error = verify_error ? strdup(verify_error) : NULL;
  if (!d->strings || !d->payload_type || !d->payload || (verify_error && !d->verify_error) ||
      signatures_json(d, env) || add_signers(d, env, verified_by, nverified))
    goto nomem;
  memcpy(d->payload, env->payload, env->payload_len);
  d->payload_len = env->payload_len;

  d->predicate_type = str(st, "predicateType");
  const json_t *pred = json_object_get(st, "predicate");
  const json_t *bd = json_object_get(pred, "buildDefinition");
  const json_t *run = json_object_get(pred, "runDetails");
  const json_t *meta = json_object_get(run, "metadata");
  d->build_type = str(bd, "buildType");
  d->builder_id = str(json_object_get(run, "builder"), "id");
  d->invocation_id = str(meta, "invocationId");
  d->started_us = time_of(meta, "startedOn");
  d->finished_us = time_of(meta, "finishedOn");

  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(st, "subject"), i, v) {
    if (grow((void **)&d->subjects, d->nsubjects, sizeof *d->subjects)) goto nomem;
    mp_index_subject *s = &d->subjects[d->nsubjects++];
    s->name = str(v, "name");
    s->digest = digest_of(d, json_object_get(v, "digest"));
    s->role = str(json_object_get(v, "annotations"), "role");
  }
  json_array_foreach(json_object_get(bd, "resolvedDependencies"), i, v) {
    if (add_dep(d, v)) goto nomem;
  }
  *out = d;
  return 0;
nomem:
  rc = mp_err_set(e, MP_ENOMEM, "out of memory decomposing a statement");
fail:
  mp_index_doc_free(d);
  return rc;
}

void mp_index_doc_free(mp_index_doc *d) {
  if (!d) return;
  json_decref(d->statement);
  json_decref(d->strings);
  free(d->payload_type);
  free(d->payload);
  free(d->signatures);
  free(d->verify_error);
  free(d->subjects);
  free(d->datasets);
  free(d->pkgs);
  free(d->bases);
  free(d->signers);
  free(d);
}
