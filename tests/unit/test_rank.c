/* test_rank.c — mp_rank_from_env (lib/rank.c): the rank, local rank, world
 * size, node and job id of a process as torchrun, Slurm, Open MPI and PMI
 * say them in the environment. Each family alone, their precedence (per
 * list, the first variable holding a whole decimal number wins), malformed
 * values falling through to the next variable, values passed on as given
 * (range checks are recorder/job.c's), absence, truncation and errno. Every
 * test starts from an environment without any launcher variable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rank.h"
#include "unit.h"

static const char *const launcher_vars[] = {
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NPROCS",
    "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE",
    "MPI_LOCALRANKID", "SLURMD_NODENAME", "MLPROV_JOB_ID", "SLURM_JOB_ID", "TORCHELASTIC_RUN_ID", NULL};

static int clear_env(void **state) {
  (void)state;
  for (const char *const *v = launcher_vars; *v; v++) unsetenv(*v);
  return 0;
}

static void set(const char *name, const char *value) { assert_int_equal(setenv(name, value, 1), 0); }

/* what names the case in a failure message */
static void expect_case(const char *what, int have, int rank, int local, int world) {
  mp_rank_env r;
  memset(&r, 0x5a, sizeof r); /* every field must be written */
  int got = mp_rank_from_env(&r);
  if (got != have || r.have_rank != have || r.rank != rank || r.local_rank != local || r.world_size != world)
    fail_msg("%s: got have_rank %d (returned %d), rank %d, local rank %d, world size %d; want %d, %d, %d, %d", what,
             r.have_rank, got, r.rank, r.local_rank, r.world_size, have, rank, local, world);
}

#define expect(have, rank, local, world) expect_case(__func__, have, rank, local, world)

static void expect_names(const char *node, const char *job) {
  mp_rank_env r;
  mp_rank_from_env(&r);
  assert_string_equal(r.node, node);
  assert_string_equal(r.job_id, job);
}

static void absent(void **state) {
  (void)state;
  expect(0, 0, 0, 0);
  char host[MP_RANK_NAME_MAX] = "";
  assert_int_equal(gethostname(host, sizeof host - 1), 0);
  expect_names(host, "");
}

static void torchrun(void **state) {
  (void)state;
  set("RANK", "5");
  set("LOCAL_RANK", "1");
  set("WORLD_SIZE", "8");
  set("TORCHELASTIC_RUN_ID", "elastic-42");
  expect(1, 5, 1, 8);
  mp_rank_env r;
  mp_rank_from_env(&r);
  assert_string_equal(r.job_id, "elastic-42");
}

static void slurm(void **state) {
  (void)state;
  set("SLURM_PROCID", "13");
  set("SLURM_LOCALID", "3");
  set("SLURM_NTASKS", "16");
  set("SLURMD_NODENAME", "gpu-node-07");
  set("SLURM_JOB_ID", "918273");
  expect(1, 13, 3, 16);
  expect_names("gpu-node-07", "918273");
}

static void open_mpi(void **state) {
  (void)state;
  set("OMPI_COMM_WORLD_RANK", "6");
  set("OMPI_COMM_WORLD_LOCAL_RANK", "2");
  set("OMPI_COMM_WORLD_SIZE", "12");
  expect(1, 6, 2, 12);
}

static void pmi(void **state) {
  (void)state;
  set("PMI_RANK", "9");
  expect(1, 9, 0, 0);
  set("PMI_SIZE", "16"); /* MPICH / Intel MPI (Hydra) */
  set("MPI_LOCALRANKID", "1");
  expect(1, 9, 1, 16);
}

static void rank_zero_is_a_rank(void **state) {
  (void)state;
  set("RANK", "0");
  set("WORLD_SIZE", "1");
  expect(1, 0, 0, 1);
}

/* All four families at once, with different values: torchrun's wins; take
 * it away and Open MPI's does, then PMI's (with MPICH's local rank), then
 * Slurm's: under mpirun inside a Slurm allocation the processes inherit the
 * batch step's SLURM_PROCID, so MPI's variables must come first. */
static void precedence(void **state) {
  (void)state;
  set("RANK", "1");
  set("LOCAL_RANK", "11");
  set("WORLD_SIZE", "100");
  set("SLURM_PROCID", "2");
  set("SLURM_LOCALID", "12");
  set("SLURM_NTASKS", "200");
  set("OMPI_COMM_WORLD_RANK", "3");
  set("OMPI_COMM_WORLD_LOCAL_RANK", "13");
  set("OMPI_COMM_WORLD_SIZE", "300");
  set("PMI_RANK", "4");
  set("MPI_LOCALRANKID", "14");
  set("PMI_SIZE", "400");
  expect(1, 1, 11, 100);
  unsetenv("RANK");
  unsetenv("LOCAL_RANK");
  unsetenv("WORLD_SIZE");
  expect(1, 3, 13, 300);
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("OMPI_COMM_WORLD_LOCAL_RANK");
  unsetenv("OMPI_COMM_WORLD_SIZE");
  expect(1, 4, 14, 400);
  unsetenv("PMI_RANK");
  unsetenv("MPI_LOCALRANKID");
  unsetenv("PMI_SIZE");
  expect(1, 2, 12, 200);
  unsetenv("SLURM_PROCID");
  unsetenv("SLURM_LOCALID");
  unsetenv("SLURM_NTASKS");
  expect(0, 0, 0, 0);
}

/* Numbers as both hooks read them: '-'? then ASCII digits, nothing else. */
static void strict_numbers(void **state) {
  (void)state;
  static const char *bad[] = {" 3", "3 ", "+3", "1_0", "0x3", "3.0", "-", "", "2147483648", "-2147483648",
                              "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    set("RANK", bad[i]);
    set("PMI_RANK", "5");
    expect(1, 5, 0, 0); /* the malformed RANK falls through to PMI_RANK */
  }
  set("RANK", "007");
  expect(1, 7, 0, 0);
  set("RANK", "2147483647");
  expect(1, 2147483647, 0, 0);
}

/* Each list is read on its own: a rank from torchrun and a world size from
 * Slurm when WORLD_SIZE is not set (rank.h: "the first variable of each
 * list"). */
static void lists_are_independent(void **state) {
  (void)state;
  set("RANK", "3");
  set("SLURM_NTASKS", "4");
  set("OMPI_COMM_WORLD_LOCAL_RANK", "1");
  expect(1, 3, 1, 4);
}

static void job_id_and_node_precedence(void **state) {
  (void)state;
  set("MLPROV_JOB_ID", "mine");
  set("SLURM_JOB_ID", "4711");
  set("TORCHELASTIC_RUN_ID", "te");
  set("SLURMD_NODENAME", "n1");
  expect_names("n1", "mine");
  set("MLPROV_JOB_ID", ""); /* empty counts as unset */
  expect_names("n1", "4711");
  unsetenv("MLPROV_JOB_ID");
  set("SLURM_JOB_ID", "");
  expect_names("n1", "te");
  unsetenv("SLURM_JOB_ID");
  unsetenv("TORCHELASTIC_RUN_ID");
  set("SLURMD_NODENAME", ""); /* empty: the host name */
  char host[MP_RANK_NAME_MAX] = "";
  assert_int_equal(gethostname(host, sizeof host - 1), 0);
  expect_names(host, "");
}

/* A value that is not a whole decimal number in int range is skipped: the
 * next variable of the list is read, or the field stays 0. */
static void malformed_values_fall_through(void **state) {
  (void)state;
  static const char *const bad[] = {"",    "abc", "3x",  "3 ",  "1.5",        "0x10", "1_0", "1e3",
                                    "-",   "+",   "--1", "0 1", "2147483648", "99999999999999999999", NULL};
  set("SLURM_PROCID", "7");
  set("SLURM_LOCALID", "1");
  set("SLURM_NTASKS", "8");
  for (const char *const *b = bad; *b; b++) {
    set("RANK", *b);
    set("LOCAL_RANK", *b);
    set("WORLD_SIZE", *b);
    expect_case(*b, 1, 7, 1, 8);
  }
  unsetenv("SLURM_PROCID");
  unsetenv("SLURM_LOCALID");
  unsetenv("SLURM_NTASKS");
  for (const char *const *b = bad; *b; b++) {
    set("RANK", *b);
    set("LOCAL_RANK", *b);
    set("WORLD_SIZE", *b);
    expect_case(*b, 0, 0, 0, 0);
  }
}

