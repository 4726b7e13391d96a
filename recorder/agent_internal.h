/* agent_internal.h — state shared by agent.c and conn.c (not a public API). */
#ifndef MP_AGENT_INTERNAL_H
#define MP_AGENT_INTERNAL_H

#include <sys/types.h>
#include <uv.h>

#include "agent.h"
#include "filebatch.h"
#include "filequeue.h"
#include "frame.h"

#define MP_AGENT_NSIGNALS 4

typedef struct mp_conn mp_conn;

typedef struct mp_agent {
  uv_loop_t loop;
  uv_pipe_t server;
  uv_process_t child;
  uv_signal_t signals[MP_AGENT_NSIGNALS];
  uv_timer_t drain;
  uv_check_t flusher;       /* writes the journal once per loop iteration, then acks */
  uv_timer_t syncer;        /* periodic fdatasync of the journal */
  uv_fs_t sync_req;
  int sync_inflight;
  uint64_t sync_upto;
  mp_journal *journal;
  int journal_started;
  int journal_reported;     /* its failure was logged */
  int sync_ms;
  unsigned acks_due;        /* connections with an Ack to send */
  const uint8_t *batch;     /* hook frames of batch_conn not yet journaled: one EVENTS frame */
  size_t batch_len;
  uint32_t batch_conn;
  uint32_t next_conn_id;
  size_t buffered;          /* bytes held by connection frame buffers */
  size_t max_memory;
  const mp_agent_opts *opts;
  mp_record *rec;
  mp_fileq *files;          /* path-only file events journaled, not yet applied (NULL: apply at once) */
  mp_conn *conns;           /* doubly linked list of open connections */
  unsigned nconns;
  size_t max_frame;
  unsigned max_conns;
  unsigned drain_ms;
  uid_t uid;
  int child_exited;
  int drain_expired;
  int finishing;
  char sockdir[128];
  char sockpath[160];
  char sockvar[176];        /* "MLPROV_SOCKET=" sockpath, for the job's environment */
  char framevar[48];        /* "MLPROV_MAX_FRAME=" max_frame: hooks size their batches by it */
  char readbuf[65536];      /* lent to every read; frames are copied out at once */
  mp_filebatch_iter batch_paths; /* reads the paths of a FileBatch (scratch) */
} mp_agent;

struct mp_conn {
  uv_pipe_t pipe;           /* first: the handle is the connection */
  mp_agent *agent;
  mp_conn *prev, *next;
  mp_frame_reader reader;
  int hello_seen;
  int closing;
  pid_t peer_pid;
  uid_t peer_uid;
  uint32_t id;              /* in the journal */
  uint64_t events;
  int want_acks;
  int ack_due;              /* last_seq not yet acked */
  int ack_inflight;
  uint64_t last_seq;        /* seq of the last event applied */
  uv_write_t ack_req;
  uint8_t ackbuf[512];
};

void mp__agent_log(mp_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts an incident under each of the NULL-terminated counter names (record.h
 * names), logs it and journals it. */
void mp__agent_incident(mp_agent *a, uint32_t conn, const char *const *counters, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Appends a frame to the journal, if any (a failure is reported once),
 * after the batch. */
void mp__agent_journal(mp_agent *a, unsigned type, unsigned flags, uint32_t conn, const void *body, size_t len);
/* Journals an Event that ingest leaves unchanged as part of a batch: framed
 * is its hook frame (header included) in conn's frame buffer. Frames that
 * follow each other there join one EVENTS frame, appended by
 * mp__agent_journal_batch_end (called before the frame buffer changes). */
void mp__agent_journal_batched(mp_agent *a, uint32_t conn, const uint8_t *framed, size_t len);
void mp__agent_journal_batch_end(mp_agent *a);
/* Starts the flusher and the sync timer; stops them (final write). */
void mp__journal_start(mp_agent *a);
void mp__journal_stop(mp_agent *a);
/* Sends conn's Ack when one is due and none is in flight. */
void mp__conn_send_ack(mp_conn *c);
void mp__agent_maybe_finish(mp_agent *a);
/* Applies the queued file events to the record (all of them: the job has
 * ended, the queue is large, or another file event comes next). */
void mp__agent_apply_files(mp_agent *a);
void mp__conn_accept(mp_agent *a);
void mp__conn_close_all(mp_agent *a);

#endif
