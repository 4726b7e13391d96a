/* replay.h — the run journal's records and their replay.
 *
 * START (JSON, frame 1): format, mlprovVersion, invocationId, argv (redacted),
 * cwd, startedOn, host, source, environment (redacted), outputs (as given),
 * out (the provenance base or null), builderId, withPb, agentPid, and the
 * limits (maxFrame, maxConnections, maxMemory).
 * END (JSON, last frame): finishedOn, started (false: the command could not
 * be run), exitCode, termSignal, events (the live count, a cross-check).
 * ACCEPT {pid, uid}, HELLO and EVENT (protobuf, as ingested) and INCIDENT
 * {counters, message} carry the connection id in the frame header.
 *
 * Replaying applies every verified frame to a fresh record through the same
 * code the live agent ran (ingest.c, record.c), so the record is the one the
 * agent held when it wrote the last of those frames. The replay stops at the
 * first damaged frame and notes why the record is incomplete.
 */
#ifndef MP_REPLAY_H
#define MP_REPLAY_H

#include <jansson.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"
#include "journal.h"
#include "record.h"

#define MP_JOURNAL_FORMAT "mlprov-journal/2"    /* written: START's format, file version 2 */
#define MP_JOURNAL_FORMAT_V1 "mlprov-journal/1" /* read too (no EVENTS frames) */

typedef struct mp_start_opts {
  const char *const *outputs;
  size_t noutputs;
  const char *out;              /* provenance base, or NULL */
  const char *builder_id;       /* NULL: default */
  int with_pb;
  size_t max_frame, max_memory;
  unsigned max_conns;
} mp_start_opts;

/* The START record of rec (argv redacted). */
json_t *mp_replay_start_json(const mp_record *rec, const mp_start_opts *o);
/* The END record of rec; started = 0 when the command could not be run. */
json_t *mp_replay_end_json(const mp_record *rec, int started);

typedef struct mp_replay {
  mp_record *rec;               /* owned */
  json_t *start;                /* the START record (owned) */
  json_t *end;                  /* the END record, or NULL */
  uint64_t frames;              /* verified frames applied */
  uint64_t by_type[8];          /* indexed by enum mp_journal_type (0: unknown types) */
  uint64_t torn_bytes;
  uint8_t chain[MP_SHA256_LEN]; /* after the last verified frame */
  char damage[MP_ERR_MSG_MAX];  /* "" unless the journal is damaged */
} mp_replay;

/* The mlprov/journal byproduct naming a journal: its path (file URI),
 * format, frames, bytes, finalChainHash (hex) and status ("complete",
 * "failed" with error, "recovered"). */
json_t *mp_replay_journal_byproduct(const char *path, uint64_t frames, uint64_t bytes,
                                    const uint8_t chain[MP_SHA256_LEN], const char *status, const char *error);

/* Replays the journal r. Fails (MP_EVERIFY/MP_EPARSE/MP_EIO) only when not
 * even the START record can be read; later damage is in out->damage. */
int mp_replay_journal(mp_journal_reader *r, mp_replay *out, mp_err *e);
void mp_replay_clear(mp_replay *rp);

#endif
