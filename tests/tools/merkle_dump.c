/* merkle_dump.c — prints the RFC 9162 trees mlprov builds over the records
 * "record 0", "record 1", ... so that tests/reference/rfc9162.py can check
 * them line for line (test_dataset_reference.sh):
 *
 *   merkle_dump N    for every size n in 1..N:
 *                      root n HEX
 *                      path n m HEX,HEX,...     for every leaf m < n
 *                      cons m n HEX,HEX,...     for 1 <= m <= n: every m while
 *                                               n <= 64, then m = 1, 8, 15, ... and n
 */
#include <stdio.h>
#include <stdlib.h>

#include "encoding.h"
#include "merkle.h"

static void print_list(const mp_hash32 *h, size_t n) {
  char hex[65];
  for (size_t i = 0; i < n; i++) {
    mp_hex_encode(h[i], 32, hex);
    printf("%s%s", i ? "," : "", hex);
  }
  putchar('\n');
}

/* The first tree sizes checked for consistency with size n. */
static long next_first(long m, long n) {
  if (n <= 64) return m + 1;
  if (m + 7 <= n) return m + 7;
  return m == n ? n + 1 : n;
}

int main(int argc, char **argv) {
  long max = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
  if (max < 1 || max > 4096) {
    fprintf(stderr, "usage: merkle_dump N (1..4096)\n");
    return 2;
  }
  uint8_t *leaves = malloc((size_t)max * 32);
  if (!leaves) return 2;
  for (long i = 0; i < max; i++) {
    char rec[32];
    int n = snprintf(rec, sizeof rec, "record %ld", i);
    mp_merkle_leaf_hash(rec, (size_t)n, leaves + i * 32);
  }
  mp_hash32 list[MP_MERKLE_MAX_PATH];
  for (long n = 1; n <= max; n++) {
    uint8_t root[32];
    char hex[65];
    mp_merkle_root(leaves, (size_t)n, root);
    mp_hex_encode(root, 32, hex);
    printf("root %ld %s\n", n, hex);
    for (long m = 0; m < n; m++) {
      size_t len = 0;
      if (mp_merkle_inclusion_path(leaves, (size_t)n, (uint64_t)m, 1, list, &len, NULL)) return 1;
      printf("path %ld %ld ", n, m);
      print_list(list, len);
    }
    for (long m = 1; m <= n; m = next_first(m, n)) {
      size_t len = 0;
      if (mp_merkle_consistency_proof(leaves, (size_t)n, (uint64_t)m, 1, list, &len, NULL)) return 1;
      printf("cons %ld %ld ", m, n);
      print_list(list, len);
    }
  }
  free(leaves);
  return 0;
}
