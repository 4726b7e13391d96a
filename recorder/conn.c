/* conn.c — one hook connection: accept (with peer-credential and connection
 * count checks), read, split into frames, decode Hello then Events, apply them
 * to the run record. A connection is freed in its close callback. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_internal.h"
#include "event.pb-c.h"

#define MP_PROTOCOL_VERSION 1

static void on_conn_closed(uv_handle_t *h) {
  mp_conn *c = (mp_conn *)h;
  mp_agent *a = c->agent;
  if (c->prev) c->prev->next = c->next;
  else a->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  a->nconns--;
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

/* Handles one whole frame; returns -1 when the connection must be closed. */
static int handle_frame(mp_conn *c, const uint8_t *frame, size_t len) {
  mp_agent *a = c->agent;
  mp_record *r = a->rec;
  if (!c->hello_seen) {
    Mlprov__Event__V1__Hello *h = mlprov__event__v1__hello__unpack(NULL, len, frame);
    if (!h) {
      r->stats.bad_frames++;
      r->stats.refused++;
      mp__agent_log(a, "hook connection (pid %d): first frame is not a valid Hello; closed", (int)c->peer_pid);
      return -1;
    }
    if (h->protocol_version == 0 || h->protocol_version > MP_PROTOCOL_VERSION) {
      r->stats.refused++;
      mp__agent_log(a, "hook connection (pid %d): protocol version %u not supported (this agent speaks %d); closed",
                    (int)c->peer_pid, h->protocol_version, MP_PROTOCOL_VERSION);
      mlprov__event__v1__hello__free_unpacked(h, NULL);
      return -1;
    }
    mp_record_hello(r, h, c->peer_pid);
    mlprov__event__v1__hello__free_unpacked(h, NULL);
    c->hello_seen = 1;
    return 0;
  }
  Mlprov__Event__V1__Event *ev = mlprov__event__v1__event__unpack(NULL, len, frame);
  if (!ev) {
    r->stats.bad_frames++;
    mp__agent_log(a, "hook connection (pid %d): undecodable event frame of %zu bytes; connection closed, "
                  "its %llu earlier event(s) kept", (int)c->peer_pid, len, (unsigned long long)c->events);
    return -1;
  }
  mp_err e;
  mp_err_clear(&e);
  if (mp_record_event(r, ev, frame, len, &e) != 0) {
    r->stats.bad_frames++;
    mp__agent_log(a, "hook connection (pid %d): %s", (int)c->peer_pid, e.msg);
  } else {
    c->events++;
  }
  mlprov__event__v1__event__free_unpacked(ev, NULL);
  return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  mp_conn *c = (mp_conn *)s;
  mp_agent *a = c->agent;
  if (nread < 0) {
    if (mp_frame_reader_pending(&c->reader)) {
      a->rec->stats.torn_frames++;
      mp__agent_log(a, "hook connection (pid %d) ended inside a frame (%zu bytes dropped)",
                    (int)c->peer_pid, mp_frame_reader_pending(&c->reader));
    }
    conn_close(c);
    return;
  }
  if (nread == 0 || c->closing) return;
  if (mp_frame_reader_feed(&c->reader, (const uint8_t *)buf->base, (size_t)nread) != 0) {
    mp__agent_log(a, "hook connection (pid %d): out of memory; closed", (int)c->peer_pid);
    conn_close(c);
    return;
  }
  for (;;) {
    const uint8_t *frame;
    size_t len;
    int rc = mp_frame_reader_next(&c->reader, &frame, &len);
    if (rc == 0) break;
    if (rc < 0) {
      a->rec->stats.oversize_frames++;
      mp__agent_log(a, "hook connection (pid %d): frame of %u bytes exceeds the %zu-byte limit; connection "
                    "closed, its %llu earlier event(s) kept", (int)c->peer_pid, c->reader.bad_len,
                    a->max_frame, (unsigned long long)c->events);
      conn_close(c);
      return;
    }
    if (handle_frame(c, frame, len) != 0) {
      conn_close(c);
      return;
    }
  }
}

void mp__conn_accept(mp_agent *a) {
  mp_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->agent = a;
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
    a->rec->stats.refused++;
    mp__agent_log(a, "hook connection without peer credentials refused");
    conn_close(c);
    return;
  }
  c->peer_pid = cred.pid;
  if (cred.uid != a->uid) {
    a->rec->stats.refused++;
    mp__agent_log(a, "hook connection from uid %u (pid %d) refused: the job runs as uid %u",
                  (unsigned)cred.uid, (int)cred.pid, (unsigned)a->uid);
    conn_close(c);
    return;
  }
  if (a->nconns > a->max_conns || a->finishing) {
    a->rec->stats.refused++;
    mp__agent_log(a, "hook connection (pid %d) refused: more than %u connections open", (int)cred.pid,
                  a->max_conns);
    conn_close(c);
    return;
  }
  a->rec->stats.connections++;
  uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}
