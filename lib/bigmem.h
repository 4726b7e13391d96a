/* bigmem.h — large, short-lived buffers backed by transparent huge pages.
 *
 * Verifying a provenance with thousands of dependencies touches tens of
 * megabytes of fresh memory (file buffers, the decoded statement). On a
 * virtual machine every 4 KiB page fault costs microseconds, and they were
 * most of `mlprov verify --policy`'s time. Memory from here is mapped
 * anonymously, 2 MiB aligned, with MADV_HUGEPAGE, so the kernel can back it
 * with huge pages (one fault per 2 MiB) when transparent huge pages are in
 * "madvise" or "always" mode; otherwise it is ordinary memory.
 */
#ifndef MP_BIGMEM_H
#define MP_BIGMEM_H

#include <stddef.h>

/* At least size bytes, zero-filled, or NULL. Free with mp_big_free and the
 * same size. */
void *mp_big_alloc(size_t size);
void mp_big_free(void *p, size_t size);

/* Below this, a buffer is ordinary malloc'd memory: a huge page is worth its
 * zeroing only for megabytes. */
#define MP_BIG_MIN ((size_t)1 << 20)

/* size bytes, zero-filled: from mp_big_alloc when size >= MP_BIG_MIN, else
 * from calloc. *big receives what mp_buf_free needs (0 for calloc). */
void *mp_buf_alloc(size_t size, size_t *big);
void mp_buf_free(void *p, size_t big);

#endif
