"""test_client.py -- the queue and connection (mlprov._client) and the
public API (mlprov) against a fake agent: ordering and sequence numbers,
drops counted and reported (queue full, oversize event, agent gone, agent
stalled), calls that never raise, values recorded with their JSON type,
paths made absolute at call time, no-ops without mlprov."""
import hashlib
import os
import tempfile
import threading
import time
import unittest

import mlprov
from mlprov import _client, _core
from fakeagent import FakeAgent


def stats_sum(events):
    sent = sum(e["hook_stats"].get("events_sent", 0) for e in events if "hook_stats" in e)
    dropped = sum(e["hook_stats"].get("events_dropped", 0) for e in events if "hook_stats" in e)
    return sent, dropped


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.agent = None
        self.saved = _core.C, _core.last_dataset

    def tearDown(self):
        c = _core.C
        if c is not None and c is not self.saved[0]:
            c.close(2)
        _core.C, _core.last_dataset = self.saved
        if self.agent:
            self.agent.close()

    def use(self, mode="read", **kw):
        self.agent = FakeAgent(mode)
        _core.C = _client.Client(self.agent.path, "test", _core.ENCODERS, **kw)
        return _core.C

    def test_events_arrive_in_order_with_sequence_numbers(self):
        c = self.use()
        for i in range(2000):
            mlprov.param("k%d" % i, i)
        self.assertTrue(mlprov.flush(10))
        self.assertEqual(c.close(5), 0)
        msgs, rc = self.agent.messages()
        self.assertEqual(rc, 0)
        self.assertEqual(msgs[0]["type"], "Hello")
        self.assertEqual(msgs[0]["msg"]["hook_kind"], 2)
        self.assertEqual(msgs[0]["msg"]["pid"], os.getpid())
        evs = [m["msg"] for m in msgs[1:]]
        self.assertEqual([e["seq"] for e in evs], list(range(1, len(evs) + 1)))
        params = [e["parameter"] for e in evs if "parameter" in e]
        self.assertEqual(params[0], {"key": "k0", "value": "0"})
        self.assertEqual(params[-1], {"key": "k1999", "value": "1999"})
        self.assertEqual(len(params), 2000)
        self.assertEqual(stats_sum(evs), (2000, 0))
        self.assertEqual(mlprov.stats()["sent"], 2000)

    def test_queue_full_drops_are_counted_and_reported(self):
        c = self.use(max_queue=50)
        n = 20000
        for i in range(n):
            mlprov.param("flood", i)
        mlprov.flush(10)
        dropped = c.dropped
        self.assertGreater(dropped, 0)
        self.assertEqual(c.close(5), 0)
        evs = self.agent.events()
        params = [e for e in evs if "parameter" in e]
        sent, reported = stats_sum(evs)
        self.assertEqual(reported, dropped)
        self.assertEqual(len(params) + dropped, n)
        self.assertEqual(sent, len(params))

    def test_oversize_event_is_dropped_and_the_connection_survives(self):
        c = self.use(max_frame=1000)
        mlprov.annotate("big", "x" * 5000)
        mlprov.param("after", 1)
        mlprov.flush(5)
        c.close(5)
        evs = self.agent.events()
        self.assertEqual([e["parameter"] for e in evs if "parameter" in e], [{"key": "after", "value": "1"}])
        self.assertFalse([e for e in evs if "annotation" in e])
        sent, dropped = stats_sum(evs)
        self.assertEqual(dropped, 1)
        note = [e["hook_stats"].get("note", "") for e in evs if "hook_stats" in e]
        self.assertIn("frame limit", " ".join(note))

    def test_agent_gone_goes_quiet_and_never_raises(self):
        c = self.use(mode="hangup")
        mlprov.param("first", 1)
        deadline = time.monotonic() + 10
        i = 0
        while not c.quiet and time.monotonic() < deadline:
            mlprov.param("more", i)
            i += 1
            time.sleep(0.001)
        self.assertTrue(c.quiet, "the hook noticed the agent hung up")
        self.assertFalse(mlprov.active())
        before = c.dropped
        for _ in range(1000):
            mlprov.param("x", 1)
            mlprov.record(b"r")
        self.assertEqual(c.dropped, before + 2000)
        self.agent.close()
        self.agent = None
        self.assertEqual(c.close(2), c.dropped)   # nothing could be reported

    def test_agent_missing_at_connect(self):
        _core.C = c = _client.Client("/nonexistent/mlprov.sock", "t", _core.ENCODERS)
        mlprov.param("a", 1)
        c.flush(5)
        self.assertTrue(c.quiet)
        self.assertIn("cannot connect", c.quiet_reason)
        mlprov.param("b", 2)
        self.assertEqual(c.dropped, 2)

    def test_stalled_agent_does_not_block_calls(self):
        old = _client.SEND_TIMEOUT
        _client.SEND_TIMEOUT = 0.5
        try:
            c = self.use(mode="stall", max_queue=1000)
            big = "y" * 60000
            t0 = time.monotonic()
            for i in range(5000):       # far more than the socket buffers hold
                mlprov.annotate("k", big)
            self.assertLess(time.monotonic() - t0, 30, "calls returned while the agent stalled")
            deadline = time.monotonic() + 10
            while not c.quiet and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertTrue(c.quiet, "send timeout ended the connection")
            self.assertIn("failed", c.quiet_reason)
            self.assertGreater(c.dropped, 0)
        finally:
            _client.SEND_TIMEOUT = old

    def test_calls_from_many_threads(self):
        c = self.use()

        def work(t):
            for i in range(500):
                mlprov.param("t%d" % t, i)

        ts = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        mlprov.flush(10)
        c.close(5)
        evs = self.agent.events()
        self.assertEqual(len([e for e in evs if "parameter" in e]), 4000)
        self.assertEqual([e["seq"] for e in evs], list(range(1, len(evs) + 1)))

    def test_values_keep_their_json_type_and_are_snapshotted(self):
        c = self.use()
        cfg = {"opt": "adam", "betas": [0.9, 0.999]}
        mlprov.params(cfg, seed=7, name="run-1", flag=True, none=None, text="0.1")
        cfg["opt"] = "changed after the call"
        mlprov.param("circular", [])
        circ = []
        circ.append(circ)
        mlprov.param("loop", circ)
        mlprov.param("obj", object())
        mlprov.param(None, 1)
        mlprov.flush(5)
        c.close(5)
        got = dict((e["parameter"].get("key", ""), e["parameter"].get("value")) for e in self.agent.events()
                   if "parameter" in e)
        self.assertEqual(got["opt"], '"adam"')
        self.assertEqual(got["betas"], "[0.9, 0.999]")
        self.assertEqual(got["seed"], "7")
        self.assertEqual(got["name"], '"run-1"')
        self.assertEqual(got["text"], '"0.1"')
        self.assertEqual(got["flag"], "true")
        self.assertEqual(got["none"], "null")
        self.assertTrue(got["loop"].startswith('"[[...]]'))
        self.assertTrue(got["obj"].startswith('"<object object'))
        self.assertEqual(got[""], "1")

    def test_records_are_leaf_hashes_of_the_last_dataset(self):
        c = self.use()
        mlprov.record(b"before any dataset")
        mlprov.dataset("digits", path="data/train.csv", digest="sha256:" + "AB" * 32, record_count=2)
        buf = bytearray(b"sample-1")
        mlprov.record(buf)
        buf[:] = b"sample-2"                   # reused buffer: the hash was taken at the call
        mlprov.record(buf)
        mlprov.record("text é")
        mlprov.record(b"x", dataset="other")
        mlprov.record(12345)                   # not bytes: a warning, not an exception
        mlprov.record_leaf(b"short")
        mlprov.flush(5)
        c.close(5)
        evs = self.agent.events()
        recs = [e["record"] for e in evs if "record" in e]
        leaf = lambda d: hashlib.sha256(b"\x00" + d).hexdigest()
        self.assertEqual(recs, [
            {"leaf_hash": leaf(b"before any dataset")},
            {"dataset": "digits", "leaf_hash": leaf(b"sample-1")},
            {"dataset": "digits", "leaf_hash": leaf(b"sample-2")},
            {"dataset": "digits", "leaf_hash": leaf("text é".encode())},
            {"dataset": "other", "leaf_hash": leaf(b"x")},
        ])
        ds = [e["dataset"] for e in evs if "dataset" in e][0]
        self.assertEqual(ds["uri"], os.path.join(os.getcwd(), "data/train.csv"))
        self.assertEqual(ds["digest"], [{"key": "sha256", "value": "AB" * 32}])
        warnings = [e["annotation"]["text"] for e in evs if "annotation" in e]
        self.assertEqual(len(warnings), 2, warnings)

    def test_paths_are_absolute_at_call_time(self):
        c = self.use()
        old = os.getcwd()
        d = tempfile.mkdtemp()
        try:
            os.chdir(d)
            mlprov.artifact("model.pt")
            mlprov.artifact("ck/e1.pt", role="checkpoint", name="epoch 1")
            mlprov.artifact("x.bin", role="weights")
            mlprov.base_model("hf://org/model", provenance="base.intoto.jsonl")
            mlprov.base_model("base/dir", digest="cd" * 32)
            mlprov.file_read("in.txt", digest="md5:" + "00" * 16)
            mlprov.file_written("log.txt")
            mlprov.dependency("cuda", "12.1", purl="pkg:generic/cuda@12.1")
        finally:
            os.chdir(old)
            os.rmdir(d)
        mlprov.flush(5)
        c.close(5)
        evs = self.agent.events()
        arts = [e["artifact"] for e in evs if "artifact" in e]
        real = os.path.realpath(d)
        base = d if arts[0]["path"].startswith(d) else real
        self.assertEqual(arts[0], {"path": base + "/model.pt", "role": 1})
        self.assertEqual(arts[1], {"path": base + "/ck/e1.pt", "role": 2, "name": "epoch 1"})
        self.assertEqual(arts[2], {"path": base + "/x.bin", "role": 3})
        bm = [e["base_model"] for e in evs if "base_model" in e]
        self.assertEqual(bm[0], {"name": "model", "uri": "hf://org/model", "provenance": base + "/base.intoto.jsonl"})
        self.assertEqual(bm[1], {"name": "dir", "uri": base + "/base/dir", "digest": [{"key": "sha256", "value": "cd" * 32}]})
        self.assertEqual([e["file_read"] for e in evs if "file_read" in e],
                         [{"path": base + "/in.txt", "digest": [{"key": "md5", "value": "00" * 16}]}])
        self.assertEqual([e["file_written"] for e in evs if "file_written" in e], [{"path": base + "/log.txt"}])
        self.assertEqual([e["dependency"] for e in evs if "dependency" in e],
                         [{"name": "cuda", "version": "12.1", "purl": "pkg:generic/cuda@12.1"}])
        notes = [e["annotation"]["text"] for e in evs if "annotation" in e]
        self.assertTrue(any("unknown role 'weights'" in n for n in notes), notes)


class NoAgentTest(unittest.TestCase):
    def test_every_call_is_a_no_op_without_mlprov(self):
        saved = _core.C
        _core.C = None
        try:
            n = threading.active_count()
            mlprov.dataset("d", path="x")
            mlprov.record(b"x")
            mlprov.record_leaf(b"\0" * 32)
            mlprov.param("k", object())
            mlprov.params({"a": 1})
            mlprov.artifact("m", role="bogus")
            mlprov.base_model("b")
            mlprov.dependency("d")
            mlprov.annotate("k", "t")
            mlprov.file_read("f")
            mlprov.file_written("f")
            self.assertTrue(mlprov.flush())
            self.assertFalse(mlprov.active())
            self.assertEqual(mlprov.stats(), {"active": False, "sent": 0, "dropped": 0, "queued": 0})
            self.assertEqual(threading.active_count(), n, "no thread started")
        finally:
            _core.C = saved


if __name__ == "__main__":
    unittest.main()
