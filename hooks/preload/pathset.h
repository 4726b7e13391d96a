/* pathset.h — the LD_PRELOAD hook's memory of what it already reported, so
 * each (kind, path) goes to the agent once per process however often the
 * program opens it.
 *
 * The set keeps a 128-bit fingerprint of each key (two 64-bit hash lanes),
 * not the key: memory stays at 16 bytes an entry and lookups touch
 * one cache line. Two distinct keys collide with probability about n^2/2^129
 * (below 10^-26 for a million paths); a collision would only suppress a
 * duplicate report, and the agent de-duplicates again anyway.
 *
 * Memory comes from mmap, never malloc: the set is used inside open() and
 * friends, where the program's allocator may be the caller. Not thread-safe
 * (the caller locks). A zeroed struct is an empty set.
 */
#ifndef MP_PATHSET_H
#define MP_PATHSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct mp_pathset {
  uint64_t *slots;   /* 2 words a slot; {0,0} is empty */
  size_t cap;        /* slots, a power of two */
  size_t n;
} mp_pathset;

/* The 128-bit fingerprint of (kind, key); never {0,0}. */
typedef struct mp_pathset_fp {
  uint64_t w[2];
} mp_pathset_fp;
mp_pathset_fp mp_pathset_fingerprint(unsigned kind, const char *key, size_t len);

/* Starts fetching the cache line where fp's search begins. The hook calls it
 * before the real open(), so that the kernel's work hides the memory
 * latency of the insert that follows. s may be read by this thread only; a
 * stale or empty set is harmless (a prefetch never faults). */
void mp_pathset_prefetch(const mp_pathset *s, mp_pathset_fp fp);

/* 1 when fp was not in the set and has been added, 0 when it was already
 * there, -1 when memory ran out (nothing added). */
int mp_pathset_add_fp(mp_pathset *s, mp_pathset_fp fp);
/* Returns the memory to the system; the set is empty afterwards. */
void mp_pathset_free(mp_pathset *s);

#endif
