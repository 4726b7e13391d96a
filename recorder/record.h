/* record.h — everything the agent learns about one run, before it becomes a
 * provenance statement: what the job is, where it ran, and what its hooks
 * reported. Hook events are de-duplicated here (files by absolute path,
 * packages by purl, datasets by name, parameters by key: the last value wins
 * and earlier values are kept in the parameter's history).
 *
 * Owned by the agent loop; not thread-safe.
 */
#ifndef MP_RECORD_H
#define MP_RECORD_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "event.pb-c.h"
#include "rank.h"

typedef struct mp_leafset {
  uint8_t *leaves;      /* n * 32 bytes, in arrival order */
  size_t n, cap;
  int format;           /* mp_dsformat the senders named, -1: none */
  int format_conflict;  /* senders named different formats (the first is kept) */
} mp_leafset;

typedef struct mp_record_stats {
  uint64_t connections;      /* hook connections accepted */
  uint64_t refused;          /* refused, all reasons: other user, too many, bad hello, newer protocol */
  uint64_t refused_wrong_user;  /* of which: peer credentials of another user (or none) */
  uint64_t refused_conn_limit;  /* of which: more than the connection limit open */
  uint64_t events;           /* events decoded */
  uint64_t bad_frames;       /* undecodable frames (connection closed) */
  uint64_t oversize_frames;  /* frames above the limit (connection closed) */
  uint64_t torn_frames;      /* connection ended inside a frame */
  uint64_t memory_closed;    /* connections closed because the memory limit was reached */
  uint64_t unknown_events;   /* events of a kind this agent does not know */
  uint64_t unknown_fields;   /* known events carrying fields this agent does not know */
  uint64_t redacted_events;  /* events whose content was redacted before it was journaled/kept */
  uint64_t dropped_by_hooks; /* sum of HookStats.events_dropped */
  uint64_t limited;          /* entries not kept because a table was full */
} mp_record_stats;

/* The counters by their provenance name (mlprov/hooks byproduct), so the
 * journal's incident records and the provenance use one vocabulary. */
typedef struct mp_record_stat_def {
  const char *name;
  size_t offset;             /* in mp_record_stats */
} mp_record_stat_def;
extern const mp_record_stat_def mp_record_stat_defs[]; /* ends with {NULL, 0} */
/* The counter named name, or NULL. */
uint64_t *mp_record_stat(mp_record_stats *s, const char *name);

typedef struct mp_record {
  char **argv;               /* as run (redaction happens when written) */
  char *cwd;
  char *invocation_id;
  struct timespec started, finished;
  int exited;                /* the job ended (exit_code/term_signal valid) */
  int64_t exit_code;
  int term_signal;
  json_t *host;              /* internalParameters pieces collected up front */
  json_t *source;            /* git state or NULL */
  json_t *environment;       /* redacted environment collected up front, or NULL */
  char *preload;             /* the LD_PRELOAD hook injected (abs path), or NULL */
  char *job_id;              /* distributed job this run is one node of, or NULL */
  mp_rank_env launcher;      /* the launcher variables mlprov run itself saw */
  json_t *files_read;        /* abs path -> {size?, digest?}, or null for neither */
  json_t *files_written;     /* abs path -> null */
  json_t *datasets;          /* name -> {...} */
  json_t *dependencies;      /* key -> {...} */
  json_t *parameters;        /* key -> value */
  json_t *artifacts;         /* abs path -> {role, name} */
  json_t *base_models;       /* array */
  json_t *annotations;       /* array */
  json_t *execs;             /* array */
  json_t *hooks;             /* array of hello summaries */
  json_t *unknown;           /* array of base64 frames (bounded) */
  json_t *leafsets_index;    /* dataset name -> index into leafsets */
  mp_leafset *leafsets;
  size_t nleafsets;
  mp_record_stats stats;
  size_t max_entries;        /* per table */
  size_t mem;                /* estimate (from above) of the bytes the tables hold */
  size_t cur_raw;            /* size of the event being applied (for mem) */
  int recovered;             /* rebuilt from a journal by `mlprov recover` */
  json_t *incomplete;        /* reasons the record may miss events (array), or NULL */
} mp_record;

int mp_record_new(char *const *argv, mp_record **out, mp_err *e);
/* Notes why the record may be incomplete (copied). */
void mp_record_incomplete(mp_record *r, const char *reason);
void mp_record_free(mp_record *r);

/* Resolves path against the job's working directory (malloc'd). */
char *mp_record_abspath(const mp_record *r, const char *path);

/* Notes a hook's hello; returns its index (for later events). */
void mp_record_hello(mp_record *r, const Mlprov__Event__V1__Hello *h, int64_t peer_pid);
/* Applies one decoded event. Unknown kinds are kept (raw bytes) and counted. */
int mp_record_event(mp_record *r, const Mlprov__Event__V1__Event *ev, const uint8_t *raw,
                    size_t rawlen, mp_err *e);
/* Applies a FileRead (written = 0) or FileWritten event that holds nothing
 * but path (rawlen: its encoded size) exactly as mp_record_event would, for
 * events queued without being decoded (filequeue.h). */
int mp_record_file(mp_record *r, int written, const char *path, size_t rawlen, mp_err *e);

#endif
