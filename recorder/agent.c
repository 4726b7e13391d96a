/* agent.c — see agent.h. One uv loop owns everything: the listening pipe, the
 * child process, signal watchers, a drain timer and the connections
 * (conn.c). Handles are closed through uv_close and the loop is run until it
 * has no handles left, so uv_loop_close() succeeds. */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "agent_internal.h"
#include "frame.h"
#include "statement.h"

extern char **environ;

void mp__agent_log(mp_agent *a, const char *fmt, ...) {
  if (!a->opts->log) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  a->opts->log(a->opts->log_ctx, msg);
}

static void on_handle_closed(uv_handle_t *h) { (void)h; }

/* Stops accepting and closes every handle once the job is gone and the
 * connections are drained. */
void mp__agent_maybe_finish(mp_agent *a) {
  if (!a->child_exited || a->finishing) return;
  if (a->nconns > 0 && !a->drain_expired) return;
  a->finishing = 1;
  mp__conn_close_all(a);
  if (a->journal_started) mp__journal_stop(a);
  uv_close((uv_handle_t *)&a->server, on_handle_closed);
  for (int i = 0; i < MP_AGENT_NSIGNALS; i++) uv_close((uv_handle_t *)&a->signals[i], on_handle_closed);
  uv_close((uv_handle_t *)&a->drain, on_handle_closed);
}

static void on_drain_timeout(uv_timer_t *t) {
  mp_agent *a = t->data;
  if (a->nconns)
    mp__agent_log(a, "%u hook connection(s) still open %u ms after the job exited; closing them",
                  a->nconns, a->drain_ms);
  a->drain_expired = 1;
  mp__agent_maybe_finish(a);
}

static void on_child_exit(uv_process_t *p, int64_t status, int term_signal) {
  mp_agent *a = p->data;
  clock_gettime(CLOCK_REALTIME, &a->rec->finished);
  a->rec->exited = 1;
  a->rec->exit_code = status;
  a->rec->term_signal = term_signal;
  a->child_exited = 1;
  uv_close((uv_handle_t *)p, on_handle_closed);
  uv_timer_start(&a->drain, on_drain_timeout, a->drain_ms, 0);
  mp__agent_maybe_finish(a);
}

static void on_signal(uv_signal_t *s, int signum) {
  mp_agent *a = s->data;
  if (!a->child_exited) uv_process_kill(&a->child, signum);
}

static void on_connection(uv_stream_t *server, int status) {
  mp_agent *a = server->data;
  if (status < 0) {
    mp__agent_log(a, "accepting a hook connection: %s", uv_strerror(status));
    return;
  }
  mp__conn_accept(a);
}

static int make_socket_dir(mp_agent *a, mp_err *e) {
  const char *base = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (!base || stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || access(base, W_OK) != 0)
    base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(a->sockdir, sizeof a->sockdir, "%s/mlprov-XXXXXX", base);
  if (!mkdtemp(a->sockdir)) return mp_err_errno(e, MP_EIO, errno, "creating socket directory in %s", base);
  chmod(a->sockdir, 0700);
  int n = snprintf(a->sockpath, sizeof a->sockpath, "%s/agent.sock", a->sockdir);
  if (n < 0 || (size_t)n >= 100) /* sun_path is 108 bytes on Linux */
    return mp_err_set(e, MP_ELIMIT, "socket path %s is too long; set TMPDIR to a shorter directory", a->sockpath);
  return 0;
}

static char **build_env(mp_agent *a) {
  size_t n = 0, extra = 0;
  while (environ[n]) n++;
  while (a->opts->extra_env && a->opts->extra_env[extra]) extra++;
  char **env = calloc(n + extra + 3, sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(environ[i], "MLPROV_SOCKET=", 14) == 0 || strncmp(environ[i], "MLPROV_MAX_FRAME=", 17) == 0)
      continue;
    int overridden = 0;
    for (size_t j = 0; j < extra; j++) {
      const char *eq = strchr(a->opts->extra_env[j], '=');
      size_t nl = eq ? (size_t)(eq - a->opts->extra_env[j]) : 0;
      if (nl && strncmp(environ[i], a->opts->extra_env[j], nl + 1) == 0) overridden = 1;
    }
    if (!overridden) env[k++] = environ[i];
  }
  for (size_t j = 0; j < extra; j++) env[k++] = a->opts->extra_env[j];
  snprintf(a->sockvar, sizeof a->sockvar, "MLPROV_SOCKET=%s", a->sockpath);
  env[k++] = a->sockvar;
  snprintf(a->framevar, sizeof a->framevar, "MLPROV_MAX_FRAME=%zu", a->max_frame);
  env[k++] = a->framevar;
  env[k] = NULL;
  return env;
}

