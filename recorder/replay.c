/* replay.c — see replay.h. */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoding.h"
#include "fileio.h"
#include "ingest.h"
#include "provenance.h"
#include "redact.h"
#include "statement.h"

static json_t *ts_json(const struct timespec *ts) {
  char buf[64];
  mp_time_format(ts, buf, sizeof buf);
  return json_string(buf);
}

json_t *mp_replay_start_json(const mp_record *rec, const mp_start_opts *o) {
  json_t *argv = json_array(), *outputs = json_array();
  char **red = mp_redact_argv((const char *const *)rec->argv);
  for (char **p = red; p && *p; p++) json_array_append_new(argv, json_string(*p));
  mp_strv_free(red);
  for (size_t i = 0; i < o->noutputs; i++) json_array_append_new(outputs, json_string(o->outputs[i]));
  json_t *start = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:O?, s:O?, s:O?, s:o, s:s?, s:s, s:b, s:I, s:I, s:I, s:I}",
                   "format", MP_JOURNAL_FORMAT, "mlprovVersion", MLPROV_VERSION, "invocationId",
                   rec->invocation_id ? rec->invocation_id : "", "argv", argv, "cwd", rec->cwd, "startedOn",
                   ts_json(&rec->started), "host", rec->host, "source", rec->source, "environment",
                   rec->environment, "outputs", outputs, "out", o->out, "builderId",
                   o->builder_id ? o->builder_id : MP_DEFAULT_BUILDER_ID, "withPb", o->with_pb, "agentPid",
                   (json_int_t)getpid(), "maxFrame", (json_int_t)o->max_frame, "maxConnections",
                   (json_int_t)o->max_conns, "maxMemory", (json_int_t)o->max_memory);
  /* what recover needs to describe the node the same way: the preload hook
   * injected, the distributed job and the launcher's ranks */
  if (start && rec->preload) json_object_set_new(start, "preload", json_string(rec->preload));
  if (start && rec->job_id) json_object_set_new(start, "jobId", json_string(rec->job_id));
  if (start && rec->launcher.have_rank)
    json_object_set_new(start, "launcher",
                        json_pack("{s:i, s:i, s:i, s:s, s:s}", "rank", rec->launcher.rank, "localRank",
                                  rec->launcher.local_rank, "worldSize", rec->launcher.world_size, "node",
                                  rec->launcher.node, "jobId", rec->launcher.job_id));
  return start;
}

json_t *mp_replay_end_json(const mp_record *rec, int started) {
  json_t *end = json_pack("{s:o, s:b, s:I}", "finishedOn", ts_json(&rec->finished), "started", started, "events",
                          (json_int_t)rec->stats.events);
  if (end && started && rec->exited) {
    json_object_set_new(end, "exitCode", json_integer((json_int_t)rec->exit_code));
    json_object_set_new(end, "termSignal", json_integer(rec->term_signal));
  }
  return end;
}

json_t *mp_replay_journal_byproduct(const char *path, uint64_t frames, uint64_t bytes,
                                    const uint8_t chain[MP_SHA256_LEN], const char *status, const char *error) {
  char hex[2 * MP_SHA256_LEN + 1];
  mp_hex_encode(chain, MP_SHA256_LEN, hex);
  char *abs = path[0] == '/' ? mp_path_normalize(path) : NULL;
  if (!abs) {
    char cwd[4096];
    size_t n = (getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0) + strlen(path) + 2;
    char *joined = malloc(n);
    if (joined) snprintf(joined, n, "%s/%s", getcwd(cwd, sizeof cwd) ? cwd : "", path);
    abs = joined ? mp_path_normalize(joined) : NULL;
    free(joined);
  }
  char *uri = abs ? mp_file_uri(abs) : NULL;
  json_t *rd = mp_rd_new("mlprov/journal", uri, NULL, NULL);
  free(uri);
  json_t *ann = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "path", abs ? abs : path, "format", MP_JOURNAL_FORMAT,
                          "frames", (json_int_t)frames, "bytes", (json_int_t)bytes, "finalChainHash", hex, "status",
                          status);
  free(abs);
  if (error) json_object_set_new(ann, "error", json_string(error));
  json_object_set_new(rd, "annotations", ann);
  return rd;
}

void mp_replay_clear(mp_replay *rp) {
  mp_record_free(rp->rec);
  json_decref(rp->start);
  json_decref(rp->end);
  memset(rp, 0, sizeof *rp);
}

static json_t *parse_body(const mp_journal_frame *f) {
  json_error_t je;
  json_t *v = json_loadb((const char *)f->body, f->len, JSON_REJECT_DUPLICATES, &je);
  if (v && !json_is_object(v)) {
    json_decref(v);
    v = NULL;
  }
  return v;
}

