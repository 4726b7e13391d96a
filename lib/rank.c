/* rank.c — see rank.h. */
#include "rank.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Strictly "-?[0-9]+" within 32 bits: strtol alone would also take leading
 * blanks and a '+', which the Python hook's reading must then match. */
static int env_int(const char *name, int *out) {
  const char *v = getenv(name);
  if (!v || !*v) return 0;
  const char *d = v[0] == '-' ? v + 1 : v;
  if (!*d) return 0;
  long long n = 0;
  for (; *d; d++) {
    if (*d < '0' || *d > '9' || n > 2147483647LL) return 0;
    n = n * 10 + (*d - '0');
  }
  if (v[0] == '-') n = -n;
  if (n < -2147483647LL || n > 2147483647LL) return 0;
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
  r->have_rank = env_int("RANK", &r->rank) || env_int("OMPI_COMM_WORLD_RANK", &r->rank) ||
                 env_int("PMI_RANK", &r->rank) || env_int("SLURM_PROCID", &r->rank);
  if (!env_int("LOCAL_RANK", &r->local_rank) && !env_int("OMPI_COMM_WORLD_LOCAL_RANK", &r->local_rank) &&
      !env_int("MPI_LOCALRANKID", &r->local_rank))
    env_int("SLURM_LOCALID", &r->local_rank);
  if (!env_int("WORLD_SIZE", &r->world_size) && !env_int("OMPI_COMM_WORLD_SIZE", &r->world_size) &&
      !env_int("PMI_SIZE", &r->world_size))
    env_int("SLURM_NTASKS", &r->world_size);
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
