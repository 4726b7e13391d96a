/* test_encoding.c — hex and base64 (RFC 4648 test vectors, URL-safe input,
 * missing padding, malformed input). */
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "unit.h"

static void b64_rfc4648_vectors(void **state) {
  (void)state;
  static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    char *e = mp_b64_encode((const uint8_t *)in[i], strlen(in[i]));
    assert_string_equal(e, out[i]);
    uint8_t *d;
    size_t dl;
    assert_int_equal(mp_b64_decode(e, strlen(e), &d, &dl), 0);
    assert_int_equal(dl, strlen(in[i]));
    assert_memory_equal(d, in[i], dl);
    free(d);
    free(e);
  }
}

static void b64_urlsafe_and_unpadded(void **state) {
  (void)state;
  const uint8_t bytes[] = {0xfb, 0xff, 0xfe};
  uint8_t *d;
  size_t dl;
  assert_int_equal(mp_b64_decode("-__-", 4, &d, &dl), 0); /* URL-safe */
  assert_int_equal(dl, 3);
  assert_memory_equal(d, bytes, 3);
  free(d);
  assert_int_equal(mp_b64_decode("+//+", 4, &d, &dl), 0); /* standard */
  assert_memory_equal(d, bytes, 3);
  free(d);
  assert_int_equal(mp_b64_decode("Zg", 2, &d, &dl), 0); /* unpadded */
  assert_int_equal(dl, 1);
  free(d);
}

static void b64_rejects_malformed(void **state) {
  (void)state;
  uint8_t *d;
  size_t dl;
  assert_int_equal(mp_b64_decode("Zm9v!", 5, &d, &dl), -1);
  assert_int_equal(mp_b64_decode("Z", 1, &d, &dl), -1);
  assert_int_equal(mp_b64_decode("Zm=v", 4, &d, &dl), -1);
  assert_int_equal(mp_b64_decode("Zh==", 4, &d, &dl), -1); /* non-zero trailing bits */
  assert_int_equal(mp_b64_decode("Zm9v Zg==", 9, &d, &dl), -1);
}

static void hex_round_trip(void **state) {
  (void)state;
  const uint8_t b[] = {0x00, 0xab, 0xff, 0x10};
  char h[9];
  mp_hex_encode(b, 4, h);
  assert_string_equal(h, "00abff10");
  uint8_t back[4];
  assert_int_equal(mp_hex_decode("00ABff10", 8, back, 4), 0);
  assert_memory_equal(back, b, 4);
  assert_int_equal(mp_hex_decode("00abff1", 7, back, 4), -1);
  assert_int_equal(mp_hex_decode("00abfg10", 8, back, 4), -1);
  assert_true(mp_is_lower_hex("00abff10"));
  assert_false(mp_is_lower_hex("00ABFF10"));
  assert_false(mp_is_lower_hex(""));
  assert_false(mp_is_lower_hex("abc"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(b64_rfc4648_vectors),
      cmocka_unit_test(b64_urlsafe_and_unpadded),
      cmocka_unit_test(b64_rejects_malformed),
      cmocka_unit_test(hex_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
