"""_client.py -- the connection to the mlprov agent, behind a bounded queue.

A training loop calls put() from any thread; put() only appends a small tuple
to a deque (no encoding, no system call) and returns. One daemon thread per
process drains the deque: it connects to $MLPROV_SOCKET, sends the Hello, then
encodes events (mlprov._wire) and writes them in batches.

Invariants:
  - put() never blocks and never raises. When the queue holds max_queue
    events, or the agent is gone, the event is dropped and counted.
  - A drop is never silent: the drain thread sends HookStats with the drops
    since the previous HookStats (about once a second while it drops, and at
    close), so the agent's sum is the total; drops it could not report are
    printed on stderr at exit.
  - Only the drain thread touches the socket, so frames never interleave. A
    failed or partial write ends the connection (the stream would be out of
    sync): the hook goes quiet and counts everything after as dropped.
  - SIGPIPE cannot kill the job (MSG_NOSIGNAL); a stalled agent cannot hang
    it for more than the send timeout (the queue fills and drops meanwhile).
  - After fork() the child gets a fresh, not yet connected client (the
    parent's socket, locks and queue stay the parent's); it connects on its
    first event.
"""

import collections
import os
import socket
import sys
import threading
import time

from . import _wire

SEND_TIMEOUT = 5.0      # seconds a single batch may take to write
STATS_INTERVAL = 1.0    # at most one periodic HookStats a second
IDLE_WAIT = 0.5         # drain thread sleep when there is nothing to do
BATCH_EVENTS = 128      # ~0.5 ms of encoding: the GIL is released (send) that often
BATCH_BYTES = 256 * 1024


def _env_int(name, default, lo, hi):
    v = os.environ.get(name)
    try:
        n = int(v) if v else default
    except ValueError:
        n = default
    return min(max(n, lo), hi)


def _env_number(v):
    """The C hooks' reading of a launcher variable (lib/rank.c): an optional
    '-' then ASCII digits, nothing else, within 32 bits; else None."""
    d = v[1:] if v.startswith("-") else v
    if not d or any(c not in "0123456789" for c in d):
        return None
    i = int(v)
    return i if -2147483647 <= i <= 2147483647 else None


def _rank_from_env():
    """The process's rank in a distributed job, as the launchers say it (the
    same variables, order and number syntax as the C hooks, lib/rank.h), or
    None."""
    env = os.environ

    def first(*names):
        for n in names:
            v = env.get(n)
            if v:
                i = _env_number(v)
                if i is not None:
                    return i
        return None

    r = first("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID")
    if r is None:
        return None
    local = first("LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID") or 0
    world = first("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS") or 0
    node = env.get("SLURMD_NODENAME") or socket.gethostname()
    job = env.get("MLPROV_JOB_ID") or env.get("SLURM_JOB_ID") or env.get("TORCHELASTIC_RUN_ID") or ""
    return _wire.rank(r, local, world, node, job)


