/* verify.h — `mlprov verify`: is this provenance signed by a trusted key, is it
 * a well-formed SLSA v1 statement, and are these artifacts the ones it names?
 *
 * The verdict is a JSON report (printed as is with --json, or as text):
 *   {verified, reason, provenance, envelope:{line}, signature:{ok, keyid,
 *    keyType, validSignatures}, statement:{ok, predicateType, buildType,
 *    builderId, subjects:[...]}, artifacts:[{path, ok, sha256, subject, reason}]}
 * A provenance file may hold several envelopes (JSON Lines); the first one that
 * verifies completely wins, otherwise the reason of the one that got furthest
 * is reported.
 */
#ifndef MP_VERIFY_H
#define MP_VERIFY_H

#include <jansson.h>
#include <stdio.h>
#include <stddef.h>

#include "err.h"
#include "keys.h"

typedef struct mp_verify_opts {
  const mp_key *const *keys;
  size_t nkeys;
  size_t min_sigs;                /* 0 or 1: one trusted signature */
  const char *provenance;
  const char *const *artifacts;   /* files or model directories to re-hash */
  size_t nartifacts;
  unsigned threads;
} mp_verify_opts;

/* 0 verified; MP_EVERIFY not verified (report->reason says why); other codes
 * for usage or I/O errors (message in e, report may be NULL). */
int mp_verify_provenance(const mp_verify_opts *o, json_t **report, mp_err *e);

/* The local digest of an artifact as mlprov names it: SHA-256 of a file, the
 * OMS files root of a directory. hex >= 65 bytes. */
int mp_artifact_digest(const char *path, unsigned threads, char *hex, int *is_dir, mp_err *e);

/* Human-readable verdict. */
void mp_verify_print(const json_t *report, FILE *out);

#endif
