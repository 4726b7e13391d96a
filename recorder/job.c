/* job.c — see job.h. */
#include "job.h"

#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static void conflict(json_t *conflicts, json_t *warnings, json_t *msg) {
  json_array_append(warnings, msg);
  json_array_append_new(conflicts, msg);
}

json_t *mp_job_node(const mp_record *rec, json_t *warnings) {
  if (!rec->job_id) return NULL;
  size_t nh = json_array_size(rec->hooks);
  int *ranks = calloc(nh + 1, sizeof *ranks);
  json_t *conflicts = json_array();
  if (!ranks || !conflicts) {
    free(ranks);
    json_decref(conflicts);
    return NULL;
  }
  size_t n = 0;
  int world = 0;
  const char *source = "hooks";
  size_t i;
  json_t *h;
  json_array_foreach(rec->hooks, i, h) {
    json_t *r = json_object_get(h, "rank");
    if (!r) continue;
    json_int_t pid = json_integer_value(json_object_get(h, "pid"));
    const char *job = json_string_value(json_object_get(r, "jobId"));
    int rank = (int)json_integer_value(json_object_get(r, "rank"));
    int ws = (int)json_integer_value(json_object_get(r, "worldSize"));
    if (job && *job && strcmp(job, rec->job_id) != 0) {
      conflict(conflicts, warnings, json_sprintf("process %lld reports job id \"%s\", this run records job \"%s\"",
                                                 (long long)pid, job, rec->job_id));
      continue;
    }
    if (ws != world && world != 0)
      conflict(conflicts, warnings, json_sprintf("process %lld reports world size %d, another process %d",
                                                 (long long)pid, ws, world));
    if (!world) world = ws;
    ranks[n++] = rank;
  }
  if (n == 0 && rec->launcher.have_rank) {
    ranks[n++] = rec->launcher.rank;
    world = rec->launcher.world_size;
    source = "environment";
  }
  qsort(ranks, n, sizeof *ranks, cmp_int);
  json_t *arr = json_array();
  for (size_t k = 0; k < n; k++) {
    if (k && ranks[k] == ranks[k - 1]) continue; /* one rank, several processes */
    if (ranks[k] < 0 || ranks[k] >= world)
      conflict(conflicts, warnings, json_sprintf("rank %d is outside the world size %d", ranks[k], world));
    json_array_append_new(arr, json_integer(ranks[k]));
  }
  free(ranks);
  if (n == 0)
    json_array_append_new(warnings, json_sprintf("job %s: no process reported its rank (RANK, SLURM_PROCID, "
                                                 "OMPI_COMM_WORLD_RANK...); this node cannot be merged", rec->job_id));
  json_t *o = json_pack("{s:s, s:s, s:i, s:o, s:s}", "id", rec->job_id, "node", rec->launcher.node, "worldSize",
                        world, "ranks", arr, "rankSource", n ? source : "none");
  if (o && json_array_size(conflicts)) json_object_set(o, "conflicts", conflicts);
  json_decref(conflicts);
  return o;
}
