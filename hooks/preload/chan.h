/* chan.h — the LD_PRELOAD hook's channel to the agent (internal to
 * libmlprov-preload.so; preload.c holds the interposed libc functions).
 *
 * What a thread reports goes into that thread's buffer of encoded frames
 * (wire.h) and is sent by the library itself: when the buffer is full, when
 * its oldest event is older than MP_CHAN_FLUSH_MS (checked as events arrive),
 * when the thread exits, and for every thread before exec, at _exit and at
 * exit. The program's calls never wait on the agent otherwise.
 *
 * Invariants: every entry point preserves errno; none allocates with malloc;
 * a thread that re-enters (a signal handler calling open() while the hook is
 * busy) is let through unreported rather than deadlocked. Nothing is done
 * unless MLPROV_SOCKET is set.
 */
#ifndef MP_CHAN_H
#define MP_CHAN_H

#include <limits.h>
#include <stddef.h>

#include "pathset.h"

#define MP_CHAN_BUF (64u * 1024u)
#define MP_CHAN_FLUSH_MS 200

/* Reads the environment once; registers the fork handlers. Idempotent. */
void mp__chan_init(void);
/* 1 when under mlprov (MLPROV_SOCKET set) and the hook is usable. */
int mp__chan_on(void);
/* A file the program opened: kind MP_WIRE_FILE_READ or _WRITTEN, path
 * relative to dirfd (AT_FDCWD: the working directory). Reported once per
 * thread; /proc, /sys and /dev are skipped. */
void mp__chan_path(int kind, int dirfd, const char *path);

/* The same in two steps around the real call: mp__chan_path_prepare before
 * it works out the absolute path and its fingerprint and starts fetching the
 * set's slot, so that the kernel's work hides that memory latency;
 * mp__chan_path_report after it, only when the call succeeded. Paths relative
 * to a directory descriptor, or to a working directory not yet cached, are
 * worked out in the report instead (that takes system calls, which a call
 * that fails should not pay). The struct lives on the caller's stack. */
typedef struct mp_chan_pending {
  int kind;                  /* 0: nothing to report */
  int dirfd;
  const char *path;          /* as the program gave it */
  int state;                 /* MP_CHAN_* below */
  const char *full;          /* path or abs */
  size_t len;
  mp_pathset_fp fp;
  char abs[PATH_MAX];
} mp_chan_pending;
enum {
  MP_CHAN_UNRESOLVED, /* the report works the path out */
  MP_CHAN_READY,      /* full, len and fp are set */
  MP_CHAN_SKIPPED,    /* /proc, /sys, /dev, or a descriptor that names no directory */
  MP_CHAN_UNNAMED     /* too long, or no working directory: counted as dropped */
};
void mp__chan_path_prepare(mp_chan_pending *p, int kind, int dirfd, const char *path);
void mp__chan_path_report(mp_chan_pending *p);
/* A program this process became (constructor) or starts untraced. */
void mp__chan_exec(const char *path, const char *const *argv);
/* The working directory changed: forget the cached one. */
void mp__chan_cwd_changed(void);
/* Sends this thread's buffer; with final (the process image ends), every
 * thread's buffer and the hook's counters. */
void mp__chan_flush(int final);
/* The path this library was loaded from ("" if unknown). */
const char *mp__chan_self_path(void);

#endif
