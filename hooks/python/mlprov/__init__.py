"""mlprov -- report what a Python training job reads, uses and writes to the
mlprov agent that wraps it (`mlprov run -- python train.py`).

Under `mlprov run` the hook also loads by itself at interpreter start
(automatic mode, no change to the script: files read, installed packages,
imported modules, interpreter and torch/CUDA versions; see mlprov._auto).
These calls add what only the script knows:

    import mlprov
    mlprov.dataset("digits", path="data/train.pt")
    mlprov.params({"lr": 0.01, "epochs": 3})
    for x in samples:
        mlprov.record(x)                   # dataset transparency (Merkle tree)
    mlprov.artifact("ckpt/epoch-1.pt", role="checkpoint")
    mlprov.artifact("model.pt")            # role="model"

Without mlprov ($MLPROV_SOCKET unset) every call does nothing, so the same
script runs either way. Calls never raise into the caller and never block:
they queue the event and return (microseconds); a background thread sends
it. When the queue is full or the agent is gone the event is dropped and
counted, and the count ends up in the provenance (see stats()). Relative
paths are made absolute when the call is made.
"""

import hashlib as _hashlib
import os as _os
import time as _time

from . import _core
from ._core import Json as _Json, to_json as _to_json

__all__ = ["dataset", "record", "record_leaf", "param", "params", "artifact", "base_model",
           "dependency", "annotate", "file_read", "file_written", "active", "stats", "flush"]
__version__ = _core.VERSION

_time_ns = _time.time_ns
_IMMUTABLE = (str, int, float, bool, type(None))


def _path(p):
    """Absolute path text (made absolute now: the job may chdir later)."""
    p = _os.fspath(p)
    if isinstance(p, bytes):
        p = _os.fsdecode(p)
    return p if p.startswith("/") else _os.path.abspath(p)


def _text(s):
    return s if s.__class__ is str else ("" if s is None else str(s))


def _digest(d):
    """"sha256:HEX", bare HEX (sha256), or {"alg": "hex"} -> dict or None."""
    if not d:
        return None
    if isinstance(d, dict):
        return dict((str(k), str(v)) for k, v in d.items())
    d = str(d)
    alg, sep, value = d.partition(":")
    return {alg: value} if sep else {"sha256": d}


def _put(item):
    c = _core.C
    if c is not None:
        c.put(item)


def _warn_event(msg):
    """A misuse the caller should see: recorded in the provenance, not raised."""
    _put(("n", _time_ns(), "mlprov.python.warning", msg))


def dataset(name, path=None, uri=None, digest=None, record_count=0, merkle_root=None,
            record_format=None):
    """Declares a dataset the job trains on. path: a local file or directory
    (the agent hashes it after the job); uri: where it lives otherwise.
    digest: "sha256:HEX", HEX or {"sha256": HEX}. Later record() calls
    without a dataset name go to the last dataset declared."""
    if _core.C is None:
        return
    try:
        name = _text(name)
        _core.last_dataset = name
        where = _path(path) if path is not None else _text(uri)
        _put(("d", _time_ns(), name, where, _digest(digest), int(record_count or 0),
              _text(merkle_root), _text(record_format)))
    except Exception as e:
        _warn_event("dataset(%r): %r" % (name, e))


def record(data, dataset=None):
    """One dataset record (a sample, a line, a file's bytes) for dataset
    transparency: the provenance commits to the RFC 9162 Merkle root of all
    records, in order. data: bytes-like or str (UTF-8). The leaf hash
    SHA-256(0x00 || data) is computed now, so data may be reused after."""
    c = _core.C
    if c is None:
        return
    try:
        h = _hashlib.sha256(b"\x00")
        h.update(data.encode("utf-8") if data.__class__ is str else data)
        c.put(("r", _time_ns(), dataset if dataset is not None else (_core.last_dataset or ""),
               h.digest()))
    except Exception as e:
        _warn_event("record(): %r" % (e,))


def record_leaf(leaf_hash, dataset=None):
    """A precomputed RFC 9162 leaf hash (32 bytes) of one record."""
    c = _core.C
    if c is None:
        return
    try:
        leaf = bytes(leaf_hash)
        if len(leaf) != 32:
            raise ValueError("a leaf hash has 32 bytes, not %d" % len(leaf))
        c.put(("r", _time_ns(), dataset if dataset is not None else (_core.last_dataset or ""), leaf))
    except Exception as e:
        _warn_event("record_leaf(): %r" % (e,))


