"""test_auto.py -- automatic mode in real interpreters started the way
`mlprov run` starts them (sitecustomize on PYTHONPATH, MLPROV_SOCKET set),
against a fake agent: which opens become FileRead events, packages and the
interpreter, imported modules and loaded distributions, the existing
sitecustomize still runs, forked children get their own connection, the
job's output and exit status do not change."""
import json
import os
import shutil
import sys
import tempfile
import textwrap
import unittest

from fakeagent import FakeAgent, run_python, BOOT_DIR


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def make_dist(site, name, version, module, with_top_level=True):
    """A minimal installed distribution: NAME-VERSION.dist-info + module."""
    write(os.path.join(site, module, "__init__.py"), "VALUE = %r\n" % name)
    di = os.path.join(site, "%s-%s.dist-info" % (name.replace("-", "_"), version))
    write(os.path.join(di, "METADATA"), "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
    write(os.path.join(di, "RECORD"), "%s/__init__.py,,\n" % module)
    if with_top_level:
        write(os.path.join(di, "top_level.txt"), module + "\n")


class AutoTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mlprov-auto-")
        self.agent = FakeAgent()

    def tearDown(self):
        self.agent.close()
        shutil.rmtree(self.dir)

    def run_job(self, script, env=None, args=(), boot=True):
        path = write(os.path.join(self.dir, "job.py"), script)
        p = run_python(path, self.agent.path, cwd=self.dir, env=env, args=args, boot=boot)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def events(self, i=0):
        return self.agent.events(i)

    def files(self, evs):
        return [e["file_read"]["path"] for e in evs if "file_read" in e]

    def annotations(self, evs):
        return dict((e["annotation"]["key"], e["annotation"].get("text", "")) for e in evs if "annotation" in e)

    def test_files_read_are_reported_once_and_only_reads(self):
        d = self.dir
        write(os.path.join(d, "data", "train.csv"), "a,b\n1,2\n")
        write(os.path.join(d, "data", "other.txt"), "x")
        write(os.path.join(d, "helper.py"), "X = 1\n")
        p = self.run_job("""
            import os, helper, colorsys, shutil, tempfile
            for _ in range(3):
                open("data/train.csv").read()             # relative, repeated
            open(os.path.abspath("data/other.txt"), "rb").read()
            fd = os.open("data/other.txt", os.O_RDONLY); os.close(fd)
            open("written.txt", "w").write("w")            # write only: not an input
            open("appended.txt", "a").write("a")
            fd = os.open("new.bin", os.O_RDWR | os.O_CREAT | os.O_EXCL); os.close(fd)
            try:
                open("does-not-exist.txt")                 # a probe that fails
            except OSError:
                pass
            fd = os.open("data", os.O_RDONLY); os.close(fd)   # a directory
            t = tempfile.mkdtemp(); open(os.path.join(t, "f"), "w").close(); shutil.rmtree(t)
            open("/dev/null").read()
            os.chdir("data"); open("train.csv").read()     # same file after chdir
            print("job output")
        """)
        self.assertEqual(p.stdout, "job output\n")
        evs = self.events()
        files = self.files(evs)
        job = os.path.join(d, "job.py")
        self.assertEqual(sorted(files), sorted([job, os.path.join(d, "helper.py"),
                                                os.path.join(d, "data", "train.csv"),
                                                os.path.join(d, "data", "other.txt")]))
        self.assertEqual(len(files), len(set(files)))
        info = json.loads(self.annotations(evs)["python.files"])
        self.assertEqual(info["listed"], 4)
        self.assertGreater(info["libraryFilesNotListed"], 0)   # colorsys, for one

    def test_user_module_pyc_is_reported_as_its_source(self):
        write(os.path.join(self.dir, "mod.py"), "Y = 2\n")
        import py_compile
        py_compile.compile(os.path.join(self.dir, "mod.py"))   # a valid cached .pyc
        self.run_job("import mod\n")
        files = self.files(self.events())
        self.assertIn(os.path.join(self.dir, "mod.py"), files)
        self.assertFalse([f for f in files if f.endswith(".pyc")], files)

    def test_packages_interpreter_modules_and_loaded(self):
        site = os.path.join(self.dir, "site-packages")
        make_dist(site, "Demo_Pkg", "1.2.3+local", "demo_mod")
        make_dist(site, "unused-pkg", "0.1", "unused_mod", with_top_level=False)
        self.run_job("import demo_mod\n", env={"PYTHONPATH": site})
        evs = self.events()
        deps = [e["dependency"] for e in evs if "dependency" in e]
        by_purl = {}
        for dep in deps:
            by_purl.setdefault(dep["purl"], []).append(dep)
        demo = by_purl["pkg:pypi/demo-pkg@1.2.3%2Blocal"]
        self.assertEqual(demo[0], {"name": "Demo_Pkg", "version": "1.2.3+local", "purl": "pkg:pypi/demo-pkg@1.2.3%2Blocal"})
        self.assertTrue(demo[-1].get("loaded"), "imported distribution marked loaded")
        unused = by_purl["pkg:pypi/unused-pkg@0.1"]
        self.assertFalse([u for u in unused if u.get("loaded")])
        ver = "%d.%d.%d" % sys.version_info[:3]
        interp = [d for d in deps if d["purl"].startswith("pkg:generic/")]
        self.assertEqual(interp[0]["version"], ver)
        self.assertTrue(interp[0]["loaded"])
        ann = self.annotations(evs)
        rt = json.loads(ann["python.runtime"])
        self.assertEqual(rt["executable"], sys.executable)
        self.assertEqual(rt["version"], ver)
        modules = json.loads(ann["python.modules"])
        self.assertIn("demo_mod", modules)
        self.assertNotIn("unused_mod", modules)
        self.assertNotIn("python.torch", ann)       # torch was not imported

    def test_existing_sitecustomize_still_runs(self):
        user = os.path.join(self.dir, "usersite")
        write(os.path.join(user, "sitecustomize.py"), "import builtins\nbuiltins.USER_SITECUSTOMIZE = 'ran'\n")
        p = run_python(write(os.path.join(self.dir, "job.py"), """
import sys, sitecustomize
print(USER_SITECUSTOMIZE, sitecustomize.__file__)
print(any(p.rstrip('/').endswith('mlprov/_boot') for p in sys.path))
"""), self.agent.path, cwd=self.dir, env={"PYTHONPATH": user})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines(), ["ran " + os.path.join(user, "sitecustomize.py"), "False"])
        self.assertTrue(self.events())

    def test_failing_sitecustomize_is_reported_like_site_does(self):
        user = os.path.join(self.dir, "usersite")
        write(os.path.join(user, "sitecustomize.py"), "raise ValueError('broken site')\n")
        job = write(os.path.join(self.dir, "job.py"), "print('still ran')\n")
        with_hook = run_python(job, self.agent.path, cwd=self.dir, env={"PYTHONPATH": user})
        self.assertEqual(with_hook.returncode, 0)
        self.assertEqual(with_hook.stdout, "still ran\n")
        self.assertIn("Error in sitecustomize; set PYTHONVERBOSE for traceback:\nValueError: broken site",
                      with_hook.stderr)

    def test_same_script_without_mlprov_runs_unchanged(self):
        script = write(os.path.join(self.dir, "job.py"), """
import sys, mlprov
mlprov.param("lr", 0.1)
mlprov.artifact("m.bin")
print("args", sys.argv[1:], "active", mlprov.active())
sys.exit(3)
""")
        plain = run_python(script, None, cwd=self.dir, boot=False, args=("a", "b"))
        hooked = run_python(script, self.agent.path, cwd=self.dir, args=("a", "b"))
        self.assertEqual(plain.returncode, 3)
        self.assertEqual(hooked.returncode, 3)
        self.assertEqual(plain.stdout, "args ['a', 'b'] active False\n")
        self.assertEqual(hooked.stdout, "args ['a', 'b'] active True\n")
        self.assertEqual(plain.stderr, "")
        self.assertEqual(hooked.stderr, "")

    def test_auto_off_keeps_explicit_calls(self):
        write(os.path.join(self.dir, "data.txt"), "x")
        self.run_job("import mlprov\nopen('data.txt').read()\nmlprov.param('k', 1)\n",
                     env={"MLPROV_PYTHON_AUTO": "0"})
        evs = self.events()
        self.assertEqual(self.files(evs), [])
        self.assertEqual([e["parameter"] for e in evs if "parameter" in e], [{"key": "k", "value": "1"}])

    def test_file_limit_counts_the_rest(self):
        for i in range(10):
            write(os.path.join(self.dir, "d", "f%d" % i), "x")
        self.run_job("import os\nfor i in range(10): open('d/f%d' % i).read()\n",
                     env={"MLPROV_PYTHON_MAX_FILES": "3"})
        evs = self.events()
        self.assertEqual(len(self.files(evs)), 3)
        info = json.loads(self.annotations(evs)["python.files"])
        self.assertEqual((info["listed"], info["overLimitNotListed"]), (3, 8))   # job.py + 10 files

    def test_forked_children_use_their_own_connection(self):
        write(os.path.join(self.dir, "a.txt"), "a")
        write(os.path.join(self.dir, "b.txt"), "b")
        p = self.run_job("""
            import os, sys, multiprocessing as mp, mlprov
            def child():
                open("b.txt").read()
                mlprov.param("child", os.getpid())
            if __name__ == "__main__":
                for i in range(200):
                    mlprov.param("parent-before", i)
                ctx = mp.get_context("fork")
                procs = [ctx.Process(target=child) for _ in range(3)]
                [q.start() for q in procs]
                for i in range(200):
                    mlprov.param("parent-after", i)
                [q.join() for q in procs]
                pid = os.fork()
                if pid == 0:
                    mlprov.param("raw-fork", 1)
                    sys.exit(0)                     # atexit runs in the child
                os.waitpid(pid, 0)
                open("a.txt").read()
                print("exit codes", [q.exitcode for q in procs])
        """)
        self.assertEqual(p.stdout, "exit codes [0, 0, 0]\n")
        self.assertEqual(self.agent.nconns(), 5)
        params, files, pids = {}, [], set()
        for i in range(5):
            msgs, rc = self.agent.messages(i)
            self.assertEqual(rc, 0, "connection %d decodes cleanly (no interleaving)" % i)
            pids.add(msgs[0]["msg"]["pid"])
            for m in msgs[1:]:
                ev = m["msg"]
                if "parameter" in ev:
                    params.setdefault(ev["parameter"]["key"], []).append(ev["parameter"].get("value"))
                if "file_read" in ev:
                    files.append(ev["file_read"]["path"])
        self.assertEqual(len(pids), 5)
        self.assertEqual(len(params["parent-before"]), 200)
        self.assertEqual(len(params["parent-after"]), 200)
        self.assertEqual(len(params["child"]), 3)
        self.assertEqual(params["raw-fork"], ["1"])
        self.assertEqual(sorted(set(os.path.basename(f) for f in files)), ["a.txt", "b.txt", "job.py"])


if __name__ == "__main__":
    unittest.main()
