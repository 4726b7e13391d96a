/* conn.c — one hook connection: accept (peer-credential and connection-count
 * checks), read, split into frames (size limit), the memory limit, decode
 * Hello then Events through ingest.c, journal and apply them, and send Acks
 * to hooks that asked for them. A connection is freed in its close callback.
 *
 * Every refusal or forced close is an incident (agent_journal.c): counted
 * under its record.h name, logged, and journaled so a recovered run counts
 * it too. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_internal.h"
#include "event.pb-c.h"
#include "ingest.h"

#define MP_PROTOCOL_VERSION 1
#define SHRINK_ABOVE 65536 /* an idle connection keeps at most this much buffer */
#define FILEQ_MAX ((size_t)64 << 20) /* queued file events are applied past this many bytes */

#define COUNTERS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void on_conn_closed(uv_handle_t *h) {
  mp_conn *c = (mp_conn *)h;
  mp_agent *a = c->agent;
  if (c->prev) c->prev->next = c->next;
  else a->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  a->nconns--;
  if (c->ack_due) a->acks_due--;
  a->buffered -= c->reader.cap;
  mp_frame_reader_free(&c->reader);
  free(c);
  mp__agent_maybe_finish(a);
}

static void conn_close(mp_conn *c) {
  if (c->closing) return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

void mp__conn_close_all(mp_agent *a) {
  for (mp_conn *c = a->conns; c; c = c->next) conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  mp_agent *a = ((mp_conn *)h)->agent;
  (void)suggested;
  buf->base = a->readbuf;
  buf->len = sizeof a->readbuf;
}

/* The next Ack is left to the flusher: it runs after this iteration's reads
 * have been written to the journal, so an Ack never runs ahead of the file. */
static void on_ack_written(uv_write_t *req, int status) {
  mp_conn *c = req->data;
  (void)status;
  c->ack_inflight = 0;
}

void mp__conn_send_ack(mp_conn *c) {
  mp_agent *a = c->agent;
  if (c->ack_inflight || c->closing || !c->ack_due) return;
  Mlprov__Event__V1__Ack ack = MLPROV__EVENT__V1__ACK__INIT;
  mp_journal_state st = {0};
  if (a->journal) mp_journal_get_state(a->journal, &st);
  char err[256] = "";
  ack.seq = c->last_seq;
  ack.journaled = a->journal && !st.failed;
  if (st.failed) snprintf(err, sizeof err, "%s", st.error);
  else if (!a->journal) snprintf(err, sizeof err, "this run has no journal");
  ack.error = err;
  size_t n = mlprov__event__v1__ack__pack(&ack, c->ackbuf + MP_FRAME_HEADER);
  mp_frame_header((uint32_t)n, c->ackbuf);
  uv_buf_t buf = uv_buf_init((char *)c->ackbuf, (unsigned)(n + MP_FRAME_HEADER));
  c->ack_req.data = c;
  c->ack_due = 0;
  a->acks_due--;
  if (uv_write(&c->ack_req, (uv_stream_t *)&c->pipe, &buf, 1, on_ack_written) == 0) c->ack_inflight = 1;
}

static int handle_hello(mp_conn *c, const uint8_t *frame, size_t len) {
  mp_agent *a = c->agent;
  const uint8_t *bytes;
  size_t blen;
  uint8_t *owned = NULL;
  unsigned flags = 0;
  Mlprov__Event__V1__Hello *h = mp_ingest_hello(frame, len, &bytes, &blen, &owned, &flags);
  if (!h) {
    mp__agent_incident(a, c->id, COUNTERS("badFrames", "refusedConnections"),
                       "hook connection (pid %d): first frame is not a valid Hello; closed", (int)c->peer_pid);
    return -1;
  }
  int rc = 0;
  if (h->protocol_version == 0 || h->protocol_version > MP_PROTOCOL_VERSION) {
    mp__agent_incident(a, c->id, COUNTERS("refusedConnections"),
                       "hook connection (pid %d): protocol version %u not supported (this agent speaks %d); closed",
                       (int)c->peer_pid, h->protocol_version, MP_PROTOCOL_VERSION);
    rc = -1;
  } else {
    mp__agent_journal(a, MP_JOURNAL_HELLO, flags, c->id, bytes, blen);
    mp_record_hello(a->rec, h, c->peer_pid);
    c->want_acks = h->want_acks;
    c->hello_seen = 1;
  }
  mlprov__event__v1__hello__free_unpacked(h, NULL);
  free(owned);
  return rc;
}

void mp__agent_apply_files(mp_agent *a) {
  mp_err e;
  mp_err_clear(&e);
  uint64_t failed = mp_fileq_apply(a->files, a->rec, &e);
  if (failed) {
    a->rec->stats.bad_frames += failed; /* as if each had failed as it arrived */
    mp__agent_log(a, "%s (%llu file event(s))", e.msg, (unsigned long long)failed);
  }
}

/* The queue is applied before it holds more than a quarter of the memory
 * limit (at most 64 MiB). */
static void apply_files_over_limit(mp_agent *a) {
  size_t limit = a->max_memory / 4 < FILEQ_MAX ? a->max_memory / 4 : FILEQ_MAX;
  if (mp_fileq_mem(a->files) > limit) mp__agent_apply_files(a);
}

/* Queues a path-only file event already journaled (ingest.h: nothing to
 * redact); when the queue cannot take it, it is applied at once behind what
 * is queued. */
static void queue_path(mp_conn *c, int written, const char *path, size_t len, size_t rawlen) {
  mp_agent *a = c->agent;
  if (mp_fileq_add(a->files, written, path, len, rawlen) != 0) {
    mp_err e;
    mp_err_clear(&e);
    mp__agent_apply_files(a);
    if (mp_record_file(a->rec, written, path, rawlen, &e) != 0) {
      a->rec->stats.bad_frames++;
      mp__agent_log(a, "hook connection (pid %d): %s", (int)c->peer_pid, e.msg);
    }
  }
  apply_files_over_limit(a);
}

/* A FileBatch that ingest.c's check passed (its reader, a->batch_paths,
 * left on the last path): journaled as it came, its paths queued as they
 * came, or one by one when the queue cannot take them whole. */
static void take_batch(mp_conn *c, const mp_ingest_batch *b, const uint8_t *frame, size_t len) {
  mp_agent *a = c->agent;
  mp__agent_journal_batched(a, c->id, frame - MP_FRAME_HEADER, len + MP_FRAME_HEADER);
  if (mp_fileq_add_batch(a->files, b->paths, b->len, b->count, a->batch_paths.path, a->batch_paths.len) == 0) {
    apply_files_over_limit(a);
    return;
  }
  mp_filebatch_begin(&a->batch_paths, b->paths, b->len);
  while (mp_filebatch_next(&a->batch_paths) == 1)
    queue_path(c, a->batch_paths.written, a->batch_paths.path, a->batch_paths.len,
               MP_FILEBATCH_RAWLEN(a->batch_paths.len));
}

static void note_event(mp_conn *c, uint64_t seq, uint64_t n) {
  mp_agent *a = c->agent;
  c->events += n;
  c->last_seq = seq;
  if (c->want_acks && !c->ack_due) {
    c->ack_due = 1;
    a->acks_due++;
  }
}

/* Handles one whole frame; returns -1 when the connection must be closed. */
static int handle_frame(mp_conn *c, const uint8_t *frame, size_t len) {
  mp_agent *a = c->agent;
  if (!c->hello_seen) return handle_hello(c, frame, len);
  mp_ingest_path pe;
  if (a->files && mp_ingest_path_event(frame, len, &pe) == 1) {
    int written = pe.kind == MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN;
    mp__agent_journal_batched(a, c->id, frame - MP_FRAME_HEADER, len + MP_FRAME_HEADER);
    queue_path(c, written, pe.path, pe.len, len);
    note_event(c, pe.seq, 1);
    return 0;
  }
  mp_ingest_batch fb;
  if (a->files && mp_ingest_batch_event(frame, len, &fb, &a->batch_paths) == 1) {
    take_batch(c, &fb, frame, len);
    note_event(c, fb.seq, fb.count);
    return 0;
  }
  mp_ingest in;
  mp_err e;
  mp_err_clear(&e);
  int rc = mp_ingest_event(frame, len, &in, &e);
  if (rc == MP_EPARSE) {
    mp__agent_incident(a, c->id, COUNTERS("badFrames"),
                       "hook connection (pid %d): undecodable event frame of %zu bytes; connection closed, "
                       "its %" PRIu64 " earlier event(s) kept", (int)c->peer_pid, len, c->events);
    return -1;
  }
  if (rc) {
    mp__agent_log(a, "hook connection (pid %d): %s; closed", (int)c->peer_pid, e.msg);
    return -1;
  }
  mp__agent_journal(a, MP_JOURNAL_EVENT, in.flags, c->id, in.bytes, in.len);
  /* the file tables take file events in arrival order */
  if ((in.ev->kind_case == MLPROV__EVENT__V1__EVENT__KIND_FILE_READ ||
       in.ev->kind_case == MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN ||
       in.ev->kind_case == MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH) && mp_fileq_count(a->files))
    mp__agent_apply_files(a);
  if (mp_ingest_apply(a->rec, &in, &e) != 0) {
    a->rec->stats.bad_frames++; /* replay repeats this from the journaled event */
    mp__agent_log(a, "hook connection (pid %d): %s", (int)c->peer_pid, e.msg);
    note_event(c, in.ev->seq, 0);
  } else {
    note_event(c, in.ev->seq, 1);
  }
  mp_ingest_clear(&in);
  return 0;
}

static size_t memory_in_use(const mp_agent *a) {
  return a->buffered + a->rec->mem + mp_fileq_mem(a->files) + (a->journal ? mp_journal_pending(a->journal) : 0);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  mp_conn *c = (mp_conn *)s;
  mp_agent *a = c->agent;
  if (nread < 0) {
    if (mp_frame_reader_pending(&c->reader))
      mp__agent_incident(a, c->id, COUNTERS("tornFrames"), "hook connection (pid %d) ended inside a frame (%zu bytes dropped)",
                         (int)c->peer_pid, mp_frame_reader_pending(&c->reader));
    conn_close(c);
    return;
  }
  if (nread == 0 || c->closing) return;
  /* frames are handled in the read buffer itself; only a frame split across
   * reads is copied into the connection's own buffer (settled below) */
  size_t before = c->reader.cap;
  int frc = mp_frame_reader_lend(&c->reader, (const uint8_t *)buf->base, (size_t)nread);
  a->buffered += c->reader.cap - before;
  if (frc != 0) {
    mp__agent_log(a, "hook connection (pid %d): out of memory; closed", (int)c->peer_pid);
    conn_close(c);
    return;
  }
  if (memory_in_use(a) > a->max_memory) {
    mp__agent_incident(a, c->id, COUNTERS("closedOverMemoryLimit"),
                       "hook connection (pid %d) closed: the memory limit of %zu bytes is reached (%zu bytes in "
                       "connection buffers, about %zu in the run record); its %" PRIu64 " earlier event(s) kept",
                       (int)c->peer_pid, a->max_memory, a->buffered, a->rec->mem, c->events);
    conn_close(c);
    return;
  }
  int drop = 0;
  while (!drop) {
    const uint8_t *frame;
    size_t len;
    int rc = mp_frame_reader_next(&c->reader, &frame, &len);
    if (rc == 0) break;
    if (rc < 0) {
      mp__agent_incident(a, c->id, COUNTERS("oversizeFrames"),
                         "hook connection (pid %d): frame of %u bytes exceeds the %zu-byte limit; connection "
                         "closed, its %" PRIu64 " earlier event(s) kept", (int)c->peer_pid, c->reader.bad_len,
                         a->max_frame, c->events);
      drop = 1;
    } else if (handle_frame(c, frame, len) != 0) {
      drop = 1;
    }
  }
  mp__agent_journal_batch_end(a); /* the batch points into the read buffer */
  before = c->reader.cap;
  if (!drop && mp_frame_reader_settle(&c->reader) != 0) {
    mp__agent_log(a, "hook connection (pid %d): out of memory; closed", (int)c->peer_pid);
    drop = 1;
  }
  a->buffered += c->reader.cap - before;
  if (drop) {
    conn_close(c);
    return;
  }
  if (mp_frame_reader_pending(&c->reader) == 0 && c->reader.cap > SHRINK_ABOVE) {
    a->buffered -= c->reader.cap;
    size_t max = c->reader.max_frame;
    mp_frame_reader_free(&c->reader);
    mp_frame_reader_init(&c->reader, max);
  }
}

void mp__conn_accept(mp_agent *a) {
  mp_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->agent = a;
  c->id = ++a->next_conn_id;
  uv_pipe_init(&a->loop, &c->pipe, 0);
  mp_frame_reader_init(&c->reader, a->max_frame);
  c->next = a->conns;
  if (a->conns) a->conns->prev = c;
  a->conns = c;
  a->nconns++;
  if (uv_accept((uv_stream_t *)&a->server, (uv_stream_t *)&c->pipe) != 0) {
    conn_close(c);
    return;
  }
  uv_os_fd_t fd;
  struct ucred cred;
  socklen_t clen = sizeof cred;
  if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0) {
    mp__agent_incident(a, c->id, COUNTERS("refusedConnections", "refusedWrongUser"),
                       "hook connection without peer credentials refused");
    conn_close(c);
    return;
  }
  c->peer_pid = cred.pid;
  c->peer_uid = cred.uid;
  if (cred.uid != a->uid) {
    mp__agent_incident(a, c->id, COUNTERS("refusedConnections", "refusedWrongUser"),
                       "hook connection from uid %u (pid %d) refused: the job runs as uid %u", (unsigned)cred.uid,
                       (int)cred.pid, (unsigned)a->uid);
    conn_close(c);
    return;
  }
  if (a->finishing) {
    mp__agent_incident(a, c->id, COUNTERS("refusedConnections"),
                       "hook connection (pid %d) refused: the job has ended and the run is finishing", (int)cred.pid);
    conn_close(c);
    return;
  }
  if (a->nconns > a->max_conns) {
    mp__agent_incident(a, c->id, COUNTERS("refusedConnections", "refusedOverConnectionLimit"),
                       "hook connection (pid %d) refused: the limit of %u open connections is reached", (int)cred.pid,
                       a->max_conns);
    conn_close(c);
    return;
  }
  a->rec->stats.connections++;
  if (a->journal) {
    char body[96];
    int n = snprintf(body, sizeof body, "{\"pid\":%d,\"uid\":%u}", (int)cred.pid, (unsigned)cred.uid);
    mp__agent_journal(a, MP_JOURNAL_ACCEPT, 0, c->id, body, (size_t)n);
  }
  uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}
