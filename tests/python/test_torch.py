"""test_torch.py -- what automatic mode records about torch at exit
(mlprov/_auto.py _torch_info, the "python.torch" annotation), in real
interpreters against a fake agent, with a fake torch the job puts in
sys.modules: torch / CUDA / HIP versions always; cuDNN and the GPUs only when
the job initialised CUDA (asking otherwise would start the driver at exit);
CUDA_VISIBLE_DEVICES when set. A torch whose attributes raise never changes
the job's status or output and never costs the other at-exit records."""
import json
import os
import shutil
import tempfile
import textwrap
import unittest

from fakeagent import FakeAgent, run_python

GIT = "d44533f9d073df13895333e70b66f81c513c1889"

# Written next to each job. Every call the hook makes is appended to
# calls.log, so a test can tell which driver queries were made; a name in
# `fail` raises instead of answering; a name in `omit` is left out, as in an
# old or partial torch.
FAKE_TORCH = '''
import os, sys, types

LOG = os.path.abspath("calls.log")
GPUS = ("NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3")


def install(version="2.3.1+cu121", cuda="12.1", hip=None, git=%r, available=True,
            initialized=True, cudnn=8902, gpus=GPUS, fail=(), omit=(), unprintable=False):
    class Unprintable(object):
        def __str__(self):
            raise RuntimeError("fake torch: str(device name) failed")
        __repr__ = __str__

    def call(name, answer):
        def f(*args):
            with open(LOG, "a") as log:
                log.write("%%s(%%s)\\n" %% (name, ", ".join(map(repr, args))))
            if name in fail:
                raise RuntimeError("fake torch: %%s failed" %% name)
            return answer(*args) if callable(answer) else answer
        return f

    class Version(object):
        hip = None

        @property
        def cuda(self):
            if "version.cuda" in fail:
                raise RuntimeError("fake torch: version.cuda failed")
            return cuda

    ver = Version()
    ver.hip, ver.git_version = hip, git
    if "__all__" in fail:
        class Hostile(types.ModuleType):
            def __getattribute__(self, name):
                if name in ("__name__", "__dict__", "__class__", "__spec__"):
                    return types.ModuleType.__getattribute__(self, name)
                raise RuntimeError("fake torch: torch.%%s failed" %% name)
        torch = Hostile("torch")
    else:
        torch = types.ModuleType("torch")
        torch.__version__ = version
    torch.__dict__["version"] = ver
    c = types.ModuleType("torch.cuda")
    c.is_available = call("cuda.is_available", available)
    c.is_initialized = call("cuda.is_initialized", initialized)
    c.device_count = call("cuda.device_count", len(gpus))
    c.get_device_name = call("cuda.get_device_name", lambda i: Unprintable() if unprintable else gpus[i])
    torch.__dict__["cuda"] = c
    cudnn_mod = types.ModuleType("torch.backends.cudnn")
    cudnn_mod.version = call("backends.cudnn.version", cudnn)
    backends = types.ModuleType("torch.backends")
    backends.cudnn = cudnn_mod
    torch.__dict__["backends"] = backends
    for name in omit:
        del torch.__dict__[name]
    sys.modules["torch"] = torch
''' % GIT

# The questions that reach the CUDA driver: never asked unless the job
# initialised CUDA itself.
DRIVER_CALLS = ("cuda.is_available", "cuda.device_count", "cuda.get_device_name", "backends.cudnn.version")


def write(path, text):
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


class TorchTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mlprov-torch-")
        self.agent = FakeAgent()
        write(os.path.join(self.dir, "faketorch.py"), FAKE_TORCH)

    def tearDown(self):
        self.agent.close()
        shutil.rmtree(self.dir)

    def torch_job(self, visible=None, status=0, **spec):
        """Runs a job that installs the fake torch with `spec`; CUDA_VISIBLE_DEVICES
        is `visible` (None: unset). Checks the job's status and output are its
        own and nothing went to stderr; returns (annotations, calls made)."""
        job = write(os.path.join(self.dir, "job.py"), """
            import os, sys, faketorch
            faketorch.install(**%r)
            %s
            print("trained")
            sys.exit(%d)
        """ % (spec, 'os.environ.pop("CUDA_VISIBLE_DEVICES", None)' if visible is None
               else "os.environ['CUDA_VISIBLE_DEVICES'] = %r" % visible, status))
        p = run_python(job, self.agent.path, cwd=self.dir)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (status, "trained\n", ""))
        evs = self.agent.events()
        ann = dict((e["annotation"]["key"], e["annotation"].get("text", "")) for e in evs if "annotation" in e)
        # The other at-exit records are all there, whatever torch did.
        self.assertIn("torch", json.loads(ann["python.modules"]))
        self.assertEqual(json.loads(ann["python.files"])["listed"], 2)     # job.py, faketorch.py
        try:
            with open(os.path.join(self.dir, "calls.log")) as f:
                calls = f.read().splitlines()
        except FileNotFoundError:
            calls = []
        return ann, calls

    def driver_calls(self, calls):
        return [c for c in calls if c.startswith(DRIVER_CALLS)]

    def test_cuda_initialised_records_versions_cudnn_and_gpus(self):
        ann, calls = self.torch_job(visible="2,3")
        want = {"version": "2.3.1+cu121", "cuda": "12.1", "hip": None, "gitVersion": GIT,
                "cudnn": 8902, "gpus": ["NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3"],
                "cudaVisibleDevices": "2,3"}
        self.assertEqual(json.loads(ann["python.torch"]), want)
        self.assertEqual(ann["python.torch"], json.dumps(want, sort_keys=True))   # stable bytes
        self.assertEqual(sorted(calls), ["backends.cudnn.version()", "cuda.device_count()",
                                         "cuda.get_device_name(0)", "cuda.get_device_name(1)",
                                         "cuda.is_initialized()"])

    def test_cuda_available_not_initialised_asks_the_driver_nothing(self):
        ann, calls = self.torch_job(version="2.3.1+rocm6.0", cuda=None, hip="6.0.32830-d62f6a171",
                                    available=True, initialized=False, status=3)
        self.assertEqual(json.loads(ann["python.torch"]), {
            "version": "2.3.1+rocm6.0", "cuda": None, "hip": "6.0.32830-d62f6a171",
            "gitVersion": GIT, "cudaInitialized": False})          # no cudaVisibleDevices: unset
        self.assertEqual(calls, ["cuda.is_initialized()"])

    def test_cuda_not_available_records_versions_only(self):
        ann, calls = self.torch_job(version="2.3.1+cpu", cuda=None, available=False,
                                    initialized=False, gpus=(), visible="")
        self.assertEqual(json.loads(ann["python.torch"]), {
            "version": "2.3.1+cpu", "cuda": None, "hip": None, "gitVersion": GIT,
            "cudaInitialized": False, "cudaVisibleDevices": ""})   # "" hides every GPU: recorded
        self.assertEqual(self.driver_calls(calls), [])

    def test_initialised_without_gpus_records_an_empty_list(self):
        ann, calls = self.torch_job(gpus=())
        info = json.loads(ann["python.torch"])
        self.assertEqual((info["cudnn"], info["gpus"]), (8902, []))
        self.assertNotIn("cudaInitialized", info)
        self.assertNotIn("error", info)
        self.assertFalse([c for c in calls if c.startswith("cuda.get_device_name")])

    def test_partial_torch_records_what_it_has(self):
        ann, calls = self.torch_job(omit=("version", "cuda", "backends"))
        info = json.loads(ann["python.torch"])
        self.assertEqual(sorted(info), ["error", "version"])
        self.assertEqual(info["version"], "2.3.1+cu121")
        self.assertTrue(info["error"].startswith("AttributeError("), info["error"])
        self.assertEqual(calls, [])

    def test_failing_cuda_query_is_recorded_not_raised(self):
        ann, calls = self.torch_job(fail=("version.cuda", "cuda.is_initialized"), status=5)
        self.assertEqual(json.loads(ann["python.torch"]), {
            "version": "2.3.1+cu121", "error": "RuntimeError('fake torch: cuda.is_initialized failed')"})
        self.assertEqual(self.driver_calls(calls), [])

    def test_failing_device_name_keeps_what_came_before(self):
        ann, calls = self.torch_job(fail=("cuda.get_device_name",))
        self.assertEqual(json.loads(ann["python.torch"]), {
            "version": "2.3.1+cu121", "cuda": "12.1", "hip": None, "gitVersion": GIT, "cudnn": 8902,
            "error": "RuntimeError('fake torch: cuda.get_device_name failed')"})
        self.assertIn("cuda.get_device_name(0)", calls)

    def test_failing_cudnn_version_is_recorded_not_raised(self):
        ann, calls = self.torch_job(fail=("backends.cudnn.version",), visible="0")
        self.assertEqual(json.loads(ann["python.torch"]), {
            "version": "2.3.1+cu121", "cuda": "12.1", "hip": None, "gitVersion": GIT,
            "error": "RuntimeError('fake torch: backends.cudnn.version failed')",
            "cudaVisibleDevices": "0"})

    def test_torch_whose_every_attribute_raises(self):
        ann, calls = self.torch_job(fail=("__all__",))
        info = json.loads(ann["python.torch"])
        self.assertEqual(info, {"version": "", "error": "RuntimeError('fake torch: torch.__version__ failed')"})
        self.assertEqual(calls, [])

    def test_device_name_that_cannot_be_printed(self):
        # Every torch call answers, but a device name's str() raises when
        # the record is encoded at exit.
        ann, calls = self.torch_job(unprintable=True)
        info = json.loads(ann["python.torch"])
        self.assertEqual(info, {"version": "2.3.1+cu121",
                                "error": "RuntimeError('fake torch: str(device name) failed')"})
        self.assertIn("cuda.get_device_name(1)", calls)

if __name__ == "__main__":
    unittest.main()
