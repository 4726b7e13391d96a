/* provenance.h — turns a finished run record into an in-toto Statement with an
 * SLSA v1 provenance predicate. Where each piece goes (docs/formats.md):
 *
 *   subject                      --output files/dirs and artifact events, SHA-256
 *                                (a directory: OMS "files" root, see modeldir.h)
 *   buildDefinition.buildType    https://mlprov.dev/buildtypes/training/v1
 *   externalParameters           command (argv), workingDirectory, parameters
 *                                (hook parameters), outputs — all redacted
 *   internalParameters           host (OS, CPU, toolchain, accelerators,
 *                                container, user), environment (redacted),
 *                                recorder (version)
 *   resolvedDependencies         source (git), datasets, packages, base models,
 *                                files read — each with annotations.kind
 *   runDetails.builder           id (--builder-id), version {mlprov}
 *   runDetails.metadata          invocationId, startedOn, finishedOn
 *   runDetails.byproducts        mlprov/run (exit status or jobStatus unknown,
 *                                complete, recovered, incompleteBecause),
 *                                mlprov/hooks (connections and the record.h
 *                                counters), files written, execs, annotations,
 *                                unknown events, extra_byproducts (mlprov/journal,
 *                                from cmd_run/cmd_recover), warnings
 */
#ifndef MP_PROVENANCE_H
#define MP_PROVENANCE_H

#include <jansson.h>

#include "err.h"
#include "record.h"

#define MP_BUILD_TYPE "https://mlprov.dev/buildtypes/training/v1"
#define MP_DEFAULT_BUILDER_ID "https://mlprov.dev/recorder/local"

typedef struct mp_prov_opts {
  const char *builder_id;        /* NULL: MP_DEFAULT_BUILDER_ID */
  const char *const *outputs;    /* as given on the command line */
  size_t noutputs;
  char *const *envp;             /* environment to record (redacted) */
  unsigned threads;              /* hashing threads, 0: one per CPU */
  json_t *extra_byproducts;      /* appended as is (borrowed), may be NULL */
  json_t *warnings;              /* warnings known before building (borrowed), may be NULL */
} mp_prov_opts;

/* Hashes subjects and inputs and builds the statement. Problems that do not
 * prevent a statement (an input missing at the end, a file that changed while
 * hashed) are appended to warnings (array of strings) and recorded in the
 * mlprov/warnings byproduct. An output that cannot be hashed is an error. */
int mp_provenance_build(const mp_record *rec, const mp_prov_opts *o, json_t *warnings,
                        json_t **statement, mp_err *e);

/* Where the provenance goes by default: next to the first subject. */
char *mp_provenance_default_base(const json_t *statement, const mp_record *rec);

#endif
