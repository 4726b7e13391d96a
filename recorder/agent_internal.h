/* agent_internal.h — state shared by agent.c and conn.c (not a public API). */
#ifndef MP_AGENT_INTERNAL_H
#define MP_AGENT_INTERNAL_H

#include <sys/types.h>
#include <uv.h>

#include "agent.h"
#include "frame.h"

#define MP_AGENT_NSIGNALS 4

typedef struct mp_conn mp_conn;

typedef struct mp_agent {
  uv_loop_t loop;
  uv_pipe_t server;
  uv_process_t child;
  uv_signal_t signals[MP_AGENT_NSIGNALS];
  uv_timer_t drain;
  const mp_agent_opts *opts;
  mp_record *rec;
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
} mp_agent;

struct mp_conn {
  uv_pipe_t pipe;           /* first: the handle is the connection */
  mp_agent *agent;
  mp_conn *prev, *next;
  mp_frame_reader reader;
  int hello_seen;
  int closing;
  pid_t peer_pid;
  uint64_t events;
};

void mp__agent_log(mp_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp__agent_maybe_finish(mp_agent *a);
void mp__conn_accept(mp_agent *a);
void mp__conn_close_all(mp_agent *a);

#endif
