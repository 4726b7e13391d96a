/* policy.h — promotion policies: what a model must satisfy to be promoted.
 *
 * A policy is a YAML (or JSON) file; every section and rule is optional and
 * a rule that is not configured is reported SKIP. Unknown keys are an error:
 * a typo must never silently weaken a gate. The format is documented with
 * commented examples in examples/policies/ and docs/policy.md.
 */
#ifndef MP_POLICY_H
#define MP_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "digest.h"
#include "certs.h"
#include "err.h"
#include "keys.h"
#include "purl.h"

typedef struct mp_policy_key {
  mp_key *key;
  char *source;        /* file name or "inline key N" */
  time_t expires;      /* 0: never */
} mp_policy_key;

typedef struct mp_policy_deny {
  char *purl;          /* as written */
  mp_purl parsed;
  char *versions;      /* range, "*" by default */
  char *reason;        /* may be NULL */
} mp_policy_deny;

typedef struct mp_policy_dataset {
  char *name;
  char *digest;        /* lowercase hex sha256 or NULL */
  char *merkle_root;   /* lowercase hex or NULL */
} mp_policy_dataset;

typedef struct mp_strlist {
  char **v;
  size_t n;
} mp_strlist;

typedef struct mp_policy mp_policy;

struct mp_policy {
  char *path;
  uint8_t digest[MP_SHA256_LEN];  /* SHA-256 of the policy file's bytes */
  char digest_hex[2 * MP_SHA256_LEN + 1];
  /* signers */
  int has_signers;
  mp_policy_key *keys;
  size_t nkeys;
  size_t min_signatures;
  /* builder */
  mp_strlist builder_ids;         /* fnmatch patterns */
  mp_strlist build_types;
  int64_t max_age;                /* seconds, -1: not set */
  /* dependencies */
  mp_policy_deny *deny;
  size_t ndeny;
  int require_pinned;             /* -1 not set, 0/1 */
  mp_strlist allowed_indexes;
  int has_indexes;
  /* datasets */
  int has_dataset_allow;
  mp_policy_dataset *datasets;
  size_t ndatasets;
  mp_strlist deny_dataset_digests;
  /* source */
  mp_strlist repositories;
  int require_clean;              /* -1 not set */
  mp_strlist commits;
  /* lineage */
  int has_lineage;
  int lineage_same_policy;        /* base models must pass this policy */
  mp_policy *base_policy;         /* or this one (owned) */
  int max_depth;                  /* -1 not set */
  int require_verified_links;     /* -1 not set */
  /* model (OMS signature) */
  int require_model_signature;    /* -1 not set, 0/1 */
  int model_digest_matches;       /* -1 not set, 0/1 */
  int model_ignore_unsigned;      /* 0/1 */
  mp_policy_key *model_keys;      /* who may sign models; none: the signers */
  size_t nmodel_keys;
  mp_certs *model_roots;          /* trusted CA certificates, or NULL */
};

/* Loads and checks a policy file (keys are loaded, relative paths resolved
 * against the policy's directory). */
int mp_policy_load(const char *path, mp_policy **out, mp_err *e);
/* Parses policy text; dir resolves relative key paths (may be NULL). */
int mp_policy_parse(const char *what, const char *text, size_t len, const char *dir,
                    mp_policy **out, mp_err *e);
void mp_policy_free(mp_policy *p);

/* The keys trusted at time now (expired ones excluded), borrowed pointers in
 * a malloc'd array. */
const mp_key **mp_policy_trusted_keys(const mp_policy *p, time_t now, size_t *n);
/* The same for model signatures: model.keys, else signers.keys. */
const mp_key **mp_policy_model_keys(const mp_policy *p, time_t now, size_t *n);

#endif
