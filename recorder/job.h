/* job.h — this run as one node of a distributed training job (mlprov run
 * --job-id, or a launcher's job id variable): which job, which node, which
 * ranks ran here, recorded in internalParameters.job for `mlprov merge`
 * (docs/multinode.md).
 *
 * Ranks are those the job's processes reported in their hook Hellos
 * (rankSource "hooks"); when none did, the rank in mlprov run's own
 * environment, for a launcher that starts one mlprov run per rank
 * (rankSource "environment"). Hellos naming another job id, disagreeing on
 * the world size, or giving a rank outside it are recorded as conflicts and
 * warnings: a node attestation with conflicts is refused by merge.
 */
#ifndef MP_JOB_H
#define MP_JOB_H

#include <jansson.h>

#include "record.h"

/* {id, node, worldSize, ranks:[...], rankSource, conflicts?:[...]}, or NULL
 * when rec->job_id is unset. Warnings are appended to warnings. */
json_t *mp_job_node(const mp_record *rec, json_t *warnings);

#endif
