/* bigmem.c — see bigmem.h. */
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* Whole huge pages: measured, a mapping that ends inside a 2 MiB page got
 * small pages throughout (five times the faults), so the zeroing of the
 * unused tail is the better price. */
static size_t rounded(size_t size) { return (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE; }

void *mp_big_alloc(size_t size) {
  if (size == 0 || size > SIZE_MAX - 2 * HUGE_PAGE) return NULL;
  size_t len = rounded(size);
  /* over-allocate by one huge page, then trim both ends to alignment */
  uint8_t *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  size_t head = start - (uintptr_t)raw, tail = HUGE_PAGE - head;
  if (head) munmap(raw, head);
  if (tail) munmap((uint8_t *)start + len, tail);
#ifdef MADV_HUGEPAGE
  madvise((void *)start, len, MADV_HUGEPAGE); /* a hint: without THP the memory is ordinary */
#endif
  return (void *)start;
}

void mp_big_free(void *p, size_t size) {
  if (p) munmap(p, rounded(size));
}

void *mp_buf_alloc(size_t size, size_t *big) {
  *big = size >= MP_BIG_MIN ? size : 0;
  return *big ? mp_big_alloc(size) : calloc(1, size ? size : 1);
}

void mp_buf_free(void *p, size_t big) {
  if (big) mp_big_free(p, big);
  else free(p);
}
