/* gate.h — `mlprov verify --policy`: decide whether a model may be promoted.
 *
 * For the model and, following lineage, each base model ("generation"), the
 * gate finds and verifies the provenance, checks that it names the model's
 * digest, then evaluates every rule of the policy against the verified
 * statement, and (model section) checks the model's OMS signature, found
 * beside the model as `mlprov model sign` writes it. Each rule is PASS, FAIL or SKIP (not configured, or not
 * applicable) with its evidence. The verdict passes only without any FAIL.
 *
 * Report (JSON, printed as is with --json):
 *   {verdict, policy:{path, sha256}, model, generations:[{depth, label, model,
 *    digest, provenance, signer, rules:[{rule, status, evidence}]}], failures:[…]}
 */
#ifndef MP_GATE_H
#define MP_GATE_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "err.h"
#include "keys.h"
#include "policy.h"

typedef struct mp_gate_opts {
  const mp_policy *policy;
  const char *model;                /* file or directory */
  const char *const *provenance;    /* files given; NULL/0: MODEL.intoto.jsonl */
  size_t nprovenance;
  const char *const *search_dirs;   /* where to look for base models' provenance */
  size_t nsearch;
  const mp_key *const *extra_keys;  /* --key: trusted when the policy names none */
  size_t nextra_keys;
  const char *model_signature;      /* the model's OMS signature; NULL: MODEL.sig */
  time_t now;                       /* 0: time(NULL) */
  unsigned threads;
} mp_gate_opts;

/* 0 PASS, MP_EVERIFY FAIL (the report says why), other codes: usage/I-O. */
int mp_gate_run(const mp_gate_opts *o, json_t **report, mp_err *e);
void mp_gate_print(const json_t *report, FILE *out);

#endif