/* A malformed torchrun rank next to a valid Slurm one: Slurm's is taken,
 * and the other lists still read torchrun's. */
static void malformed_rank_only(void **state) {
  (void)state;
  set("RANK", "two");
  set("LOCAL_RANK", "0");
  set("WORLD_SIZE", "4");
  set("SLURM_PROCID", "2");
  set("SLURM_NTASKS", "99");
  expect(1, 2, 0, 4);
}

/* Negative ranks and ranks at or beyond the world size are numbers: they
 * are reported as given, and recorder/job.c records them as conflicts. */
static void out_of_range_values_are_passed_on(void **state) {
  (void)state;
  set("RANK", "-1");
  set("WORLD_SIZE", "8");
  expect(1, -1, 0, 8);
  set("RANK", "8");
  expect(1, 8, 0, 8);
  set("RANK", "2147483647");
  set("LOCAL_RANK", "-2147483647");
  set("WORLD_SIZE", "-3");
  expect(1, 2147483647, -2147483647, -3);
  set("RANK", "007");
  set("LOCAL_RANK", "0");
  set("WORLD_SIZE", "0");
  expect(1, 7, 0, 0);
}

static void long_names_are_truncated(void **state) {
  (void)state;
  char v[600];
  memset(v, 'n', sizeof v - 1);
  v[sizeof v - 1] = '\0';
  v[0] = 'A';
  set("SLURMD_NODENAME", v);
  v[0] = 'B';
  set("MLPROV_JOB_ID", v);
  mp_rank_env r;
  mp_rank_from_env(&r);
  assert_int_equal(strlen(r.node), MP_RANK_NAME_MAX - 1);
  assert_int_equal(strlen(r.job_id), MP_RANK_NAME_MAX - 1);
  assert_int_equal(r.node[0], 'A');
  assert_int_equal(r.job_id[0], 'B');
  assert_memory_equal(r.node + 1, v + 1, MP_RANK_NAME_MAX - 2);
}

/* strtol's ERANGE on an overflowing value must not leak to the caller (the
 * hooks run inside the training process). */
static void errno_is_kept(void **state) {
  (void)state;
  set("RANK", "99999999999999999999999");
  set("WORLD_SIZE", "abc");
  errno = EDOM;
  mp_rank_env r;
  assert_int_equal(mp_rank_from_env(&r), 0);
  assert_int_equal(errno, EDOM);
  set("RANK", "1");
  errno = 0;
  assert_int_equal(mp_rank_from_env(&r), 1);
  assert_int_equal(errno, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(absent, clear_env),
      cmocka_unit_test_setup(torchrun, clear_env),
      cmocka_unit_test_setup(slurm, clear_env),
      cmocka_unit_test_setup(open_mpi, clear_env),
      cmocka_unit_test_setup(pmi, clear_env),
      cmocka_unit_test_setup(rank_zero_is_a_rank, clear_env),
      cmocka_unit_test_setup(precedence, clear_env),
      cmocka_unit_test_setup(strict_numbers, clear_env),
      cmocka_unit_test_setup(lists_are_independent, clear_env),
      cmocka_unit_test_setup(job_id_and_node_precedence, clear_env),
      cmocka_unit_test_setup(malformed_values_fall_through, clear_env),
      cmocka_unit_test_setup(malformed_rank_only, clear_env),
      cmocka_unit_test_setup(out_of_range_values_are_passed_on, clear_env),
      cmocka_unit_test_setup(long_names_are_truncated, clear_env),
      cmocka_unit_test_setup(errno_is_kept, clear_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