class Client(object):
    """One process's connection to the agent; see the module docstring."""

    def __init__(self, path, version, encoders, max_queue=None, max_frame=None):
        self.path = path
        self.version = version
        self.encoders = encoders    # kind code -> fn(item) -> (event kind, body)
        self.max_queue = max_queue or _env_int("MLPROV_PYTHON_QUEUE", 65536, 1, 1 << 24)
        self.max_frame = max_frame or _env_int("MLPROV_MAX_FRAME", 1 << 20, 64, 1 << 30)
        self.pid = os.getpid()
        self._q = collections.deque()
        self._lock = threading.Lock()      # _dropped and thread start
        self._wake = threading.Event()
        self._idle = threading.Event()     # set while the queue is empty and nothing in flight
        self._idle.set()
        self._sleeping = False
        self._stopping = False
        self._thread = None
        self.drain_ident = None
        self.quiet = False                 # agent gone or closed: drop everything
        self.quiet_reason = None
        self._sock = None
        self._seq = 0
        self.sent = 0                      # drain thread only
        self._dropped = 0                  # under _lock
        self._reported_sent = 0
        self._reported_dropped = 0
        self._last_stats = 0.0
        self.notes = []                    # why events were dropped (first few)
        self.closed = False

    # -- producer side (any thread) -------------------------------------------

    def put(self, item):
        """Queues an event tuple (kind, time_ns, ...). True when queued."""
        q = self._q
        if self.quiet or len(q) >= self.max_queue:
            self.drop(1)
            return False
        q.append(item)
        if self._thread is None:
            self._start()
        elif self._sleeping:
            self._wake.set()
        return True

    def drop(self, n, note=None):
        with self._lock:
            self._dropped += n
            if note and len(self.notes) < 5 and note not in self.notes:
                self.notes.append(note)

    @property
    def dropped(self):
        return self._dropped

    def queued(self):
        return len(self._q)

    def _start(self):
        with self._lock:
            if self._thread is not None or self.quiet:
                return
            t = threading.Thread(target=self._run, name="mlprov-hook", daemon=True)
            self._thread = t
        self._idle.clear()
        try:
            t.start()
        except RuntimeError as e:  # interpreter shutting down, no threads left
            self._go_quiet("cannot start the hook thread: %s" % e)

    def flush(self, timeout):
        """Waits until every queued event was written (or dropped)."""
        deadline = time.monotonic() + timeout
        while self._q or not self._idle.is_set():
            if self._thread is None or not self._thread.is_alive():
                return not self._q
            if self._sleeping:
                self._wake.set()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._idle.wait(min(left, 0.05))
        return True

    def close(self, timeout):
        """Sends what is queued and the final HookStats, then disconnects.
        Returns the number of events that were dropped and could not be
        reported to the agent."""
        self.closed = True
        t = self._thread
        self._stopping = True
        if t is not None and t.is_alive():
            self._wake.set()
            t.join(timeout)
            if t.is_alive():
                self._go_quiet("the agent did not take the last events within %.0f s" % timeout)
        self.quiet = True
        self._discard_queue()
        unreported = self._dropped - self._reported_dropped
        if unreported and self._thread is not None:
            unreported = self._report_on_new_connection(unreported)
        return unreported

    # -- drain thread -----------------------------------------------------------

    def _go_quiet(self, reason):
        if not self.quiet:
            self.quiet = True
            self.quiet_reason = reason
        s, self._sock = self._sock, None
        if s is not None:
            try:
                s.close()
            except OSError:
                pass
        self._discard_queue()
        self._idle.set()

    def _discard_queue(self):
        # popleft one by one: a put() racing with us is either counted here
        # or sees quiet and counts itself
        q, n = self._q, 0
        while True:
            try:
                q.popleft()
            except IndexError:
                break
            n += 1
        if n:
            self.drop(n)

    def _connect(self, timeout):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(timeout)
            s.connect(self.path)
            s.sendall(_wire.frame(_wire.hello(os.getpid(), self.version, _rank_from_env())),
                      socket.MSG_NOSIGNAL)
        except BaseException:
            s.close()
            raise
        return s

    def _send(self, data, n):
        try:
            self._sock.sendall(data, socket.MSG_NOSIGNAL)
            self.sent += n
            return True
        except OSError as e:
            self.drop(n)
            self._go_quiet("the agent connection failed: %s" % (e.strerror or e))
            return False

    def _stats_frame(self):
        sent, dropped = self.sent, self._dropped
        ds, dd = sent - self._reported_sent, dropped - self._reported_dropped
        self._reported_sent, self._reported_dropped = sent, dropped
        self._last_stats = time.monotonic()
        note = "; ".join(self.notes) if dd else None
        self._seq += 1
        return _wire.frame(_wire.event(self._seq, time.time_ns(), _wire.K_HOOK_STATS,
                                       _wire.hook_stats(ds, dd, note)))

    def _run(self):
        self.drain_ident = threading.get_ident()
        try:
            try:
                self._sock = self._connect(SEND_TIMEOUT)
            except OSError as e:
                self._go_quiet("cannot connect to the mlprov agent at %s: %s" % (self.path, e.strerror or e))
                return
            self._loop()
            if self._sock is not None:
                self._send(self._stats_frame(), 0)
        except BaseException as e:  # never let a traceback reach the job's stderr
            self._go_quiet("internal error in the hook thread: %r" % (e,))
        finally:
            self._go_quiet("closed")

    def _loop(self):
        q = self._q
        encoders = self.encoders
        max_frame = self.max_frame
        while self._sock is not None:
            if not q:
                if self._stopping:
                    return
                if self._dropped != self._reported_dropped and \
                        time.monotonic() - self._last_stats >= STATS_INTERVAL:
                    if not self._send(self._stats_frame(), 0):
                        return
                    continue
                self._idle.set()
                self._sleeping = True
                if not q and not self._stopping:   # re-check: put() may have missed _sleeping
                    self._wake.wait(IDLE_WAIT)
                self._wake.clear()
                self._sleeping = False
                continue
            self._idle.clear()
            batch = bytearray()
            n = 0
            while q and n < BATCH_EVENTS and len(batch) < BATCH_BYTES:
                item = q.popleft()
                try:
                    enc = encoders[item[0]](item)
                except Exception as e:
                    self.drop(1, "an event could not be encoded: %r" % (e,))
                    continue
                if enc is None:             # a task run in this thread, nothing to send
                    continue
                kind, body = enc
                self._seq += 1
                ev = _wire.event(self._seq, item[1], kind, body)
                if len(ev) > max_frame:
                    self._seq -= 1
                    self.drop(1, "an event of %d bytes exceeded the agent's %d-byte frame limit"
                              % (len(ev), max_frame))
                    continue
                batch += _wire.frame(ev)
                n += 1
            if (batch or n) and not self._send(batch, n):
                return
            if self._dropped != self._reported_dropped and \
                    time.monotonic() - self._last_stats >= STATS_INTERVAL:
                if not self._send(self._stats_frame(), 0):
                    return

    def _report_on_new_connection(self, unreported):
        """The connection broke but the agent may still be there (a stall
        past the send timeout): tell it the drop count on a new connection."""
        try:
            s = self._connect(1.0)
        except OSError:
            return unreported
        try:
            s.sendall(_wire.frame(_wire.event(1, time.time_ns(), _wire.K_HOOK_STATS,
                                              _wire.hook_stats(0, unreported, self.quiet_reason))),
                      socket.MSG_NOSIGNAL)
            self._reported_dropped += unreported
            return 0
        except OSError:
            return unreported
        finally:
            s.close()


def warn(msg):
    try:
        sys.stderr.write("mlprov (python hook): %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass
