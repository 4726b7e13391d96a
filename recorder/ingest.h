/* ingest.h — what happens to a hook frame at the agent's door, the same for
 * a live connection (conn.c), a journal replay (replay.c) and the fuzzer:
 *
 *   decode   the protobuf Hello or Event (a frame that does not decode is
 *            the caller's to count and refuse);
 *   redact   every string by value (redact.h), parameter values and
 *            annotation texts by their key too, exec argv like a command
 *            line; a dataset record's data becomes its RFC 9162 leaf hash;
 *            opaque unknown fields (a newer hook) are dropped when they look
 *            like they hold a credential. The bytes journaled and kept are
 *            the frame only when it is exactly the encoding of what was
 *            checked; otherwise (a redaction, a string protobuf-c cut at an
 *            embedded NUL, a field sent twice) the checked event re-encoded,
 *            so they never hold a secret the redactor knows how to see;
 *   apply    the event to the run record (record.c).
 *
 * Redaction is idempotent: replaying a journaled event applies it unchanged.
 */
#ifndef MP_INGEST_H
#define MP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.pb-c.h"
#include "filebatch.h"
#include "record.h"

typedef struct mp_ingest {
  Mlprov__Event__V1__Event *ev;   /* decoded and redacted */
  const uint8_t *bytes;           /* what to journal and keep: the frame, or `owned` (re-encoded) */
  size_t len;
  unsigned flags;                 /* MP_JOURNAL_F_REDACTED | MP_JOURNAL_F_LEAF */
  uint8_t *owned;
} mp_ingest;

/* Decodes and redacts an Event frame. MP_EPARSE when it is not an Event. */
int mp_ingest_event(const uint8_t *frame, size_t len, mp_ingest *in, mp_err *e);
/* Applies a prepared event to the record (counts redactions). */
int mp_ingest_apply(mp_record *r, const mp_ingest *in, mp_err *e);
void mp_ingest_clear(mp_ingest *in);

/* The events the LD_PRELOAD hook sends by the hundred thousand, recognised
 * without protobuf-c: a FileRead or FileWritten that holds a path and nothing
 * else (no digest, size or unknown field) and that redaction leaves alone.
 * 1 when frame is one: out says which and holds the path; mp_ingest_event
 * would give the same event with flags 0 and the frame's own bytes (tested
 * differentially). 0: anything else, for mp_ingest_event. */
typedef struct mp_ingest_path {
  int kind;                       /* MLPROV__EVENT__V1__EVENT__KIND_FILE_READ or _FILE_WRITTEN */
  uint64_t seq;
  size_t len;
  char path[4096];                /* NUL-terminated */
} mp_ingest_path;
int mp_ingest_path_event(const uint8_t *frame, size_t len, mp_ingest_path *out);

/* The same for a FileBatch (what the LD_PRELOAD hook sends): 1 when frame
 * is exactly protobuf-c's encoding of an Event holding a non-empty FileBatch
 * and nothing else, whose paths are valid (filebatch.h) and all left alone
 * by redaction; out then points into frame. it is scratch space (its path
 * buffer is large), left on the batch's last path when 1 is returned. 0:
 * anything else, for mp_ingest_event. */
typedef struct mp_ingest_batch {
  uint64_t seq;
  const uint8_t *paths;           /* the front-coded paths, within frame */
  size_t len;
  size_t count;                   /* paths */
} mp_ingest_batch;
int mp_ingest_batch_event(const uint8_t *frame, size_t len, mp_ingest_batch *out, mp_filebatch_iter *it);

/* Decodes and redacts a Hello; bytes and blen are what to journal (the frame or
 * *owned, to be freed), flags MP_JOURNAL_F_REDACTED when redaction changed it.
 * NULL when the frame is not a Hello (or memory ran out). */
Mlprov__Event__V1__Hello *mp_ingest_hello(const uint8_t *frame, size_t len, const uint8_t **bytes, size_t *blen,
                                          uint8_t **owned, unsigned *flags);

#endif
