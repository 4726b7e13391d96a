"""_wire.py -- the hook -> agent wire protocol (schema/event.proto,
package mlprov.event.v1) encoded by hand with the standard library only.

Spec followed: protobuf binary encoding, proto3 rules, as protobuf-c packs
them (the agent decodes with protobuf-c; tests/tools/evdump checks that
packing the decoded message again gives back these exact bytes):
  - fields are written in field-number order;
  - a proto3 scalar (number, bool, enum, string, bytes) equal to its default
    is not written; a message field or the Event's oneof member is written
    whenever it is present, even when empty;
  - map<string,string> is a repeated entry message {1: key, 2: value};
  - negative int32/int64 are 10-byte two's-complement varints.
Framing: a 4-byte unsigned big-endian length, then the message bytes.

Field numbers below must follow schema/event.proto; they are never reused.
"""

import struct

_PACK_LEN = struct.Struct(">I").pack
_MASK64 = (1 << 64) - 1

# A small cache: most lengths and tags are below 128.
_SMALL = [bytes((i,)) for i in range(128)]


def varint(n):
    """Base-128 varint of n (negative values as 64-bit two's complement)."""
    if 0 <= n < 128:
        return _SMALL[n]
    n &= _MASK64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _tag(field, wire_type):
    return varint((field << 3) | wire_type)


def utf8(s):
    """Text as protobuf string bytes. Text that is not valid Unicode (a file
    name with undecodable bytes, a lone surrogate) is sent with backslash
    escapes rather than as invalid UTF-8, which the agent could not store."""
    if s.__class__ is bytes:
        try:
            s.decode("utf-8")
            return s
        except UnicodeDecodeError:
            return s.decode("utf-8", "backslashreplace").encode("utf-8")
    if s.__class__ is not str:
        s = str(s)
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace")


class _Msg(object):
    """Accumulates one message's fields (callers go in field order)."""

    __slots__ = ("b",)

    def __init__(self):
        self.b = bytearray()

    def uint(self, tag, n):
        if n:
            self.b += tag
            self.b += varint(n)
        return self

    def boolean(self, tag, v):
        if v:
            self.b += tag
            self.b += b"\x01"
        return self

    def raw(self, tag, data):
        """A length-delimited field written even when empty (messages)."""
        self.b += tag
        self.b += varint(len(data))
        self.b += data
        return self

    def string(self, tag, s):
        if s:
            self.raw(tag, utf8(s))
        return self

    def bytes_(self, tag, data):
        if data:
            self.raw(tag, bytes(data))
        return self

    def strmap(self, tag, mapping):
        if mapping:
            for k, v in mapping.items():
                entry = _Msg().string(_T1S, k).string(_T2S, v).b
                self.raw(tag, entry)
        return self

    def done(self):
        return bytes(self.b)


# Tags used by more than one message: field 1..5 as varint (V) or bytes (S).
_T1V, _T2V, _T3V, _T4V, _T5V, _T6V = (_tag(i, 0) for i in range(1, 7))
_T1S, _T2S, _T3S, _T4S, _T5S, _T6S = (_tag(i, 2) for i in range(1, 7))

HOOK_KIND_PYTHON = 2
PROTOCOL_VERSION = 1

ROLE_MODEL = 1
ROLE_CHECKPOINT = 2
ROLE_OTHER = 3

# Event oneof members (field numbers in Event).
K_FILE_READ = 10
K_DATASET = 11
K_DEPENDENCY = 12
K_PARAMETER = 13
K_ARTIFACT = 14
K_BASE_MODEL = 15
K_ANNOTATION = 16
K_RECORD = 17
K_HOOK_STATS = 18
K_FILE_WRITTEN = 19
K_EXEC = 20
_KIND_TAG = dict((k, _tag(k, 2)) for k in range(10, 21))


def rank(rank_, local_rank, world_size, node, job_id):
    """Rank {int32 rank=1; int32 local_rank=2; int32 world_size=3;
    string node=4; string job_id=5}"""
    return (_Msg().uint(_T1V, rank_).uint(_T2V, local_rank).uint(_T3V, world_size)
            .string(_T4S, node).string(_T5S, job_id).done())


def hello(pid, hook_version, rank_msg=None, hook_kind=HOOK_KIND_PYTHON, want_acks=False):
    """Hello {uint32 protocol_version=1; int64 pid=2; HookKind hook_kind=3;
    string hook_version=4; Rank rank=5; bool want_acks=6}"""
    m = _Msg().uint(_T1V, PROTOCOL_VERSION).uint(_T2V, pid).uint(_T3V, hook_kind)
    m.string(_T4S, hook_version)
    if rank_msg is not None:
        m.raw(_T5S, rank_msg)
    return m.boolean(_T6V, want_acks).done()


