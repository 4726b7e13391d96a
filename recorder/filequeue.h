/* filequeue.h — file events the agent has journaled but not yet applied to
 * the run record.
 *
 * Why: a job that opens files as fast as it can (LD_PRELOAD hook) sends
 * 100,000s of FileRead/FileWritten events, and putting each into the
 * record's JSON tables (a hash lookup and an insert that miss the cache, and
 * rehashing as the tables grow) costs the agent about a microsecond: CPU
 * taken from the job while it runs. The agent journals every event as it
 * arrives (crash recovery is unchanged) and appends the path-only file
 * events here, which costs a copy; they are applied once the job has ended,
 * earlier when the queue grows large, and before any other file event.
 *
 * Invariant: applying the queue gives the record exactly what applying each
 * queued event as it arrived would have given (mp_record_file, in arrival
 * order), since only file events touch the file tables and no other event
 * is applied between two that are queued. Repeats are not removed here: the
 * record's tables de-duplicate when the queue is applied.
 *
 * An event takes a few bytes (paths are front-coded: only what differs from
 * the path before is kept), in blocks of MP_FILEQ_BLOCK bytes appended to
 * and never moved. Owned by the agent loop; not thread-safe.
 */
#ifndef MP_FILEQUEUE_H
#define MP_FILEQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define MP_FILEQ_BLOCK ((size_t)256 << 10)

typedef struct mp_fileq mp_fileq;

mp_fileq *mp_fileq_new(void);
void mp_fileq_free(mp_fileq *q);
/* Queues a FileRead (written = 0) or FileWritten event holding only path
 * (len bytes, no NUL among them, len < 64 KiB); rawlen is the event's encoded
 * size. 0, or -1 when memory ran out (nothing queued: apply the queue, then
 * the event). */
int mp_fileq_add(mp_fileq *q, int written, const char *path, size_t len, size_t rawlen);
/* Queues the paths of a FileBatch (schema/event.proto) that the agent's
 * check passed (ingest.h: valid, nothing to redact): paths, len bytes as
 * they came, holding count paths, the last of which is last (last_len
 * bytes). 0, or -1 when they do not fit in a block or memory ran out
 * (nothing queued: queue them one by one). */
int mp_fileq_add_batch(mp_fileq *q, const uint8_t *paths, size_t len, size_t count, const char *last,
                       size_t last_len);
/* Events queued. */
size_t mp_fileq_count(const mp_fileq *q);
/* Bytes the queue holds. */
size_t mp_fileq_mem(const mp_fileq *q);
/* Applies the queued events to r in arrival order and empties the queue.
 * Returns how many could not be applied (out of memory); e holds the last
 * such error. */
uint64_t mp_fileq_apply(mp_fileq *q, mp_record *r, mp_err *e);

#endif
