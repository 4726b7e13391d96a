/* oms.h — OpenSSF Model Signing (OMS) v1.0: the in-toto Statement that names
 * a model (predicateType https://model_signing/signature/v1.0), signing it
 * into a Sigstore bundle, and checking a model directory against a verified
 * bundle.
 *
 * Statement (what mlprov signs, from a hashed mp_model):
 *   subject   [{name: model base name, digest: {sha256: ROOT}}]
 *   predicate {resources: [{name, algorithm, digest (hex)}...] in canonical
 *              order, serialization: {method, hash_type, allow_symlinks,
 *              ignore_paths, shard_size (shards only, an integer)}}
 * serialized with 2-space indentation and ASCII escapes, as the reference
 * tool's protobuf JSON printer does.
 *
 * Reading (mp_oms_manifest_parse, on the verified payload bytes): the
 * in-toto checks, then predicateType, exactly one subject, serialization
 * (shard_size may be an integer or an integral float such as 1000000000.0,
 * as the reference tool writes it), every resource (names canonical and
 * unique, algorithm = hash_type, hex digest of the right length), and the
 * subject digest must equal SHA-256 over the resource digests in the order
 * listed. Unknown fields anywhere in the predicate are ignored.
 */
#ifndef MP_OMS_H
#define MP_OMS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "certs.h"
#include "err.h"
#include "keys.h"
#include "modeldir.h"

#define MP_OMS_PREDICATE_TYPE "https://model_signing/signature/v1.0"

typedef struct mp_oms_resource {
  char *name;       /* as signed */
  char *path;       /* the file it belongs to (the name without ":start:end") */
  uint64_t start, end;
  uint8_t digest[MP_DIGEST_MAX];
  size_t digest_len;
} mp_oms_resource;

typedef struct mp_oms_manifest {
  char *subject_name;
  uint8_t root[MP_SHA256_LEN];
  mp_model_method method;
  char hash[16];
  uint64_t shard_size;
  int allow_symlinks;
  char **ignore_paths;       /* canonical, NULL-terminated */
  size_t nignore_paths;
  mp_oms_resource *res;      /* in the order signed */
  size_t nres;
} mp_oms_manifest;

/* The statement for a hashed model (new reference). */
json_t *mp_oms_statement(const mp_model *m);
/* The payload bytes to sign (malloc'd, NUL-terminated). */
int mp_oms_payload(const mp_model *m, char **out, size_t *len, mp_err *e);
/* Signs the model's statement with key; chain (leaf first, the leaf's key
 * must be key's public half) selects the certificate method, NULL the key
 * method. *bundle is the bundle JSON text. */
int mp_oms_sign(const mp_model *m, const mp_key *key, const mp_certs *chain, char **bundle,
                size_t *len, mp_err *e);

int mp_oms_manifest_parse(const uint8_t *payload, size_t len, mp_oms_manifest **out, mp_err *e);
void mp_oms_manifest_free(mp_oms_manifest *m);

/* Checks the bundle's signature: with keys (a hint, when present, must name
 * one of them), or with trusted certificates (the bundle must carry a chain
 * that verifies against them). Sigstore keyless bundles are refused
 * (MP_EUNSUPPORTED): they need Rekor and Fulcio. Then parses the verified
 * payload into *out. MP_EVERIFY with the reason on any failure. */
int mp_oms_verify_bundle(const mp_bundle *b, const mp_key *const *keys, size_t nkeys,
                         const mp_certs *trusted, mp_oms_manifest **out, mp_err *e);

typedef enum mp_oms_finding_kind {
  MP_OMS_MISSING,   /* signed, not in the model */
  MP_OMS_EXTRA,     /* in the model, not signed (and not ignored) */
  MP_OMS_CHANGED,   /* both, different content */
} mp_oms_finding_kind;

typedef struct mp_oms_finding {
  mp_oms_finding_kind kind;
  char *path;
  char detail[160];
} mp_oms_finding;

typedef struct mp_oms_report {
  mp_oms_finding *findings;  /* by path, canonical order */
  size_t nfindings;
  size_t files_verified;     /* signed files found intact */
  size_t unsigned_ignored;   /* extra files tolerated by ignore_unsigned */
  uint64_t bytes_hashed;
} mp_oms_report;

typedef struct mp_oms_check_opts {
  const char *signature;     /* the bundle's path: ignored inside the model */
  int ignore_unsigned;       /* files that are not signed are tolerated */
  unsigned threads;
  size_t buf_size;
  mp_hash_progress_cb progress;
  void *progress_ctx;
  uint64_t *total_bytes;     /* if set, receives the bytes to hash before hashing */
} mp_oms_check_opts;

/* Enumerates and hashes the model the way the manifest says it was signed,
 * and compares. 0 when everything matches (rep->nfindings == 0), MP_EVERIFY
 * when something differs (the findings say what), other codes for errors. */
int mp_oms_check_model(const mp_oms_manifest *mf, const char *model_path,
                       const mp_oms_check_opts *o, mp_oms_report *rep, mp_err *e);
void mp_oms_report_free(mp_oms_report *r);
const char *mp_oms_finding_name(mp_oms_finding_kind k);

/* Where a model's signature is by default: MODEL.sig beside the model (for
 * ".", ".." or "/", beside the directory they resolve to, never a dot file
 * inside it). malloc'd; NULL when out of memory. `mlprov model` and the
 * policy gate both follow this rule. */
char *mp_oms_signature_path(const char *model);

#endif