def param(key, value):
    """A parameter of the run (hyper-parameter, seed, config value). value is
    recorded as JSON: numbers, strings, booleans, lists and dicts keep their
    type (numpy/torch scalars become numbers); the last value of a key wins."""
    c = _core.C
    if c is None:
        return
    try:
        if value.__class__ not in _IMMUTABLE:
            value = _Json(_to_json(value))   # snapshot now: the caller may change it
        c.put(("p", _time_ns(), _text(key), value))
    except Exception as e:
        _warn_event("param(%r): %r" % (key, e))


def params(mapping=None, **kwargs):
    """param() for every item of a dict (and keyword arguments)."""
    if _core.C is None:
        return
    try:
        for src in (mapping or {}, kwargs):
            for k, v in src.items():
                param(k, v)
    except Exception as e:
        _warn_event("params(): %r" % (e,))


def artifact(path, role="model", name=None):
    """A file or directory the job wrote, to sign as a subject of the
    provenance. role: "model", "checkpoint" or "other"."""
    if _core.C is None:
        return
    try:
        r = _core.ROLES.get(role)
        if r is None:
            _warn_event("artifact %s: unknown role %r, recorded as \"other\"" % (path, role))
            r = _core.ROLES["other"]
        _put(("a", _time_ns(), _path(path), r, _text(name)))
    except Exception as e:
        _warn_event("artifact(%r): %r" % (path, e))


def base_model(path_or_uri, name=None, digest=None, provenance=None):
    """The model this run starts from (fine-tuning, distillation): a local
    path (hashed by the agent) or a URI, and where its own provenance is."""
    if _core.C is None:
        return
    try:
        where = _os.fspath(path_or_uri)
        if isinstance(where, bytes):
            where = _os.fsdecode(where)
        if "://" not in where:
            where = _path(where)
        prov = _text(provenance)
        if prov and "://" not in prov:
            prov = _path(prov)
        _put(("b", _time_ns(), _text(name) or _os.path.basename(where.rstrip("/")),
              _digest(digest), where, prov))
    except Exception as e:
        _warn_event("base_model(%r): %r" % (path_or_uri, e))


def dependency(name, version=None, purl=None, digest=None):
    """A dependency the hook cannot see by itself (a tool, a container)."""
    if _core.C is None:
        return
    try:
        _put(("y", _time_ns(), _text(name), _text(version), _text(purl), _digest(digest), False))
    except Exception as e:
        _warn_event("dependency(%r): %r" % (name, e))


def annotate(key, text):
    """A free-form note kept in the provenance's byproducts."""
    if _core.C is None:
        return
    try:
        _put(("n", _time_ns(), _text(key), _text(text)))
    except Exception:
        pass


def file_read(path, digest=None):
    """An input file the hook cannot see (opened by C code, another tool)."""
    if _core.C is None:
        return
    try:
        _put(("f", _time_ns(), _path(path), _digest(digest)))
    except Exception as e:
        _warn_event("file_read(%r): %r" % (path, e))


def file_written(path):
    """A file the job wrote (listed among the byproducts, hashed at the end)."""
    if _core.C is None:
        return
    try:
        _put(("w", _time_ns(), _path(path)))
    except Exception as e:
        _warn_event("file_written(%r): %r" % (path, e))


def active():
    """True when running under mlprov and the agent connection is usable."""
    c = _core.C
    return c is not None and not c.quiet


def stats():
    """{"active", "sent", "dropped", "queued"} for this process."""
    c = _core.C
    if c is None:
        return {"active": False, "sent": 0, "dropped": 0, "queued": 0}
    return {"active": not c.quiet, "sent": c.sent, "dropped": c.dropped, "queued": c.queued()}


def flush(timeout=5.0):
    """Waits (at most timeout seconds) until every event so far was handed
    to the agent. True when the queue is empty."""
    c = _core.C
    if c is None:
        return True
    try:
        return c.flush(timeout)
    except Exception:
        return False
