# sitecustomize.py -- loads the mlprov Python hook at interpreter start.
#
# `mlprov run` puts this directory first on PYTHONPATH (and the directory
# holding the mlprov package after it), so Python's site module imports this
# file instead of the sitecustomize it would have found. This file then:
#   1. runs that other sitecustomize (the next one on sys.path, e.g. Debian's
#      /usr/lib/python3.X/sitecustomize.py or one from the user's PYTHONPATH)
#      exactly as site.py would have, errors reported the way site.py does;
#   2. takes this directory off sys.path again, so the job's sys.path is what
#      it would be without mlprov, plus the mlprov package directory;
#   3. when $MLPROV_SOCKET is set, turns on the hook's automatic mode.
# It never raises: a hook that cannot start prints one line and the job runs.
# Kept importable by any Python (no f-strings); the hook needs Python 3.8+.
import os
import sys


def _mlprov_chain(here):
    try:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec
    except ImportError:  # Python 2
        return
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    mod = module_from_spec(spec)
    sys.modules["sitecustomize"] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as err:  # the same report as site.execsitecustomize()
        if sys.flags.verbose:
            sys.excepthook(*sys.exc_info())
        else:
            sys.stderr.write("Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                             "%s: %s\n" % (err.__class__.__name__, err))


def _mlprov_boot():
    here = os.path.dirname(os.path.abspath(__file__))
    _mlprov_chain(here)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    if not os.environ.get("MLPROV_SOCKET") or sys.version_info < (3, 8):
        return
    try:
        from mlprov import _auto
        _auto.start()
    except Exception as e:
        sys.stderr.write("mlprov (python hook): automatic capture not started: %r\n" % (e,))


_mlprov_boot()
del _mlprov_boot, _mlprov_chain
