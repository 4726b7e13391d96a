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
 * statement. The statement is the flat tree (jsonflat.h) `index add` reads
 * thousands of a second; strings are borrowed from it or owned by d->owned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "encoding.h"
#include "index_int.h"
#include "purl.h"
#include "statement.h"

static const char *str(const mp_jflat *st, mp_jv o, const char *k) {
  const char *s = mp_jflat_str(st, mp_jflat_get(st, o, k));
  return s ? s : "";
}

/* n bytes from d's string arena: blocks of 16 KB, owned by d (a record of
 * 300 packages would otherwise cost a thousand small allocations). */
static char *room(mp_index_doc *d, size_t n) {
  if (d->arena_left < n) {
    if (d->nowned == d->capowned) {
      size_t cap = d->capowned ? 2 * d->capowned : 8;
      char **nb = realloc(d->owned, cap * sizeof *nb);
      if (!nb) return NULL;
      d->owned = nb;
      d->capowned = cap;
    }
    size_t size = n > 16384 ? n : 16384;
    if (!(d->arena = malloc(size))) return NULL;
    d->owned[d->nowned++] = d->arena;
    d->arena_left = size;
  }
  char *r = d->arena;
  d->arena += n;
  d->arena_left -= n;
  return r;
}

static const char *dup_in(mp_index_doc *d, const char *s) {
  size_t n = strlen(s) + 1;
  char *c = room(d, n);
  if (c) memcpy(c, s, n);
  return c;
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

/* digest map -> stored key (see index_int.h) */
static const char *digest_of(mp_index_doc *d, mp_jv digest) {
  const mp_jflat *st = d->statement;
  if (mp_jflat_type(st, digest) != MP_JF_OBJECT || mp_jflat_size(st, digest) == 0) return "";
  const char *sha = mp_jflat_str(st, mp_jflat_get(st, digest, "sha256"));
  if (sha) return sha;
  mp_jv first = 0;
  mp_jflat_foreach(st, digest, v) if (!first || strcmp(mp_jflat_key(st, v), mp_jflat_key(st, first)) < 0) first = v;
  const char *alg = mp_jflat_key(st, first), *hex = mp_jflat_str(st, first);
  size_t len = strlen(alg) + strlen(hex ? hex : "") + 2;
  char *s = room(d, len);
  if (s) snprintf(s, len, "%s:%s", alg, hex ? hex : "");
  return s ? s : "";
}

static int64_t time_of(const mp_jflat *st, mp_jv o, const char *k) {
  const char *s = mp_jflat_str(st, mp_jflat_get(st, o, k));
  struct timespec ts;
  if (!s || mp_time_parse(s, &ts)) return MP_INDEX_NO_TIME;
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Room for element n of *arr, whose capacity is *cap (doubling). */
static int grow(void **arr, size_t n, size_t *cap, size_t size) {
  if (n == *cap) {
    size_t c = *cap ? 2 * *cap : 8;
    void *na = realloc(*arr, c * size);
    if (!na) return -1;
    *arr = na;
    *cap = c;
  }
  memset((char *)*arr + n * size, 0, size);
  return 0;
}

static int add_package(mp_index_doc *d, mp_jv rd, mp_jv ann) {
  const mp_jflat *st = d->statement;
  const char *uri = str(st, rd, "uri");
  const char *name = str(st, rd, "name");
  const char *version = str(st, ann, "version");
  const char *base = "";
  mp_purl p;
  if (strncmp(uri, "pkg:", 4) == 0 && mp_purl_parse(uri, &p, NULL) == 0) {
    char *b = room(d, mp_purl_base_size(&p));
    if (b) mp_purl_base_into(&p, b);
    base = b;
    if (!*version && p.version) version = dup_in(d, p.version);
    if (!*name) name = dup_in(d, p.name);
    mp_purl_free(&p);
    if (!base || !version || !name) return -1;
  }
  char *lname = room(d, strlen(name) + 1);
  if (!lname || grow((void **)&d->pkgs, d->npkgs, &d->cappkgs, sizeof *d->pkgs)) return -1;
  mp_pkg_name_normalize_into(lname, name);
  mp_index_pkg *k = &d->pkgs[d->npkgs++];
  k->purl = uri;
  k->base = base;
  k->name = name;
  k->lname = lname;
  k->version = version;
  k->digest = digest_of(d, mp_jflat_get(st, rd, "digest"));
  return mp_pkgcache_key(k);
}

static int add_dep(mp_index_doc *d, mp_jv rd) {
  const mp_jflat *st = d->statement;
  mp_jv ann = mp_jflat_get(st, rd, "annotations");
  const char *kind = str(st, ann, "kind");
  if (strcmp(kind, "package") == 0 || (!*kind && strncmp(str(st, rd, "uri"), "pkg:", 4) == 0))
    return add_package(d, rd, ann);
  if (strcmp(kind, "dataset") == 0) {
    if (grow((void **)&d->datasets, d->ndatasets, &d->capdatasets, sizeof *d->datasets)) return -1;
    mp_index_dataset *s = &d->datasets[d->ndatasets++];
    s->name = str(st, rd, "name");
    s->uri = str(st, rd, "uri");
    s->digest = digest_of(d, mp_jflat_get(st, rd, "digest"));
    s->merkle_root = str(st, ann, "recordsMerkleRoot");
    mp_jv n = mp_jflat_get(st, ann, "recordCount");
    if (mp_jflat_type(st, n) != MP_JF_INTEGER) n = mp_jflat_get(st, ann, "recordsTreeSize");
    s->records = mp_jflat_type(st, n) == MP_JF_INTEGER ? mp_jflat_int(st, n) : -1;
    return 0;
  }
  if (strcmp(kind, "base-model") == 0) {
    if (grow((void **)&d->bases, d->nbases, &d->capbases, sizeof *d->bases)) return -1;
    mp_index_base *b = &d->bases[d->nbases++];
    b->name = str(st, rd, "name");
    b->uri = str(st, rd, "uri");
    b->digest = digest_of(d, mp_jflat_get(st, rd, "digest"));
    b->provenance = str(st, ann, "provenance");
    return 0;
  }
  if (strcmp(kind, "source") == 0 && !*d->source_uri) {
    d->source_uri = str(st, rd, "uri");
    d->source_commit = str(st, mp_jflat_get(st, rd, "digest"), "gitCommit");
    d->source_repo = str(st, ann, "repository");
    d->source_branch = str(st, ann, "branch");
    mp_jf_type dirty = mp_jflat_type(st, mp_jflat_get(st, ann, "dirty"));
    d->source_dirty = dirty == MP_JF_TRUE ? 1 : dirty == MP_JF_FALSE ? 0 : -1;
  }
  return 0;
}

int mp_index_envelope_sha256(const mp_dsse *env, char hex[65], mp_err *e) {
  uint8_t h[MP_SHA256_LEN];
  int rc = mp_dsse_json_sha256(env, h, e);
  if (rc == 0) mp_hex_encode(h, MP_SHA256_LEN, hex);
  return rc;
}

static int add_signers(mp_index_doc *d, const mp_dsse *env, const mp_key *const *by, size_t nby) {
  for (size_t i = 0; i < nby; i++) {
    if (grow((void **)&d->signers, d->nsigners, &d->capsigners, sizeof *d->signers)) return -1;
    d->signers[d->nsigners].keyid = mp_key_id(by[i]);
    d->signers[d->nsigners++].verified = 1;
  }
  for (size_t i = 0; i < env->nsigs; i++) {
    const char *k = env->sigs[i].keyid;
    if (!k || !*k) continue;
    int seen = 0;
    for (size_t j = 0; j < d->nsigners && !seen; j++) seen = strcmp(d->signers[j].keyid, k) == 0;
    if (seen) continue;
    const char *kept = dup_in(d, k);
    if (!kept || grow((void **)&d->signers, d->nsigners, &d->capsigners, sizeof *d->signers)) return -1;
    d->signers[d->nsigners].keyid = kept;
    d->signers[d->nsigners++].verified = 0;
  }
  /* verified key ids are borrowed from the keys: copy them too */
  for (size_t i = 0; i < nby; i++)
    if (!(d->signers[i].keyid = dup_in(d, d->signers[i].keyid))) return -1;
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

int mp_index_doc_build(const mp_dsse *env, mp_jflat *st, int verified, const char *verify_error,
                       const mp_key *const *verified_by, size_t nverified, mp_index_doc **out,
                       mp_err *e) {
  mp_index_doc *d = calloc(1, sizeof *d);
  if (!d) {
    mp_jflat_free(st);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  d->statement = st;
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
  if (!d->payload_type || !d->payload || (verify_error && !d->verify_error) || signatures_json(d, env) ||
      add_signers(d, env, verified_by, nverified))
    goto nomem;
  memcpy(d->payload, env->payload, env->payload_len);
  d->payload_len = env->payload_len;

  mp_jv root = mp_jflat_root(st);
  d->predicate_type = str(st, root, "predicateType");
  mp_jv pred = mp_jflat_get(st, root, "predicate");
  mp_jv bd = mp_jflat_get(st, pred, "buildDefinition");
  mp_jv run = mp_jflat_get(st, pred, "runDetails");
  mp_jv meta = mp_jflat_get(st, run, "metadata");
  d->build_type = str(st, bd, "buildType");
  d->builder_id = str(st, mp_jflat_get(st, run, "builder"), "id");
  d->invocation_id = str(st, meta, "invocationId");
  d->started_us = time_of(st, meta, "startedOn");
  d->finished_us = time_of(st, meta, "finishedOn");

  mp_jflat_foreach(st, mp_jflat_get(st, root, "subject"), v) {
    if (grow((void **)&d->subjects, d->nsubjects, &d->capsubjects, sizeof *d->subjects)) goto nomem;
    mp_index_subject *s = &d->subjects[d->nsubjects++];
    s->name = str(st, v, "name");
    s->digest = digest_of(d, mp_jflat_get(st, v, "digest"));
    s->role = str(st, mp_jflat_get(st, v, "annotations"), "role");
  }
  mp_jflat_foreach(st, mp_jflat_get(st, bd, "resolvedDependencies"), v) {
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
  mp_jflat_free(d->statement);
  for (size_t i = 0; i < d->nowned; i++) free(d->owned[i]);
  free(d->owned);
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
