"""test_wire.py -- the Python encoder against the C decoder: every message
of schema/event.proto, edge values (0, maxima, negatives, empty and
non-ASCII text, invalid Unicode, large bodies) and seeded random events must
decode with protobuf-c to the values meant and re-pack to the same bytes."""
import hashlib
import random
import unittest

from mlprov import _wire as w
from fakeagent import evdump


def stream(hello, *events):
    return w.frame(hello) + b"".join(w.frame(e) for e in events)


def decode(data):
    msgs, rc = evdump(data)
    return msgs, rc


class WireTest(unittest.TestCase):
    def roundtrip(self, hello, *events):
        msgs, rc = decode(stream(hello, *events))
        self.assertEqual(rc, 0, msgs)
        self.assertEqual(len(msgs), 1 + len(events))
        for m in msgs:
            self.assertEqual(m["repack"], "same", m)
        return [m["msg"] for m in msgs]

    def test_hello_minimal_and_ranked(self):
        h = self.roundtrip(w.hello(42, "0.1.0"))[0]
        self.assertEqual(h, {"protocol_version": 1, "pid": 42, "hook_kind": 2, "hook_version": "0.1.0"})
        r = w.rank(-1, 0, 2**31 - 1, "nöde-1", "job/7")
        h = self.roundtrip(w.hello(2**40, "v", r, want_acks=True))[0]
        self.assertEqual(h["pid"], 2**40)
        self.assertTrue(h["want_acks"])
        self.assertEqual(h["rank"], {"rank": -1, "world_size": 2**31 - 1, "node": "nöde-1", "job_id": "job/7"})

    def test_empty_rank_is_present(self):
        h = self.roundtrip(w.hello(1, "", w.rank(0, 0, 0, "", "")))[0]
        self.assertEqual(h["rank"], {})

    def test_every_event_kind(self):
        leaf = hashlib.sha256(b"\x00abc").digest()
        evs = [
            (w.K_FILE_READ, w.file_read("/data/ä b.csv", {"sha256": "ab" * 32}, 123)),
            (w.K_DATASET, w.dataset("mnist", "s3://b/k", {"sha256": "cd" * 32, "md5": "ef" * 16},
                                    2**64 - 1, "00" * 32, "jsonl")),
            (w.K_DEPENDENCY, w.dependency("torch", "2.1.0+cu121", "pkg:pypi/torch@2.1.0%2Bcu121", None, True)),
            (w.K_PARAMETER, w.parameter("lr", "0.001")),
            (w.K_ARTIFACT, w.artifact("/out/model.pt", w.ROLE_CHECKPOINT, "ckpt")),
            (w.K_BASE_MODEL, w.base_model("llama", {"sha256": "01" * 32}, "hf://m", "/p.intoto.jsonl")),
            (w.K_ANNOTATION, w.annotation("note", "x" * 70000)),
            (w.K_RECORD, w.record("ds", leaf, None)),
            (w.K_RECORD, w.record("", None, b"\x00\xff raw")),
            (w.K_HOOK_STATS, w.hook_stats(10, 2**63, "queue full")),
            (w.K_FILE_WRITTEN, w.file_written("/tmp/out")),
            (w.K_EXEC, w.exec_("/bin/sh", ["sh", "", "-c", "échó"])),
        ]
        frames = [w.event(i + 1, 1700000000 * 10**9 + i, k, b) for i, (k, b) in enumerate(evs)]
        msgs = self.roundtrip(w.hello(1, "x"), *frames)[1:]
        got = dict((k, m) for m, (k, _) in zip(msgs, evs) if k != w.K_RECORD)
        self.assertEqual(got[w.K_FILE_READ]["file_read"],
                         {"path": "/data/ä b.csv", "digest": [{"key": "sha256", "value": "ab" * 32}], "size": 123})
        self.assertEqual(got[w.K_DATASET]["dataset"]["record_count"], 2**64 - 1)
        self.assertEqual(len(got[w.K_DATASET]["dataset"]["digest"]), 2)
        self.assertEqual(got[w.K_DEPENDENCY]["dependency"],
                         {"name": "torch", "version": "2.1.0+cu121", "purl": "pkg:pypi/torch@2.1.0%2Bcu121",
                          "loaded": True})
        self.assertEqual(got[w.K_ARTIFACT]["artifact"], {"path": "/out/model.pt", "role": 2, "name": "ckpt"})
        self.assertEqual(got[w.K_BASE_MODEL]["base_model"]["provenance"], "/p.intoto.jsonl")
        self.assertEqual(len(got[w.K_ANNOTATION]["annotation"]["text"]), 70000)
        self.assertEqual(got[w.K_HOOK_STATS]["hook_stats"],
                         {"events_sent": 10, "events_dropped": 2**63, "note": "queue full"})
        self.assertEqual(got[w.K_EXEC]["exec"], {"path": "/bin/sh", "argv": ["sh", "", "-c", "échó"]})
        self.assertEqual(msgs[7]["record"], {"dataset": "ds", "leaf_hash": leaf.hex()})
        self.assertEqual(msgs[8]["record"], {"data": "00ff20726177"})
        for i, m in enumerate(msgs):
            self.assertEqual(m["seq"], i + 1)
            self.assertEqual(m["time"], {"seconds": 1700000000, "nanos": i} if i else {"seconds": 1700000000})

    def test_defaults_are_omitted_but_oneof_is_kept(self):
        m = self.roundtrip(w.hello(1, "x"), w.event(0, 0, w.K_HOOK_STATS, w.hook_stats(0, 0)))[1]
        self.assertEqual(m, {"time": {}, "hook_stats": {}})
        m = self.roundtrip(w.hello(1, "x"), w.event(1, 0, w.K_DEPENDENCY, w.dependency("", "", "", {}, False)))[1]
        self.assertEqual(m, {"seq": 1, "time": {}, "dependency": {}})

    def test_time_before_1970(self):
        m = self.roundtrip(w.hello(1, "x"), w.event(1, -1, w.K_PARAMETER, w.parameter("k", "v")))[1]
        self.assertEqual(m["time"], {"seconds": -1, "nanos": 999999999})

    def test_invalid_unicode_is_escaped_not_sent_raw(self):
        bad = "/data/\udcff.bin"          # os.fsdecode(b"/data/\xff.bin")
        m = self.roundtrip(w.hello(1, "x"), w.event(1, 0, w.K_FILE_READ, w.file_read(bad)))[1]
        self.assertEqual(m["file_read"]["path"], "/data/\\udcff.bin")
        m = self.roundtrip(w.hello(1, "x"), w.event(1, 0, w.K_FILE_READ, w.file_read(b"/b/\xff")))[1]
        self.assertEqual(m["file_read"]["path"], "/b/\\xff")

    def test_varint_boundaries(self):
        for n in (0, 1, 127, 128, 16383, 16384, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1):
            m = self.roundtrip(w.hello(1, "x"), w.event(n, 0, w.K_HOOK_STATS, w.hook_stats(n, 0)))[1]
            self.assertEqual(m.get("seq", 0), n)
            self.assertEqual(m["hook_stats"].get("events_sent", 0), n)
        self.assertEqual(w.varint(-1), b"\xff" * 9 + b"\x01")

    def test_random_events(self):
        rnd = random.Random(7)
        alphabet = "abcXYZ019 /._-é中\u2603\U0001F600"

        def s():
            return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 40)))

        frames, want = [], []
        for i in range(300):
            k = rnd.choice([w.K_PARAMETER, w.K_FILE_READ, w.K_DATASET, w.K_ARTIFACT, w.K_ANNOTATION])
            if k == w.K_PARAMETER:
                a = (s(), s())
                body, exp = w.parameter(*a), {"parameter": dict((n, v) for n, v in zip(("key", "value"), a) if v)}
            elif k == w.K_FILE_READ:
                a = (s(), rnd.randrange(0, 2**64))
                body = w.file_read(a[0], None, a[1])
                exp = {"file_read": dict((n, v) for n, v in zip(("path", "size"), a) if v)}
            elif k == w.K_DATASET:
                a = (s(), s(), rnd.randrange(0, 2**20))
                body = w.dataset(a[0], a[1], None, a[2])
                exp = {"dataset": dict((n, v) for n, v in zip(("name", "uri", "record_count"), a) if v)}
            elif k == w.K_ARTIFACT:
                a = (s(), rnd.randrange(0, 4), s())
                body = w.artifact(*a)
                exp = {"artifact": dict((n, v) for n, v in zip(("path", "role", "name"), a) if v)}
            else:
                a = (s(), s())
                body, exp = w.annotation(*a), {"annotation": dict((n, v) for n, v in zip(("key", "text"), a) if v)}
            t = rnd.randrange(-2**40, 2**62)
            frames.append(w.event(i + 1, t, k, body))
            exp["seq"] = i + 1
            sec, ns = divmod(t, 10**9)
            exp["time"] = dict((n, v) for n, v in (("seconds", sec), ("nanos", ns)) if v)
            want.append(exp)
        got = self.roundtrip(w.hello(1, "x"), *frames)[1:]
        self.assertEqual(got, want)

    def test_torn_and_garbage_streams_are_refused_by_the_decoder(self):
        good = stream(w.hello(1, "x"), w.event(1, 0, w.K_PARAMETER, w.parameter("k", "v")))
        msgs, rc = decode(good[:-1])
        self.assertEqual(rc, 1)
        msgs, rc = decode(w.frame(w.hello(1, "x")) + w.frame(b"\xff\xff\xff"))
        self.assertEqual(rc, 1)


if __name__ == "__main__":
    unittest.main()
