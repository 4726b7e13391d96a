/* wire.h — a hand encoder for the few frames the LD_PRELOAD hook sends:
 * Hello, and Events carrying a FileBatch (the files a thread opened), an
 * Exec or HookStats (schema/event.proto, framing of lib/frame.h).
 *
 * Why not protobuf-c: the preload library is loaded into every dynamically
 * linked program of the job. Linking libprotobuf-c.so would put a second copy
 * of that library (maybe another version) into programs that have their own,
 * and its symbols would interpose theirs; protobuf-c also allocates. These
 * encoders write into a caller buffer, never allocate, and are checked
 * byte for byte against protobuf-c's packer (tests/unit/test_preload_wire.c).
 *
 * proto3 encoding as protobuf-c does it: fields in field-number order, scalar
 * fields equal to their default (0, "") are left out, int32 negatives are
 * sign-extended to 10-byte varints. Every function returns the frame length
 * (4-byte big-endian header included), or 0 when the frame does not fit in
 * cap bytes (out is then unspecified).
 */
#ifndef MP_WIRE_H
#define MP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Event.kind field numbers; a FileBatch holds paths of both of the first two */
enum { MP_WIRE_FILE_READ = 10, MP_WIRE_FILE_WRITTEN = 19, MP_WIRE_FILE_BATCH = 21 };

typedef struct mp_wire_rank {
  int rank, local_rank, world_size;
  const char *node, *job_id;
} mp_wire_rank;

size_t mp_wire_hello(uint8_t *out, size_t cap, int64_t pid, int hook_kind, const char *version,
                     const mp_wire_rank *rank);
/* A FileBatch event (schema/event.proto), built in place: its paths are
 * appended from frame + MP_WIRE_BATCH_HEAD_MAX on, one mp_wire_batch_entry
 * each (prev: the path before in the batch, prev_len 0 for the first; the
 * entry's size, or 0 when it does not fit in cap bytes; *shared_out, unless
 * NULL, the bytes shared with prev); mp_wire_batch_frame then writes the
 * header and moves the paths (paths_len bytes) under it, and returns the
 * frame's length. */
#define MP_WIRE_BATCH_HEAD_MAX 48 /* frame header 4, seq 11, time 19, kind 2+5, paths 1+5 */
size_t mp_wire_batch_entry(uint8_t *out, size_t cap, int written, const char *prev, size_t prev_len,
                           const char *path, size_t len, size_t *shared_out);
size_t mp_wire_batch_frame(uint8_t *frame, size_t paths_len, uint64_t seq, const struct timespec *t);
/* Arguments that do not fit are replaced by one last argument
 * "[mlprov: N more argument(s) not recorded]"; 0 only when not even the path
 * and that marker fit. */
size_t mp_wire_exec_event(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *t,
                          const char *path, const char *const *argv);
size_t mp_wire_stats_event(uint8_t *out, size_t cap, uint64_t seq, const struct timespec *t,
                           uint64_t sent, uint64_t dropped, const char *note);

#endif
