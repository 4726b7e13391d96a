"""_core.py -- the process's single hook client and the event encoders.

C is the Client of this process when it runs under `mlprov run`
($MLPROV_SOCKET set), else None: every public call checks it first, so the
hook costs one attribute load when mlprov is not there. Events are tuples
(kind code, time in ns, fields...) built in the caller's thread; ENCODERS
turns them into (Event oneof member, body bytes) in the drain thread. Kind
"x" is a task: a function run in the drain thread (slow collection work that
must not run in the training loop).

Lifecycle: the client connects on its first event; an atexit handler sends
what is queued and the final counters; after fork() the child gets a new
client of its own (see _client) and, because a multiprocessing worker leaves
through os._exit() without atexit, also a threading-shutdown hook.
"""

import atexit
import os
import threading
import time

from . import _client, _wire

VERSION = "0.1.0"
EXIT_TIMEOUT = 10.0

_client_time_ns = time.time_ns

ROLES = {"model": _wire.ROLE_MODEL, "checkpoint": _wire.ROLE_CHECKPOINT, "other": _wire.ROLE_OTHER}


def _run_task(item):
    item[2]()
    return None


ENCODERS = {
    "f": lambda it: (_wire.K_FILE_READ, _wire.file_read(it[2], it[3])),
    "d": lambda it: (_wire.K_DATASET, _wire.dataset(*it[2:8])),
    "y": lambda it: (_wire.K_DEPENDENCY, _wire.dependency(*it[2:7])),
    "p": lambda it: (_wire.K_PARAMETER, _wire.parameter(it[2], _json_text(it[3]))),
    "a": lambda it: (_wire.K_ARTIFACT, _wire.artifact(it[2], it[3], it[4])),
    "b": lambda it: (_wire.K_BASE_MODEL, _wire.base_model(*it[2:6])),
    "n": lambda it: (_wire.K_ANNOTATION, _wire.annotation(it[2], it[3])),
    "r": lambda it: (_wire.K_RECORD, _wire.record(it[2], it[3])),
    "w": lambda it: (_wire.K_FILE_WRITTEN, _wire.file_written(it[2])),
    "x": _run_task,
}


class Json(object):
    """A parameter value already turned into JSON text at call time."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def json_default(o):
    """Values json cannot encode: numpy/torch scalars and arrays become
    numbers and lists, anything else its str()."""
    for attr in ("item", "tolist"):
        f = getattr(o, attr, None)
        if f is not None:
            try:
                return f()
            except Exception:
                pass
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


_dumps = None


def to_json(value):
    global _dumps
    if _dumps is None:
        import json   # not at import time: interpreter start stays light
        _dumps = json.dumps
    try:
        return _dumps(value, default=json_default, ensure_ascii=False)
    except Exception:  # circular structure, failing __str__ ...
        try:
            return _dumps(repr(value), ensure_ascii=False)
        except Exception:
            return '"<unprintable>"'


_FINITE = float("inf")


def _json_text(v):
    """JSON text of a parameter value; the common scalars without json."""
    t = v.__class__
    if t is Json:
        return v.text
    if t is int:
        return str(v)
    if t is float and -_FINITE < v < _FINITE:
        return repr(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    return to_json(v)


C = None            # this process's Client, or None when not under mlprov
_owner_pid = None   # the pid C belongs to
last_dataset = None  # name of the last declared dataset (default for record())


def _new_client():
    path = os.environ.get("MLPROV_SOCKET")
    if not path:
        return None
    return _client.Client(path, VERSION, ENCODERS)


def close(timeout=EXIT_TIMEOUT):
    """Delivers what is queued; reports drops the agent could not be told."""
    c = C
    if c is None or c.closed or _owner_pid != os.getpid():
        return
    unreported = c.close(timeout)
    if c.dropped:
        how = ("reported to the agent" if not unreported else
               "%d of them could not be reported to the agent (%s)" % (unreported, c.quiet_reason))
        _client.warn("%d event(s) were dropped; %s%s" % (
            c.dropped, how, "; " + "; ".join(c.notes) if c.notes else ""))


def _after_fork_in_child():
    global C, _owner_pid
    old = C
    if old is None:
        return
    s = old._sock
    if s is not None:
        try:
            s.close()  # the child's copy of the descriptor only
        except OSError:
            pass
    C = _new_client()
    _owner_pid = os.getpid()
    reg = getattr(threading, "_register_atexit", None)  # Python 3.9+
    if reg is not None:
        try:
            reg(close)
        except Exception:
            pass


def _init():
    global C, _owner_pid
    C = _new_client()
    _owner_pid = os.getpid()
    if C is not None:
        atexit.register(close)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)


_init()
