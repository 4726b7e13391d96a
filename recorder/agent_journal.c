/* agent_journal.c — the agent's side of the run journal (journal.h) and of
 * incidents. Frames are appended as events arrive, in arrival order: the
 * path events of one read of one connection, which ingest leaves unchanged,
 * as one EVENTS frame (one chain hash for hundreds of events), everything
 * else one frame each. The uv_check handle writes them to the file once per
 * loop iteration (one write(2) for all the frames read in that iteration,
 * from every connection) and only then sends the Acks that are due, so an
 * Ack never runs ahead of the file. A timer makes the file durable with
 * fdatasync on libuv's thread pool every sync_ms; with sync_ms = 0 the
 * flusher syncs before it acks instead (slower, power-loss safe acks).
 *
 * A failing journal (disk full, I/O error) is logged once; the run, the job
 * and the in-memory record go on, Acks then say journaled = false. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"

#define FLUSH_AT (1u << 20) /* write mid-iteration past this many buffered bytes */

static void report_failure(mp_agent *a, const mp_err *e) {
  if (a->journal_reported) return;
  a->journal_reported = 1;
  mp__agent_log(a, "%s; the job goes on and the provenance records the failure", e->msg);
}

static void append(mp_agent *a, unsigned type, unsigned flags, uint32_t conn, const void *body, size_t len) {
  mp_err e;
  mp_err_clear(&e);
  if (mp_journal_append(a->journal, type, flags, conn, body, len, &e) != 0) {
    report_failure(a, &e);
    return;
  }
  if (mp_journal_pending(a->journal) >= FLUSH_AT && mp_journal_write(a->journal, &e) != 0) report_failure(a, &e);
}

void mp__agent_journal_batch_end(mp_agent *a) {
  if (!a->batch) return;
  const uint8_t *b = a->batch;
  a->batch = NULL;
  append(a, MP_JOURNAL_EVENTS, 0, a->batch_conn, b, a->batch_len);
}

void mp__agent_journal(mp_agent *a, unsigned type, unsigned flags, uint32_t conn, const void *body, size_t len) {
  if (!a->journal) return;
  mp__agent_journal_batch_end(a);
  append(a, type, flags, conn, body, len);
}

void mp__agent_journal_batched(mp_agent *a, uint32_t conn, const uint8_t *framed, size_t len) {
  if (!a->journal) return;
  if (a->batch && a->batch_conn == conn && a->batch + a->batch_len == framed) {
    a->batch_len += len;
    return;
  }
  mp__agent_journal_batch_end(a);
  a->batch = framed;
  a->batch_len = len;
  a->batch_conn = conn;
}

void mp__agent_incident(mp_agent *a, uint32_t conn, const char *const *counters, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *names = json_array();
  for (const char *const *c = counters; *c; c++) {
    uint64_t *v = mp_record_stat(&a->rec->stats, *c);
    if (v) (*v)++;
    json_array_append_new(names, json_string(*c));
  }
  mp__agent_log(a, "%s", msg);
  if (!a->journal) {
    json_decref(names);
    return;
  }
  json_t *j = json_pack("{s:o, s:s}", "counters", names, "message", msg);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (text) mp__agent_journal(a, MP_JOURNAL_INCIDENT, 0, conn, text, strlen(text));
  free(text);
  json_decref(j);
}

static void send_acks(mp_agent *a) {
  if (!a->acks_due) return;
  for (mp_conn *c = a->conns; c; c = c->next)
    if (c->ack_due) mp__conn_send_ack(c);
}

static void on_flush(uv_check_t *h) {
  mp_agent *a = h->data;
  if (a->journal && mp_journal_pending(a->journal)) {
    mp_err e;
    mp_err_clear(&e);
    int rc = a->sync_ms == 0 ? mp_journal_sync(a->journal, &e) : mp_journal_write(a->journal, &e);
    if (rc) report_failure(a, &e);
  }
  send_acks(a);
}

static void on_synced(uv_fs_t *req) {
  mp_agent *a = req->data;
  a->sync_inflight = 0;
  if (a->journal) {
    mp_journal_sync_done(a->journal, a->sync_upto, req->result < 0 ? (int)-req->result : 0);
    if (req->result < 0) {
      mp_err e;
      mp_err_set(&e, MP_EIO, "journal %s: syncing: %s", mp_journal_path(a->journal), uv_strerror((int)req->result));
      report_failure(a, &e);
    }
  }
  uv_fs_req_cleanup(req);
}

static void on_sync_timer(uv_timer_t *t) {
  mp_agent *a = t->data;
  if (!a->journal || a->sync_inflight) return;
  mp_journal_state st;
  mp_journal_get_state(a->journal, &st);
  if (st.failed || st.bytes == st.synced_bytes) return;
  a->sync_upto = st.bytes;
  a->sync_req.data = a;
  if (uv_fs_fdatasync(&a->loop, &a->sync_req, mp_journal_fd(a->journal), on_synced) == 0) a->sync_inflight = 1;
}

void mp__journal_start(mp_agent *a) {
  uv_check_init(&a->loop, &a->flusher);
  a->flusher.data = a;
  uv_check_start(&a->flusher, on_flush);
  uv_unref((uv_handle_t *)&a->flusher);
  uv_timer_init(&a->loop, &a->syncer);
  a->syncer.data = a;
  if (a->journal && a->sync_ms > 0) {
    uv_timer_start(&a->syncer, on_sync_timer, (uint64_t)a->sync_ms, (uint64_t)a->sync_ms);
    uv_unref((uv_handle_t *)&a->syncer);
  }
}

static void on_closed(uv_handle_t *h) { (void)h; }

void mp__journal_stop(mp_agent *a) {
  on_flush(&a->flusher);
  uv_close((uv_handle_t *)&a->flusher, on_closed);
  uv_close((uv_handle_t *)&a->syncer, on_closed);
}
