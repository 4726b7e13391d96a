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

#include <stddef.h>

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
