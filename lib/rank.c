/* rank.c — see rank.h. */
#include "rank.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int env_int(const char *name, int *out) {
  const char *v = getenv(name);
  if (!v || !*v) return 0;
  char *end;
  long n = strtol(v, &end, 10);
  if (*end || n < -2147483647L || n > 2147483647L) return 0;
  *out = (int)n;
  return 1;
}

static void copy(char *dst, const char *src) {
  size_t n = strlen(src);
  if (n >= MP_RANK_NAME_MAX) n = MP_RANK_NAME_MAX - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

int mp_rank_from_env(mp_rank_env *r) {
  int saved = errno;
  memset(r, 0, sizeof *r);
  r->have_rank = env_int("RANK", &r->rank) || env_int("SLURM_PROCID", &r->rank) ||
                 env_int("OMPI_COMM_WORLD_RANK", &r->rank) || env_int("PMI_RANK", &r->rank);
  if (!env_int("LOCAL_RANK", &r->local_rank) && !env_int("SLURM_LOCALID", &r->local_rank))
    env_int("OMPI_COMM_WORLD_LOCAL_RANK", &r->local_rank);
  if (!env_int("WORLD_SIZE", &r->world_size) && !env_int("SLURM_NTASKS", &r->world_size))
    env_int("OMPI_COMM_WORLD_SIZE", &r->world_size);
  const char *node = getenv("SLURMD_NODENAME");
  if (node && *node) copy(r->node, node);
  else if (gethostname(r->node, sizeof r->node - 1) != 0) r->node[0] = '\0';
  r->node[sizeof r->node - 1] = '\0';
  const char *job = getenv("MLPROV_JOB_ID");
  if (!job || !*job) job = getenv("SLURM_JOB_ID");
  if (!job || !*job) job = getenv("TORCHELASTIC_RUN_ID");
  if (job) copy(r->job_id, job);
  errno = saved;
  return r->have_rank;
}