static int apply_start(mp_replay *rp, const mp_journal_frame *f, mp_err *e) {
  json_t *st = parse_body(f);
  json_t *argv = st ? json_object_get(st, "argv") : NULL;
  const char *fmt = st ? json_string_value(json_object_get(st, "format")) : NULL;
  const char *cwd = st ? json_string_value(json_object_get(st, "cwd")) : NULL;
  if (!st || !fmt || (strcmp(fmt, MP_JOURNAL_FORMAT) != 0 && strcmp(fmt, MP_JOURNAL_FORMAT_V1) != 0) ||
      !json_is_array(argv) || !cwd) {
    json_decref(st);
    return mp_err_set(e, MP_EPARSE, "journal frame 1: the start record is not a %s START object", MP_JOURNAL_FORMAT);
  }
  size_t n = json_array_size(argv);
  char **args = calloc(n + 1, sizeof *args);
  if (!args) {
    json_decref(st);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const char *s = json_string_value(json_array_get(argv, i));
    args[i] = (char *)(s ? s : "");
  }
  int rc = mp_record_new(args, &rp->rec, e);
  free(args);
  if (rc) {
    json_decref(st);
    return rc;
  }
  mp_record *r = rp->rec;
  char *c = strdup(cwd);
  if (c) {
    free(r->cwd);
    r->cwd = c;
  }
  const char *inv = json_string_value(json_object_get(st, "invocationId"));
  r->invocation_id = inv ? strdup(inv) : NULL;
  const char *started = json_string_value(json_object_get(st, "startedOn"));
  if (!started || mp_time_parse(started, &r->started) != 0) {
    r->started.tv_sec = (time_t)(f->time_ns / 1000000000u);
    r->started.tv_nsec = (long)(f->time_ns % 1000000000u);
  }
  json_t *v;
  if ((v = json_object_get(st, "host")) && json_is_object(v)) r->host = json_incref(v);
  if ((v = json_object_get(st, "source")) && json_is_object(v)) r->source = json_incref(v);
  if ((v = json_object_get(st, "environment")) && json_is_object(v)) r->environment = json_incref(v);
  const char *pl = json_string_value(json_object_get(st, "preload"));
  const char *job = json_string_value(json_object_get(st, "jobId"));
  if (pl) r->preload = strdup(pl);
  if (job) r->job_id = strdup(job);
  json_t *la = json_object_get(st, "launcher");
  if (json_is_object(la)) {
    r->launcher.have_rank = 1;
    r->launcher.rank = (int)json_integer_value(json_object_get(la, "rank"));
    r->launcher.local_rank = (int)json_integer_value(json_object_get(la, "localRank"));
    r->launcher.world_size = (int)json_integer_value(json_object_get(la, "worldSize"));
    snprintf(r->launcher.node, sizeof r->launcher.node, "%s",
             json_string_value(json_object_get(la, "node")) ? json_string_value(json_object_get(la, "node")) : "");
    snprintf(r->launcher.job_id, sizeof r->launcher.job_id, "%s",
             json_string_value(json_object_get(la, "jobId")) ? json_string_value(json_object_get(la, "jobId")) : "");
  }
  rp->start = st;
  return 0;
}

static void apply_end(mp_replay *rp, const mp_journal_frame *f) {
  mp_record *r = rp->rec;
  json_t *end = parse_body(f);
  const char *fin = end ? json_string_value(json_object_get(end, "finishedOn")) : NULL;
  if (!fin || mp_time_parse(fin, &r->finished) != 0) {
    r->finished.tv_sec = (time_t)(f->time_ns / 1000000000u);
    r->finished.tv_nsec = (long)(f->time_ns % 1000000000u);
  }
  json_t *code = end ? json_object_get(end, "exitCode") : NULL;
  if (json_is_integer(code)) {
    r->exited = 1;
    r->exit_code = json_integer_value(code);
    r->term_signal = (int)json_integer_value(json_object_get(end, "termSignal"));
  }
  rp->end = end ? end : json_object();
}

static void apply_incident(mp_replay *rp, const mp_journal_frame *f) {
  json_t *inc = parse_body(f);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(inc, "counters"), i, c) {
    uint64_t *v = mp_record_stat(&rp->rec->stats, json_string_value(c));
    if (v) (*v)++;
  }
  json_decref(inc);
}

static void apply_event(mp_replay *rp, const mp_journal_frame *f) {
  mp_ingest in;
  mp_err e;
  if (mp_ingest_event(f->body, f->len, &in, &e) != 0) {
    rp->rec->stats.bad_frames++; /* a verified frame the live agent could decode: a newer writer */
    return;
  }
  in.flags |= f->flags & MP_JOURNAL_F_REDACTED;
  if (mp_ingest_apply(rp->rec, &in, &e) != 0) rp->rec->stats.bad_frames++;
  mp_ingest_clear(&in);
}

