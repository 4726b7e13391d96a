/* rank.h — where a process sits in a distributed training job, as the
 * launchers say it in the environment. One reading of the launcher variables
 * shared by the C hook, the LD_PRELOAD hook and the agent, so they can never
 * disagree about a rank.
 *
 *   rank        RANK (torchrun), OMPI_COMM_WORLD_RANK, PMI_RANK, SLURM_PROCID
 *   local rank  LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID,
 *               SLURM_LOCALID
 *   world size  WORLD_SIZE, OMPI_COMM_WORLD_SIZE, PMI_SIZE, SLURM_NTASKS
 *   node        SLURMD_NODENAME, else the host name
 *   job id      MLPROV_JOB_ID, SLURM_JOB_ID, TORCHELASTIC_RUN_ID
 *
 * The first variable of each list that holds a decimal number (an optional
 * '-', then ASCII digits, nothing else; within 32 bits) wins. MPI's come
 * before Slurm's: under `mpirun` inside a Slurm allocation the processes
 * inherit the batch step's SLURM_PROCID and SLURM_NTASKS (a node index and
 * count), while the MPI variables name the process; under `srun` both agree.
 * The Python hook (hooks/python/mlprov/_client.py) reads the same way.
 * libc only (linked into the hooks), no allocation, never changes errno.
 */
#ifndef MP_RANK_H
#define MP_RANK_H

#define MP_RANK_NAME_MAX 256

typedef struct mp_rank_env {
  int have_rank;                  /* a rank variable was set */
  int rank, local_rank, world_size;
  char node[MP_RANK_NAME_MAX];    /* "" when unknown */
  char job_id[MP_RANK_NAME_MAX];  /* "" when no launcher variable is set */
} mp_rank_env;

/* Fills r from the environment; returns r->have_rank. */
int mp_rank_from_env(mp_rank_env *r);

#endif
