"""_auto.py -- automatic mode: what an unmodified script reveals by itself.

start() is called at interpreter start by the sitecustomize that `mlprov run`
puts on PYTHONPATH. It records:
  - every file opened for reading (audit event "open", PEP 578), once per
    absolute path, as FileRead; the agent hashes them after the job. Code of
    the interpreter and of installed packages (.py, .pyc, .so ... under the
    stdlib and site-packages directories) is not listed file by file: the
    packages are recorded instead, and the count of such files is reported.
    A user module's __pycache__/*.pyc is reported as its .py source;
  - the interpreter (implementation, version, executable, platform) and
    every installed distribution (importlib.metadata) as a pkg:pypi package;
  - at exit: the top-level modules imported, the distributions they come
    from (Dependency.loaded), and torch / CUDA / cuDNN versions and the GPUs
    in use when torch was imported.
Slow work (package scan, JSON) runs in the hook's thread, not in the job's.

Invariants: the audit hook never raises (an exception there would fail the
job's open()), imports nothing (that could recurse into itself), and ignores
the hook thread's own file opens.

Environment: MLPROV_PYTHON_AUTO=0 turns automatic mode off (explicit calls
still work); MLPROV_PYTHON_MAX_FILES (default 100000) caps the files listed,
the rest are counted.
"""

import atexit
import os
import sys
import threading

from . import _core, _client

PYPI_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~")
CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyi", ".so", ".pyd", ".pth", "py.typed")


class _State(object):
    def __init__(self):
        self.seen = set()
        self.listed = 0
        self.library_files = 0
        self.over_limit = 0
        self.max_files = _client._env_int("MLPROV_PYTHON_MAX_FILES", 100000, 0, 1 << 30)
        self.lib_roots = ()
        self.dists = {}          # normalized name -> (name, version, purl)
        self.top_levels = {}     # top-level module -> [normalized dist names]
        self.pid = os.getpid()


S = None


def purl_pypi(name, version):
    """pkg:pypi/NAME@VERSION per the purl spec: name lowercased with "_" as
    "-", both percent-encoded outside the unreserved set (a local version
    "1.13.0a0+gitunknown" becomes "1.13.0a0%2Bgitunknown")."""
    def enc(s):
        return "".join(c if c in PYPI_SAFE else "".join("%%%02X" % b for b in c.encode("utf-8"))
                       for c in s)
    p = "pkg:pypi/" + enc(name.lower().replace("_", "-"))
    return p + "@" + enc(version) if version else p


def normalize(name):
    """PEP 503 normalized distribution name."""
    out, dash = [], False
    for c in name.lower():
        if c in "-_.":
            if not dash:
                out.append("-")
            dash = True
        else:
            out.append(c)
            dash = False
    return "".join(out)


def _library_roots():
    """Directories whose code files are covered by the package records."""
    import site
    roots = set()
    roots.add(os.path.dirname(os.__file__))                      # the stdlib
    try:
        roots.update(site.getsitepackages())
    except Exception:
        pass
    try:
        roots.add(site.getusersitepackages())
    except Exception:
        pass
    for p in sys.path:
        if p.endswith(("site-packages", "dist-packages", "lib-dynload")) or p.endswith(".zip"):
            roots.add(p)
    roots.add(os.path.dirname(os.path.abspath(__file__)))       # the hook itself
    return tuple(sorted(os.path.abspath(r).rstrip("/") + "/" for r in roots if r))


def _source_of(pyc):
    """dir/__pycache__/name.TAG.pyc -> dir/name.py when it exists."""
    head, _, tail = pyc.rpartition("/__pycache__/")
    src = head + "/" + tail.split(".", 1)[0] + ".py"
    return src if os.path.exists(src) else pyc


def _make_audit_hook(state):
    getcwd, join, normpath = os.getcwd, os.path.join, os.path.normpath
    fspath, fsdecode, stat = os.fspath, os.fsdecode, os.stat
    S_ISDIR = __import__("stat").S_ISDIR
    get_ident = threading.get_ident
    O_ACCMODE, O_WRONLY, O_RDWR = os.O_ACCMODE, os.O_WRONLY, os.O_RDWR
    NEW_CONTENT = os.O_TRUNC | os.O_EXCL   # truncated or created: nothing read
    seen = state.seen
    core = _core
    skip_prefixes = ("/proc/", "/sys/", "/dev/")

    def hook(event, args):
        if event != "open":
            return
        try:
            c = core.C
            if c is None or c.quiet or get_ident() == c.drain_ident:
                return
            path, mode, flags = args
            if flags.__class__ is int and flags:
                acc = flags & O_ACCMODE
                if acc == O_WRONLY or (acc == O_RDWR and flags & NEW_CONTENT):
                    return
            elif mode and mode.__class__ is str and ("w" in mode or "a" in mode or "x" in mode):
                return
            if path.__class__ is not str:
                if path.__class__ is int:
                    return                      # an already open descriptor
                path = fspath(path)
                if path.__class__ is bytes:
                    path = fsdecode(path)
            if path[:1] != "/":
                path = normpath(join(getcwd(), path))
            if path in seen:
                return
            seen.add(path)
            if path.startswith(skip_prefixes):
                return
            if path.startswith(state.lib_roots) and (
                    path.endswith(CODE_SUFFIXES) or ".dist-info/" in path or ".egg-info" in path):
                state.library_files += 1
                return
            # The event comes before the open: a path that does not exist is
            # an open about to fail (a probe), not an input; a directory is
            # opened to list or walk it (shutil.rmtree, os.fwalk).
            try:
                if S_ISDIR(stat(path).st_mode):
                    return
            except OSError:
                seen.discard(path)       # it may exist later
                return
            if "/__pycache__/" in path and path.endswith(".pyc"):
                path = _source_of(path)
                if path in seen:
                    return
                seen.add(path)
            if state.listed >= state.max_files:
                state.over_limit += 1
                return
            state.listed += 1
            c.put(("f", core._client_time_ns(), path, None))
        except Exception:
            pass

    return hook