/* Each Event of an EVENTS frame, as if it had been an EVENT frame; a body
 * that does not split into frames (the chain checked, so a newer or broken
 * writer) counts once as a bad frame. */
static void apply_events(mp_replay *rp, const mp_journal_frame *f) {
  size_t off = 0, len;
  const uint8_t *ev;
  int rc;
  while ((rc = mp_journal_events_next(f->body, f->len, &off, &ev, &len)) == 1) {
    mp_journal_frame one = *f;
    one.body = ev;
    one.len = len;
    one.flags = 0;
    apply_event(rp, &one);
  }
  if (rc < 0) rp->rec->stats.bad_frames++;
}

static void apply_hello(mp_replay *rp, const mp_journal_frame *f, json_t *pids) {
  const uint8_t *bytes;
  size_t blen;
  uint8_t *owned;
  unsigned flags;
  Mlprov__Event__V1__Hello *h = mp_ingest_hello(f->body, f->len, &bytes, &blen, &owned, &flags);
  if (!h) return;
  char key[16];
  snprintf(key, sizeof key, "%u", f->conn);
  mp_record_hello(rp->rec, h, json_integer_value(json_object_get(pids, key)));
  mlprov__event__v1__hello__free_unpacked(h, NULL);
  free(owned);
}

int mp_replay_journal(mp_journal_reader *r, mp_replay *out, mp_err *e) {
  memset(out, 0, sizeof *out);
  mp_journal_frame f;
  mp_err fe;
  mp_err_clear(&fe);
  int rc = mp_journal_next(r, &f, &fe);
  if (rc != 1) {
    if (rc == 0) return mp_err_set(e, MP_EPARSE, "the journal holds no frame: nothing was recorded");
    if (e) *e = fe;
    return rc;
  }
  if ((rc = apply_start(out, &f, e))) return rc;
  out->frames = 1;
  out->by_type[MP_JOURNAL_START]++;
  uint64_t last_ns = f.time_ns;
  json_t *pids = json_object();
  while ((rc = mp_journal_next(r, &f, &fe)) == 1) {
    out->frames++;
    last_ns = f.time_ns;
    out->by_type[f.type < 8 ? f.type : 0]++;
    switch (f.type) {
      case MP_JOURNAL_ACCEPT: {
        json_t *acc = parse_body(&f);
        char key[16];
        snprintf(key, sizeof key, "%u", f.conn);
        json_t *pid = acc ? json_object_get(acc, "pid") : NULL;
        if (json_is_integer(pid)) json_object_set(pids, key, pid);
        json_decref(acc);
        out->rec->stats.connections++;
        break;
      }
      case MP_JOURNAL_HELLO: apply_hello(out, &f, pids); break;
      case MP_JOURNAL_EVENT: apply_event(out, &f); break;
      case MP_JOURNAL_EVENTS: apply_events(out, &f); break;
      case MP_JOURNAL_INCIDENT: apply_incident(out, &f); break;
      case MP_JOURNAL_END: apply_end(out, &f); break;
      default: break; /* a newer writer's frame type: verified, not understood */
    }
  }
  json_decref(pids);
  memcpy(out->chain, mp_journal_chain(r), MP_SHA256_LEN);
  out->torn_bytes = mp_journal_torn_bytes(r);
  mp_record *rec = out->rec;
  rec->recovered = 1;
  if (rc < 0) {
    snprintf(out->damage, sizeof out->damage, "%s", fe.msg);
    char why[MP_ERR_MSG_MAX + 64];
    snprintf(why, sizeof why, "the journal is damaged, frames from there on were not used: %s", fe.msg);
    mp_record_incomplete(rec, why);
  }
  if (!out->end) {
    rec->finished.tv_sec = (time_t)(last_ns / 1000000000u);
    rec->finished.tv_nsec = (long)(last_ns % 1000000000u);
    mp_record_incomplete(rec, "the journal has no end record: the agent stopped before the job ended, so events "
                              "it had not yet journaled are missing and the job's exit status is unknown "
                              "(finishedOn is the time of the last journaled frame)");
  } else if (!json_is_true(json_object_get(out->end, "started"))) {
    mp_record_incomplete(rec, "the command could not be run");
  }
  if (out->torn_bytes) {
    char why[160];
    snprintf(why, sizeof why, "a torn last frame (%llu bytes, written while the agent stopped) was dropped",
             (unsigned long long)out->torn_bytes);
    mp_record_incomplete(rec, why);
  }
  mp_record_incomplete(rec, "rebuilt from the journal by `mlprov recover`: outputs and inputs were hashed at "
                            "recovery time, not when the job ended");
  return 0;
}