int mp_agent_run(const mp_agent_opts *o, mp_record *rec, mp_err *e) {
  mp_agent a;
  memset(&a, 0, sizeof a);
  a.opts = o;
  a.rec = rec;
  a.max_frame = o->max_frame ? o->max_frame : MP_FRAME_MAX_DEFAULT;
  a.max_conns = o->max_conns ? o->max_conns : MP_AGENT_MAX_CONNS;
  a.drain_ms = o->drain_ms ? o->drain_ms : 5000;
  a.max_memory = o->max_memory ? o->max_memory : MP_AGENT_MAX_MEMORY;
  a.journal = o->journal;
  a.sync_ms = o->sync_ms < 0 ? MP_AGENT_SYNC_MS : o->sync_ms;
  a.uid = getuid();
  if (!o->argv || !o->argv[0]) return mp_err_set(e, MP_EUSAGE, "no command to run");
  /* NULL (a memory limit too small for a few blocks, or out of memory):
   * every event is applied as it arrives */
  a.files = a.max_memory / 4 >= 4 * MP_FILEQ_BLOCK ? mp_fileq_new() : NULL;

  int rc = make_socket_dir(&a, e);
  if (rc) {
    mp_fileq_free(a.files);
    return rc;
  }
  int uvrc = uv_loop_init(&a.loop);
  if (uvrc) {
    rmdir(a.sockdir);
    mp_fileq_free(a.files);
    return mp_err_set(e, MP_EIO, "starting event loop: %s", uv_strerror(uvrc));
  }
  uv_pipe_init(&a.loop, &a.server, 0);
  a.server.data = &a;
  mode_t old = umask(0177); /* the socket is created 0600 */
  uvrc = uv_pipe_bind(&a.server, a.sockpath);
  umask(old);
  if (!uvrc) uvrc = uv_listen((uv_stream_t *)&a.server, 128, on_connection);
  if (uvrc) {
    rc = mp_err_set(e, MP_EIO, "listening on %s: %s", a.sockpath, uv_strerror(uvrc));
    uv_close((uv_handle_t *)&a.server, NULL);
    goto out;
  }
  chmod(a.sockpath, 0600);

  uv_timer_init(&a.loop, &a.drain);
  a.drain.data = &a;
  static const int sigs[MP_AGENT_NSIGNALS] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  for (int i = 0; i < MP_AGENT_NSIGNALS; i++) {
    uv_signal_init(&a.loop, &a.signals[i]);
    a.signals[i].data = &a;
    uv_signal_start(&a.signals[i], on_signal, sigs[i]);
  }

  mp__journal_start(&a);
  a.journal_started = 1;
  /* A file size limit must fail the journal's write, and a hook that closes
   * before its Ack is written must fail that write, not kill the recorder
   * (the job gets default dispositions back: libuv resets them in the child). */
  signal(SIGXFSZ, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  char **env = build_env(&a);
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_INHERIT_FD, .data.fd = 0},
      {.flags = UV_INHERIT_FD, .data.fd = 1},
      {.flags = UV_INHERIT_FD, .data.fd = 2},
  };
  uv_process_options_t popts = {
      .exit_cb = on_child_exit,
      .file = o->argv[0],
      .args = (char **)o->argv,
      .env = env,
      .stdio_count = 3,
      .stdio = stdio,
  };
  if (rec->started.tv_sec == 0) clock_gettime(CLOCK_REALTIME, &rec->started);
  a.child.data = &a;
  uvrc = env ? uv_spawn(&a.loop, &a.child, &popts) : UV_ENOMEM;
  free(env);
  if (uvrc) {
    rc = uvrc == UV_ENOENT ? mp_err_set(e, MP_ENOTFOUND, "cannot run %s: command not found", o->argv[0])
                           : mp_err_set(e, MP_EIO, "cannot run %s: %s", o->argv[0], uv_strerror(uvrc));
    if (uvrc != UV_ENOMEM) uv_close((uv_handle_t *)&a.child, NULL);
    a.child_exited = 1;
    a.drain_expired = 1;
    mp__agent_maybe_finish(&a);
  }
  uv_run(&a.loop, UV_RUN_DEFAULT);
out:
  uv_run(&a.loop, UV_RUN_DEFAULT); /* let close callbacks run */
  if (uv_loop_close(&a.loop) != 0) mp__agent_log(&a, "internal: event loop closed with live handles");
  /* every connection is closed: the file events still queued are the last */
  mp__agent_apply_files(&a);
  mp_fileq_free(a.files);
  unlink(a.sockpath);
  rmdir(a.sockdir);
  return rc;
}
