"""fakeagent.py -- test helpers for the Python hook: a stand-in agent on a
Unix socket that keeps every connection's bytes, and the C decoder
(tests/tools/evdump, protobuf-c) that turns those bytes into messages.

FakeAgent modes: "read" (keep everything), "stall" (accept, never read),
"hangup" (close each connection after its first frame)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOOK_DIR = os.path.join(ROOT, "hooks", "python")
BOOT_DIR = os.path.join(HOOK_DIR, "mlprov", "_boot")


def build_dir():
    b = os.environ.get("MLPROV_BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(ROOT, b)


EVDUMP = os.path.join(build_dir(), "tests", "tools", "evdump")


def evdump(data):
    """Decodes a connection's bytes with protobuf-c: (messages, exit status).
    Each message is {"frame", "type", "repack", "msg"} (see evdump.c)."""
    p = subprocess.run([EVDUMP, "-"], input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode == 2:
        raise RuntimeError("evdump: %s" % p.stderr.decode())
    return [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()], p.returncode


class FakeAgent(object):
    def __init__(self, mode="read"):
        self.dir = tempfile.mkdtemp(prefix="mlprov-fake-")
        self.path = os.path.join(self.dir, "agent.sock")
        self.mode = mode
        self.conns = []           # bytearray per accepted connection
        self.ended = []           # per connection: the peer closed it (all bytes are in)
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(64)
        self.held = []
        self.threads = []
        self.alive = True
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    def _accept(self):
        while self.alive:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            buf = bytearray()
            with self.lock:
                self.conns.append(buf)
                self.ended.append(False)
                idx = len(self.conns) - 1
            if self.mode == "stall":
                self.held.append(c)
                continue
            t = threading.Thread(target=self._read, args=(c, buf, idx), daemon=True)
            t.start()
            self.threads.append(t)

    def _read(self, c, buf, idx):
        try:
            with c:
                while True:
                    try:
                        d = c.recv(65536)
                    except OSError:
                        return
                    if not d:
                        return
                    with self.lock:
                        buf += d
                    if self.mode == "hangup" and len(buf) >= 4 + int.from_bytes(buf[:4], "big"):
                        return
        finally:
            with self.lock:
                self.ended[idx] = True

    def messages(self, i=0, wait=10.0):
        """The decoded frames of connection i, once its peer closed it."""
        end = time.monotonic() + wait
        while True:
            with self.lock:
                if len(self.conns) > i and self.ended[i]:
                    data = bytes(self.conns[i])
                    break
            if time.monotonic() > end:
                raise AssertionError("connection %d did not reach the fake agent and end" % i)
            time.sleep(0.01)
        return evdump(data)

    def nconns(self):
        with self.lock:
            return len(self.conns)

    def events(self, i=0):
        msgs, rc = self.messages(i)
        if rc != 0:
            raise AssertionError("evdump refused the stream (exit %d): %s" % (rc, msgs[-3:]))
        return [m["msg"] for m in msgs if m["type"] == "Event"]

    def wait_quiet(self, settle=0.2, wait=5.0):
        """Waits until no bytes arrived for `settle` seconds."""
        end = time.monotonic() + wait
        last = -1
        while time.monotonic() < end:
            with self.lock:
                n = sum(len(c) for c in self.conns)
            if n == last:
                return
            last = n
            time.sleep(settle)

    def close(self):
        self.alive = False
        try:
            self.srv.close()
        except OSError:
            pass
        for c in self.held:
            c.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.rmdir(self.dir)


def run_python(code_or_file, sock, cwd=None, env=None, boot=True, timeout=60, args=()):
    """Runs a Python script (a file path, or code text) as a job would under
    `mlprov run`: MLPROV_SOCKET set and, with boot, PYTHONPATH=BOOT:HOOK."""
    e = dict(os.environ)
    e.pop("MLPROV_SOCKET", None)
    if sock:
        e["MLPROV_SOCKET"] = sock
    env = dict(env or {})
    pp = [BOOT_DIR, HOOK_DIR] if boot else [HOOK_DIR]
    user_pp = env.pop("PYTHONPATH", e.get("PYTHONPATH"))   # the job's own PYTHONPATH
    if user_pp:
        pp.append(user_pp)
    e["PYTHONPATH"] = ":".join(pp)
    e.update(env)
    argv = [sys.executable]
    argv += [code_or_file] if os.path.exists(code_or_file) else ["-c", code_or_file]
    return subprocess.run(argv + list(args), cwd=cwd, env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, universal_newlines=True)
