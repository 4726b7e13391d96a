"""test_rank.py -- mlprov._client._rank_from_env, the Python hook's reading
of the launcher variables that lib/rank.c reads for the C hooks (torchrun,
Slurm, Open MPI, PMI): each family alone, their precedence (per list, the
first variable holding a whole decimal number in int32 range wins),
malformed values falling through, values passed on as given (range checks
are the agent's), absence, and the Rank message it encodes. Every test
starts from an environment without any launcher variable."""
import os
import socket
import unittest
from unittest import mock

from mlprov import _client, _wire

LAUNCHER_VARS = (
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NPROCS",
    "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE",
    "MPI_LOCALRANKID", "SLURMD_NODENAME", "MLPROV_JOB_ID", "SLURM_JOB_ID", "TORCHELASTIC_RUN_ID")


class RankFromEnvTest(unittest.TestCase):
    def setUp(self):
        env = dict((k, v) for k, v in os.environ.items() if k not in LAUNCHER_VARS)
        patcher = mock.patch.dict(os.environ, env, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        # _wire.rank(rank, local_rank, world_size, node, job_id): see what
        # _rank_from_env passes instead of the encoded bytes
        patcher = mock.patch.object(_client._wire, "rank", lambda *a: a)
        patcher.start()
        self.addCleanup(patcher.stop)

    def read(self, **env):
        os.environ.update(env)
        return _client._rank_from_env()

    def test_absent(self):
        self.assertIsNone(self.read())
        self.assertIsNone(self.read(LOCAL_RANK="1", WORLD_SIZE="8", SLURM_NTASKS="8", MLPROV_JOB_ID="j",
                                    SLURMD_NODENAME="n"))

    def test_torchrun(self):
        self.assertEqual(self.read(RANK="5", LOCAL_RANK="1", WORLD_SIZE="8", TORCHELASTIC_RUN_ID="elastic-42"),
                         (5, 1, 8, socket.gethostname(), "elastic-42"))

    def test_slurm(self):
        self.assertEqual(self.read(SLURM_PROCID="13", SLURM_LOCALID="3", SLURM_NTASKS="16",
                                   SLURMD_NODENAME="gpu-node-07", SLURM_JOB_ID="918273"),
                         (13, 3, 16, "gpu-node-07", "918273"))

    def test_open_mpi(self):
        self.assertEqual(self.read(OMPI_COMM_WORLD_RANK="6", OMPI_COMM_WORLD_LOCAL_RANK="2",
                                   OMPI_COMM_WORLD_SIZE="12")[:3], (6, 2, 12))

    def test_pmi(self):
        r = self.read(PMI_RANK="9")
        self.assertEqual(r[:2], (9, 0))

    def test_rank_zero_is_a_rank(self):
        self.assertEqual(self.read(RANK="0", WORLD_SIZE="1")[:3], (0, 0, 1))

    def test_precedence(self):
        # MPI's variables before Slurm's: mpirun inside an allocation inherits
        # the batch step's SLURM_PROCID (lib/rank.h)
        self.read(RANK="1", LOCAL_RANK="11", WORLD_SIZE="100",
                  SLURM_PROCID="2", SLURM_LOCALID="12", SLURM_NTASKS="200",
                  OMPI_COMM_WORLD_RANK="3", OMPI_COMM_WORLD_LOCAL_RANK="13", OMPI_COMM_WORLD_SIZE="300",
                  PMI_RANK="4", MPI_LOCALRANKID="14", PMI_SIZE="400")
        self.assertEqual(self.read()[:3], (1, 11, 100))
        for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
            del os.environ[k]
        self.assertEqual(self.read()[:3], (3, 13, 300))
        for k in ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_SIZE"):
            del os.environ[k]
        self.assertEqual(self.read()[:3], (4, 14, 400))
        for k in ("PMI_RANK", "MPI_LOCALRANKID", "PMI_SIZE"):
            del os.environ[k]
        self.assertEqual(self.read()[:3], (2, 12, 200))
        for k in ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"):
            del os.environ[k]
        self.assertIsNone(self.read())

    def test_strict_numbers_as_the_c_hooks(self):
        for bad in (" 3", "3 ", "+3", "1_0", "0x3", "3.0", "-", "\u0663", "2147483648", "-2147483648",
                    "99999999999999999999"):
            self.assertEqual(self.read(RANK=bad, PMI_RANK="5")[:3], (5, 0, 0), bad)
        self.assertEqual(self.read(RANK="007")[:3], (7, 0, 0))
        self.assertEqual(self.read(RANK="2147483647")[:3], (2147483647, 0, 0))

    def test_lists_are_independent(self):
        self.assertEqual(self.read(RANK="3", SLURM_NTASKS="4", OMPI_COMM_WORLD_LOCAL_RANK="1")[:3], (3, 1, 4))

    def test_job_id_and_node_precedence(self):
        self.read(RANK="0", MLPROV_JOB_ID="mine", SLURM_JOB_ID="4711", TORCHELASTIC_RUN_ID="te",
                  SLURMD_NODENAME="n1")
        self.assertEqual(self.read()[3:], ("n1", "mine"))
        self.assertEqual(self.read(MLPROV_JOB_ID="")[3:], ("n1", "4711"))
        self.assertEqual(self.read(SLURM_JOB_ID="")[3:], ("n1", "te"))
        self.assertEqual(self.read(TORCHELASTIC_RUN_ID="", SLURMD_NODENAME="")[3:], (socket.gethostname(), ""))

    # Values both readers reject (test_strict_numbers_as_the_c_hooks has the
    # ones Python's int() alone would take).
    BAD = ("", "abc", "3x", "1.5", "0x10", "1e3", "-", "+", "--1", "0 1", "2147483648", "99999999999999999999")

    def test_malformed_values_fall_through(self):
        self.read(SLURM_PROCID="7", SLURM_LOCALID="1", SLURM_NTASKS="8")
        for b in self.BAD:
            self.assertEqual(self.read(RANK=b, LOCAL_RANK=b, WORLD_SIZE=b)[:3], (7, 1, 8), repr(b))
        for k in ("SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS"):
            del os.environ[k]
        for b in self.BAD:
            self.assertIsNone(self.read(RANK=b), repr(b))
            self.assertEqual(self.read(RANK="2", LOCAL_RANK=b, WORLD_SIZE=b)[:3], (2, 0, 0), repr(b))
            del os.environ["RANK"]

    def test_malformed_rank_only(self):
        self.assertEqual(self.read(RANK="two", LOCAL_RANK="0", WORLD_SIZE="4", SLURM_PROCID="2",
                                   SLURM_NTASKS="99")[:3], (2, 0, 4))

    def test_out_of_range_values_are_passed_on(self):
        self.assertEqual(self.read(RANK="-1", WORLD_SIZE="8")[:3], (-1, 0, 8))
        self.assertEqual(self.read(RANK="8")[:3], (8, 0, 8))
        self.assertEqual(self.read(RANK="2147483647", LOCAL_RANK="-2147483647", WORLD_SIZE="-3")[:3],
                         (2147483647, -2147483647, -3))
        self.assertEqual(self.read(RANK="007", LOCAL_RANK="0", WORLD_SIZE="0")[:3], (7, 0, 0))


class RankMessageTest(unittest.TestCase):
    """Without the stand-in: the bytes are _wire.rank's encoding of what the
    environment says."""

    def test_encoded(self):
        env = dict((k, v) for k, v in os.environ.items() if k not in LAUNCHER_VARS)
        env.update(SLURM_PROCID="3", SLURM_LOCALID="1", SLURM_NTASKS="4", SLURMD_NODENAME="gpu-1",
                   SLURM_JOB_ID="77")
        with mock.patch.dict(os.environ, env, clear=True):
            got = _client._rank_from_env()
        self.assertEqual(got, _wire.rank(3, 1, 4, "gpu-1", "77"))
        self.assertNotEqual(got, _wire.rank(3, 1, 4, "gpu-1", "78"))


if __name__ == "__main__":
    unittest.main()
