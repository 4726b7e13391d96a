/* merge.h — `mlprov merge`: one signed provenance for a distributed training
 * job from the node attestations its nodes signed (docs/multinode.md).
 *
 * Every node attestation must verify against the trusted node keys, be an
 * mlprov training provenance recorded with a job id (internalParameters.job),
 * and agree with the others:
 *   - the job id is the one asked for, no node recorded rank conflicts, and
 *     no node failed (its job exited non-zero or was killed);
 *   - the world size is the same everywhere and ranks 0..worldSize-1 each
 *     appear in exactly one node attestation;
 *   - the command (externalParameters.command) is the same;
 *   - the code is the same: same source commit (or none anywhere), and every
 *     code file (by extension: .py, .sh, .so, .c ...) read under the same name
 *     on several nodes has the same digest;
 *   - the dataset shard set is consistent: a dataset declared under the same
 *     name on several nodes has the same digest. Different names (shards) may
 *     differ from node to node; that is what data parallelism does.
 * Every disagreement is reported, each with its reason; nothing is merged
 * unless there is none.
 *
 * The job provenance: subjects are the nodes' model artifacts (role "model";
 * when no node reported one, every --output of every node); the dependencies
 * are the union of the nodes' (each annotated with the nodes that had it);
 * each node attestation is a byproduct, referenced by the SHA-256 of its file
 * and of its signed payload.
 */
#ifndef MP_MERGE_H
#define MP_MERGE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "keys.h"

#define MP_JOB_BUILD_TYPE "https://mlprov.dev/buildtypes/training-job/v1"

typedef struct mp_merge_opts {
  const char *job_id;
  const char *const *inputs;     /* node attestation files */
  size_t ninputs;
  const mp_key *const *trusted;  /* public keys the node attestations may be signed with */
  size_t ntrusted;
  const char *builder_id;        /* NULL: MP_DEFAULT_BUILDER_ID */
} mp_merge_opts;

/* 0 and *statement (the job's, checked) when every node agrees; MP_EVERIFY
 * when they do not: *problems (array of strings) says every reason. Other
 * codes (I/O, usage) carry their message in e. *problems is always set on
 * return (free it with json_decref). */
int mp_merge_job(const mp_merge_opts *o, json_t **statement, json_t **problems, mp_err *e);

#endif