# --- collection (runs in the hook thread) ------------------------------------

def _top_levels(dist):
    """Top-level import names a distribution provides."""
    try:
        txt = dist.read_text("top_level.txt")
    except Exception:
        txt = None
    if txt:
        return [t.strip().replace("/", ".").split(".")[0] for t in txt.split() if t.strip()]
    names = set()
    try:
        for f in dist.files or ():
            parts = f.parts
            if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info")):
                continue
            first = parts[0]
            if len(parts) == 1:
                if not first.endswith(".py") and ".cpython-" not in first and not first.endswith(".so"):
                    continue
                first = first.split(".", 1)[0]
            names.add(first)
    except Exception:
        pass
    return sorted(names)


def _collect_startup():
    import json
    c = _core.C
    st = S
    impl = sys.implementation.name
    vi = sys.version_info
    ver = "%d.%d.%d" % vi[:3] + ("" if vi.releaselevel == "final" else
                                 {"alpha": "a", "beta": "b", "candidate": "rc"}.get(vi.releaselevel, "") + str(vi.serial))
    uname = os.uname()
    put = c.put
    now = _core._client_time_ns
    put(("y", now(), impl, ver, "pkg:generic/%s@%s" % (impl, ver), None, True))
    put(("n", now(), "python.runtime", json.dumps({
        "implementation": impl, "version": ver, "executable": sys.executable,
        "prefix": sys.prefix, "basePrefix": getattr(sys, "base_prefix", sys.prefix),
        "platform": "%s-%s-%s" % (uname.sysname, uname.release, uname.machine), "pid": os.getpid(),
        "cacheTag": sys.implementation.cache_tag,
    }, sort_keys=True)))
    try:
        import importlib.metadata as md
    except ImportError:  # Python < 3.8
        return
    for dist in md.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version or ""
        except Exception:
            continue
        if not name:
            continue
        key = normalize(name)
        if key in st.dists:      # the first on sys.path is the one imported
            continue
        purl = purl_pypi(name, version)
        st.dists[key] = (name, version, purl)
        put(("y", now(), name, version, purl, None, False))
        for top in _top_levels(dist):
            st.top_levels.setdefault(top, []).append(key)


def _mark_loaded(modules):
    st = S
    seen = set()
    for m in modules:
        for key in st.top_levels.get(m, ()):
            if key in seen:
                continue
            seen.add(key)
            name, version, purl = st.dists[key]
            _core.C.put(("y", _core._client_time_ns(), name, version, purl, None, True))


def _torch_info():
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    # torch is the job's object: any attribute may raise (a lazy or broken
    # module). What could not be asked is left out; the first error is kept.
    info = {"version": ""}
    try:
        info["version"] = str(getattr(torch, "__version__", ""))
    except Exception as e:
        info["error"] = repr(e)
    try:
        info["cuda"] = torch.version.cuda
        info["hip"] = getattr(torch.version, "hip", None)
        info["gitVersion"] = getattr(torch.version, "git_version", None)
    except Exception:
        pass
    try:
        # Only a job that used CUDA is asked about devices: querying would
        # otherwise initialise the driver at exit.
        if torch.cuda.is_initialized():
            info["cudnn"] = torch.backends.cudnn.version()
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        else:
            info["cudaInitialized"] = False
    except Exception as e:
        info.setdefault("error", repr(e))
    vis = os.environ.get("CUDA_VISIBLE_DEVICES")
    if vis is not None:
        info["cudaVisibleDevices"] = vis
    return info


def _torch_json(info):
    """python.torch's text. A value torch answered whose str() raises cannot
    be encoded: the version and that error are recorded instead."""
    import json
    try:
        return json.dumps(info, sort_keys=True, default=str)
    except Exception as e:
        return json.dumps({"version": info["version"], "error": repr(e)}, sort_keys=True)


def _at_exit():
    st, c = S, _core.C
    if st is None or c is None or st.pid != os.getpid():
        return
    try:
        import json
        modules = sorted(set(m.partition(".")[0] for m in list(sys.modules)))
        now = _core._client_time_ns
        c.put(("n", now(), "python.modules", json.dumps(modules)))
        c.put(("x", 0, lambda: _mark_loaded(modules)))
        t = _torch_info()
        if t is not None:
            c.put(("n", now(), "python.torch", _torch_json(t)))
        c.put(("n", now(), "python.files", json.dumps({
            "listed": st.listed, "libraryFilesNotListed": st.library_files,
            "overLimitNotListed": st.over_limit}, sort_keys=True)))
    except Exception as e:
        _client.warn("collecting run information at exit failed: %r" % (e,))


def start():
    """Turns automatic mode on (once per process, when under mlprov)."""
    global S
    c = _core.C
    if S is not None or c is None or os.environ.get("MLPROV_PYTHON_AUTO", "1") == "0":
        return
    if not hasattr(sys, "addaudithook"):  # Python < 3.8
        return
    S = _State()
    S.lib_roots = _library_roots()
    c.put(("x", 0, _collect_startup))
    atexit.register(_at_exit)
    sys.addaudithook(_make_audit_hook(S))
