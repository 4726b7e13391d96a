/* journal.h — the run journal: an append-only, hash-chained log of everything
 * the agent receives, so a run whose agent dies can still be recovered and
 * signed (docs/journal.md has the full format and the durability guarantee).
 *
 * File   = header frame*
 * header = "MLPROVJ\n" | u32 version (2; 1 is read) | u32 reserved (0) 16 bytes
 * frame  = u32 len | u8 type | u8 flags | u16 reserved (0) | u32 conn |
 *          u64 time_ns | u32 hcrc                                      24 bytes
 *          body (len bytes)
 *          chain (32 bytes)
 * Integers are big-endian. hcrc is CRC-32C of the 20 header bytes before it,
 * so a frame's length is trusted before its body is read. chain is
 *   H_i = SHA-256(H_{i-1} || frame header (24 bytes) || body),
 *   H_0 = SHA-256(file header),
 * so every frame carries the chain hash through the frame before it: an
 * edit, a removed frame or a reordering breaks the chain at that frame, and
 * the final H (signed in the provenance) pins the whole file.
 *
 * Invariants: frame 1 is a START record, an END record is the last frame;
 * a reader yields only frames whose hcrc and chain check. What counts as a
 * torn tail (dropped, never misread): fewer than 24 bytes after the last
 * frame, a frame whose header checks but whose body or chain runs past the
 * end of the file, or a tail of zero bytes (a power loss on some file
 * systems). Anything else that does not check is damage, reported with the
 * frame's number and offset.
 *
 * The writer buffers frames in memory; mp_journal_write() hands them to the
 * kernel (they then survive a crash of the process), mp_journal_sync()
 * makes them durable (fdatasync). A write that fails (disk full) keeps every
 * frame that was completely written, cuts the partial one off and puts the
 * journal in a failed state where further appends are refused: the chain of
 * what is on disk stays valid and its hash is still known.
 */
#ifndef MP_JOURNAL_H
#define MP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

#define MP_JOURNAL_MAGIC "MLPROVJ\n"
#define MP_JOURNAL_VERSION 2 /* 2 adds EVENTS frames; version 1 files are read too */
#define MP_JOURNAL_FILE_HEADER 16
#define MP_JOURNAL_FRAME_HEADER 24
#define MP_JOURNAL_TRAILER MP_SHA256_LEN
#define MP_JOURNAL_BODY_MAX ((1u << 30) + 65536u) /* largest hook frame + room */

enum mp_journal_type {
  MP_JOURNAL_START = 1,     /* JSON: the run (argv, cwd, host, options) */
  MP_JOURNAL_ACCEPT = 2,    /* JSON: a hook connection accepted {pid, uid} */
  MP_JOURNAL_HELLO = 3,     /* protobuf Hello, as received */
  MP_JOURNAL_EVENT = 4,     /* protobuf Event (redacted, see flags) */
  MP_JOURNAL_INCIDENT = 5,  /* JSON: a refused/closed connection {counters, message} */
  MP_JOURNAL_END = 6,       /* JSON: how the job ended */
  MP_JOURNAL_EVENTS = 7,    /* consecutive Events of one connection, each as a hook frame
                               (u32 length | protobuf Event), all left unchanged by ingest */
};

enum mp_journal_flags {
  MP_JOURNAL_F_REDACTED = 0x01, /* the event was re-encoded with secrets redacted */
  MP_JOURNAL_F_LEAF = 0x02,     /* a record's data was replaced by its leaf hash */
};

const char *mp_journal_type_name(unsigned type);
/* The next Event of an EVENTS body: 1 with *ev and *evlen (inside body), 0 at
 * its end, MP_EPARSE when a length runs past it. *off starts at 0. */
int mp_journal_events_next(const uint8_t *body, size_t len, size_t *off, const uint8_t **ev, size_t *evlen);
/* CRC-32C (Castagnoli), as used for frame headers. */
uint32_t mp_crc32c(const void *data, size_t len);

/* --- writing -------------------------------------------------------------- */

typedef struct mp_journal mp_journal;

typedef struct mp_journal_state {
  uint64_t frames;        /* frames completely written to the file */
  uint64_t bytes;         /* file size they make up */
  uint64_t synced_bytes;  /* of which made durable by the last sync */
  uint8_t chain[MP_SHA256_LEN]; /* H of the last written frame (H_0 when none) */
  uint64_t appended;      /* frames appended (written or still buffered) */
  int failed;             /* a write or sync failed: no more appends */
  const char *error;      /* why, when failed */
} mp_journal_state;

/* Creates path (never over an existing file, mode 0600) and buffers the
 * file header. */
int mp_journal_create(const char *path, mp_journal **out, mp_err *e);
/* Buffers one frame (time = now). MP_EIO once the journal has failed. */
int mp_journal_append(mp_journal *j, unsigned type, unsigned flags, uint32_t conn, const void *body,
                      size_t len, mp_err *e);
/* Bytes appended but not yet written. */
size_t mp_journal_pending(const mp_journal *j);
/* Writes the buffered frames (write(2), no sync). On failure the journal
 * keeps its complete frames, cuts off a partial one and fails for good. */
int mp_journal_write(mp_journal *j, mp_err *e);
/* mp_journal_write, then fdatasync (and, the first time, the directory). */
int mp_journal_sync(mp_journal *j, mp_err *e);
/* Records a failed asynchronous sync (the agent syncs on libuv's pool). */
void mp_journal_sync_done(mp_journal *j, uint64_t upto, int errnum);
int mp_journal_fd(const mp_journal *j);
const char *mp_journal_path(const mp_journal *j);
void mp_journal_get_state(const mp_journal *j, mp_journal_state *st);
/* Closes the file (buffered frames not written are discarded). */
void mp_journal_free(mp_journal *j);

/* --- reading -------------------------------------------------------------- */

typedef struct mp_journal_frame {
  uint64_t index;         /* 1-based */
  uint64_t offset;        /* of the frame header in the file */
  unsigned type, flags;
  uint32_t conn;
  uint64_t time_ns;
  const uint8_t *body;    /* valid until the next mp_journal_next */
  size_t len;
  uint8_t chain[MP_SHA256_LEN];
} mp_journal_frame;

typedef struct mp_journal_reader mp_journal_reader;

int mp_journal_reader_open(const char *path, mp_journal_reader **out, mp_err *e);
/* Reads a journal held in memory (borrowed; for tests and fuzzing). */
int mp_journal_reader_mem(const uint8_t *data, size_t len, mp_journal_reader **out, mp_err *e);
void mp_journal_reader_free(mp_journal_reader *r);
/* 1 with the next verified frame; 0 at the end (see mp_journal_torn_bytes);
 * MP_EVERIFY when the journal is damaged (the message names the first bad
 * frame and its offset); MP_EIO on a read error. After a non-1 result every
 * later call returns the same. */
int mp_journal_next(mp_journal_reader *r, mp_journal_frame *f, mp_err *e);
/* Bytes of a torn tail dropped at the end (0: the file ended on a frame). */
uint64_t mp_journal_torn_bytes(const mp_journal_reader *r);
/* Frames verified so far and the chain hash after the last of them. */
uint64_t mp_journal_frames(const mp_journal_reader *r);
const uint8_t *mp_journal_chain(const mp_journal_reader *r);
/* 1 when the END record was read. */
int mp_journal_ended(const mp_journal_reader *r);

#endif
