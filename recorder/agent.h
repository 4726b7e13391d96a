/* agent.h — the libuv agent that wraps one training job.
 *
 * mp_agent_run() creates a private socket (directory 0700, socket 0600),
 * starts the job with MLPROV_SOCKET pointing at it, accepts any number of hook
 * connections from processes of the same user, decodes their frames as they
 * arrive and applies them to the run record (the preload hook's path events
 * once the job has ended: filequeue.h), forwards SIGINT/SIGTERM/SIGHUP/
 * SIGQUIT to the job, and returns when the job has exited and every hook
 * connection has closed (or the drain deadline passed).
 *
 * A misbehaving connection (garbage, oversize or torn frame, wrong user, newer
 * protocol, over the connection or memory limit) is logged, counted in the
 * record and closed; the others go on.
 *
 * With a journal (journal.h), every accepted connection, Hello, Event and
 * incident is appended to it as it arrives; the frames are written to the
 * file once per loop iteration (before any Ack is sent) and made durable
 * every sync_ms on libuv's thread pool. A journal that fails (disk full) is
 * reported once and left as it is; the run goes on.
 */
#ifndef MP_AGENT_H
#define MP_AGENT_H

#include <stddef.h>

#include "err.h"
#include "journal.h"
#include "record.h"

#define MP_AGENT_MAX_CONNS 1024
#define MP_AGENT_MAX_MEMORY ((size_t)1 << 30)
#define MP_AGENT_SYNC_MS 1000

typedef void (*mp_log_fn)(void *ctx, const char *msg);

typedef struct mp_agent_opts {
  char *const *argv;        /* the job */
  char *const *extra_env;   /* NAME=value pairs added to the job's environment */
  size_t max_frame;         /* 0: MP_FRAME_MAX_DEFAULT */
  unsigned max_conns;       /* 0: 1024 */
  unsigned drain_ms;        /* wait for hooks after the job exits; 0: 5000 */
  size_t max_memory;        /* connection buffers + record tables; 0: MP_AGENT_MAX_MEMORY */
  mp_journal *journal;      /* NULL: no journal (borrowed) */
  int sync_ms;              /* journal fdatasync period; 0: before every Ack; <0: 1000 */
  mp_log_fn log;            /* warnings (may be NULL) */
  void *log_ctx;
} mp_agent_opts;

/* Runs the job to completion. 0 when the job ran (rec->exit_code says how it
 * ended); MP_ENOTFOUND / MP_EIO when it could not be started. */
int mp_agent_run(const mp_agent_opts *o, mp_record *rec, mp_err *e);

#endif