def timestamp(t_ns):
    """google.protobuf.Timestamp {int64 seconds=1; int32 nanos=2}; nanos is
    always in [0, 1e9), also before 1970 (floor division)."""
    s, ns = divmod(t_ns, 1000000000)
    if s:
        return (b"\x08" + varint(s) + b"\x10" + varint(ns)) if ns else b"\x08" + varint(s)
    return b"\x10" + varint(ns) if ns else b""


_EV_SEQ = _T1V
_EV_TIME = _T2S
_JOIN = b"".join


def event(seq, t_ns, kind, body):
    """Event {uint64 seq=1; Timestamp time=2; oneof kind {...=10..20}}.
    The hot path of the hook thread: written out rather than with _Msg."""
    ts = timestamp(t_ns)
    return _JOIN((b"\x08" + varint(seq) if seq else b"", b"\x12", _SMALL[len(ts)], ts,
                  _KIND_TAG[kind], varint(len(body)), body))


def frame(body):
    return _PACK_LEN(len(body)) + body


# --- event bodies -----------------------------------------------------------

def file_read(path, digest=None, size=0):
    """FileRead {string path=1; map<string,string> digest=2; uint64 size=3}"""
    if not digest and not size:
        return _lenfield(b"\x0a", path)
    return _Msg().string(_T1S, path).strmap(_T2S, digest).uint(_T3V, size).done()


def dataset(name, uri, digest=None, record_count=0, merkle_root=None, record_format=None):
    """Dataset {string name=1; string uri=2; map digest=3; uint64 record_count=4;
    string merkle_root=5; string record_format=6}"""
    return (_Msg().string(_T1S, name).string(_T2S, uri).strmap(_T3S, digest)
            .uint(_T4V, record_count).string(_T5S, merkle_root).string(_T6S, record_format).done())


def dependency(name, version=None, purl=None, digest=None, loaded=False):
    """Dependency {string name=1; string version=2; string purl=3; map digest=4;
    bool loaded=5}"""
    return (_Msg().string(_T1S, name).string(_T2S, version).string(_T3S, purl)
            .strmap(_T4S, digest).boolean(_T5V, loaded).done())


def _lenfield(tag, s):
    """A string field (tag byte + length + UTF-8), empty when s is empty."""
    if not s:
        return b""
    b = utf8(s)
    return tag + varint(len(b)) + b


def parameter(key, value):
    """Parameter {string key=1; string value=2}"""
    return _lenfield(b"\x0a", key) + _lenfield(b"\x12", value)


def artifact(path, role, name=None):
    """Artifact {string path=1; ArtifactRole role=2; string name=3}"""
    return _Msg().string(_T1S, path).uint(_T2V, role).string(_T3S, name).done()


def base_model(name, digest=None, uri=None, provenance=None):
    """BaseModel {string name=1; map digest=2; string uri=3; string provenance=4}"""
    return (_Msg().string(_T1S, name).strmap(_T2S, digest).string(_T3S, uri)
            .string(_T4S, provenance).done())


def annotation(key, text):
    """Annotation {string key=1; string text=2}"""
    return _Msg().string(_T1S, key).string(_T2S, text).done()


def record(dataset_name, leaf_hash=None, data=None):
    """Record {string dataset=1; bytes leaf_hash=2; bytes data=3}"""
    if data is None and leaf_hash is not None and len(leaf_hash) == 32:
        return _lenfield(b"\x0a", dataset_name) + b"\x12\x20" + leaf_hash
    return _Msg().string(_T1S, dataset_name).bytes_(_T2S, leaf_hash).bytes_(_T3S, data).done()


def hook_stats(sent, dropped, note=None):
    """HookStats {uint64 events_sent=1; uint64 events_dropped=2; string note=3}"""
    return _Msg().uint(_T1V, sent).uint(_T2V, dropped).string(_T3S, note).done()


def file_written(path):
    """FileWritten {string path=1}"""
    return _Msg().string(_T1S, path).done()


def exec_(path, argv):
    """Exec {string path=1; repeated string argv=2} (every element written,
    empty ones too, as for any repeated field)."""
    m = _Msg().string(_T1S, path)
    for a in argv or ():
        m.raw(_T2S, utf8(a))
    return m.done()
