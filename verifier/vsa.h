/* vsa.h — SLSA Verification Summary Attestation v1
 * (predicateType https://slsa.dev/verification_summary/v1), written after a
 * passing policy gate so a registry can store the decision with the model.
 *
 * predicate: verifier{id, version}, timeVerified, resourceUri, policy{uri,
 * digest}, inputAttestations[{uri, digest}] (every provenance the gate
 * verified, by SHA-256 of the file), verificationResult PASSED,
 * verifiedLevels, slsaVersion "1.0". subject: the model and its digest.
 */
#ifndef MP_VSA_H
#define MP_VSA_H

#include <jansson.h>

#include "err.h"

#define MP_VSA_PREDICATE "https://slsa.dev/verification_summary/v1"
#define MP_VERIFIER_ID "https://mlprov.dev/verifier/v1"

/* Builds the VSA statement from a passing gate report. */
int mp_vsa_build(const json_t *gate_report, const char *resource_uri, json_t **statement, mp_err *e);

#endif
