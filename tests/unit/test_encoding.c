/* test_encoding.c — hex and base64 (RFC 4648 test vectors, URL-safe input,
 * missing padding, malformed input; the table-driven decoder checked against
 * a bit-at-a-time reference on every short input shape). */
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

static void b64_known_answers_long(void **state) {
  (void)state;
  uint8_t *d;
  size_t dl;
  const char *enc = "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu";
  assert_int_equal(mp_b64_decode(enc, strlen(enc), &d, &dl), 0);
  assert_int_equal(dl, 27);
  assert_memory_equal(d, "Many hands make light work.", 27);
  free(d);
  assert_int_equal(mp_b64_decode("Zm9vZm8", 7, &d, &dl), 0); /* unpadded after full quanta */
  assert_int_equal(dl, 5);
  assert_memory_equal(d, "foofo", 5);
  free(d);
  assert_int_equal(mp_b64_decode("", 0, &d, &dl), 0);
  assert_int_equal(dl, 0);
  free(d);
  /* every byte value at every position in a quantum, both alphabets */
  uint8_t all[258];
  for (int i = 0; i < 258; i++) all[i] = (uint8_t)(i * 7 + 3);
  for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
  for (size_t len = 254; len <= 258; len++) {
    char *e = mp_b64_encode(all, len);
    assert_int_equal(mp_b64_decode(e, strlen(e), &d, &dl), 0);
    assert_int_equal(dl, len);
    assert_memory_equal(d, all, len);
    free(d);
    for (char *c = e; *c; c++) *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    assert_int_equal(mp_b64_decode(e, strlen(e), &d, &dl), 0);
    assert_memory_equal(d, all, len);
    free(d);
    free(e);
  }
}

static void b64_rejects_bad_padding_and_bits(void **state) {
  (void)state;
  static const char *bad[] = {"Zg=",     "Zg===",  "====",   "=",       "==",      "Zm9vYg=", "Zm9v=",
                              "Zm9v==",  "Zm9=",   "Zh",     "Zm9vZh",  "Zm9vZm9", "Zm9vZg=a", "Z=g=",
                              "Zm9vZmF", "Zm9vZ",  "Zm9vZm9vZ"};
  uint8_t *d = NULL;
  size_t dl;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (mp_b64_decode(bad[i], strlen(bad[i]), &d, &dl) != -1) fail_msg("accepted \"%s\"", bad[i]);
  }
  assert_int_equal(mp_b64_decode("Zm9v\0Zg==", 9, &d, &dl), -1); /* a NUL inside */
}

/* A bad byte at any position of a long input, in the full quanta and in
 * the tail, is refused. */
static void b64_rejects_bad_byte_anywhere(void **state) {
  (void)state;
  uint8_t raw[50];
  for (int i = 0; i < 50; i++) raw[i] = (uint8_t)(i * 37 + 11);
  static const unsigned char badc[] = {'=', ' ', '\n', '*', '.', '\0', 0x80, 0xc3, 0xff, '@', '[', '`', '{'};
  for (size_t len = 48; len <= 50; len++) { /* tails of 0, 2 and 3 characters */
    char *e = mp_b64_encode(raw, len);
    size_t el = strlen(e);
    while (el && e[el - 1] == '=') el--;
    for (size_t pos = 0; pos < el; pos++) {
      char keep = e[pos];
      for (size_t k = 0; k < sizeof badc; k++) {
        e[pos] = (char)badc[k];
        uint8_t *d = NULL;
        size_t dl;
        if (mp_b64_decode(e, el, &d, &dl) != -1) fail_msg("byte 0x%02x at %zu of %zu accepted", badc[k], pos, el);
      }
      e[pos] = keep;
    }
    free(e);
  }
}

/* The decoder as it was (bit at a time), the reference for the table. */
static int ref_val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

static int ref_decode(const char *in, size_t inlen, uint8_t *out, size_t *outlen) {
  size_t n = inlen, pad = 0;
  while (n > 0 && in[n - 1] == '=' && pad < 2) n--, pad++;
  if (pad && (n + pad) % 4) return -1;
  if (n % 4 == 1) return -1;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = ref_val(in[i]);
    if (v < 0) return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return -1;
  *outlen = o;
  return 0;
}

/* Every input of up to 3 characters over a small alphabet (valid characters
 * of both alphabets, '=', bad ones), then random longer ones: same verdict
 * and same bytes as the reference. */
static void b64_same_as_reference(void **state) {
  (void)state;
  static const char alpha[] = "AZaz09+-/_gh=*. ";
  const size_t na = sizeof alpha - 1;
  char in[64];
  uint8_t ref[64];
  size_t cases = 0;
  for (size_t len = 0; len <= 4; len++) {
    size_t total = 1;
    for (size_t i = 0; i < len; i++) total *= na;
    for (size_t k = 0; k < total; k++, cases++) {
      size_t x = k;
      for (size_t i = 0; i < len; i++, x /= na) in[i] = alpha[x % na];
      size_t rl = 0, dl = 0;
      uint8_t *d = NULL;
      int want = ref_decode(in, len, ref, &rl), got = mp_b64_decode(in, len, &d, &dl);
      if (want != got) fail_msg("\"%.*s\": reference %d, decoder %d", (int)len, in, want, got);
      if (got == 0) {
        assert_int_equal(dl, rl);
        assert_memory_equal(d, ref, rl);
        free(d);
      }
    }
  }
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  for (int t = 0; t < 20000; t++, cases++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    size_t len = (size_t)(seed >> 58); /* 0..63 */
    int mostly_valid = (seed >> 20) & 1;
    for (size_t i = 0; i < len; i++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      unsigned r = (unsigned)(seed >> 33);
      in[i] = mostly_valid && r % 64 ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[r % 64 ? (r >> 8) % 64 : 0]
                                     : alpha[r % na];
    }
    if (mostly_valid && len >= 2 && (seed >> 40) % 3 == 0) in[len - 1] = '='; /* some padded */
    size_t rl = 0, dl = 0;
    uint8_t *d = NULL;
    int want = ref_decode(in, len, ref, &rl), got = mp_b64_decode(in, len, &d, &dl);
    if (want != got) fail_msg("\"%.*s\": reference %d, decoder %d", (int)len, in, want, got);
    if (got == 0) {
      assert_int_equal(dl, rl);
      assert_memory_equal(d, ref, rl);
      free(d);
    }
  }
  assert_true(cases > 80000);
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

/* The word-at-a-time span against a byte-at-a-time reference: every byte
 * value at every position of strings of every length up to 40, and stopping
 * at the first of two stoppers. */
static size_t plain_span_reference(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    i++;
  }
  return i;
}

static void json_plain_span_same_as_reference(void **state) {
  (void)state;
  char buf[48];
  for (size_t n = 0; n <= 40; n++) {
    memset(buf, 'A', sizeof buf);
    assert_int_equal(mp_json_plain_span(buf, n), n);
    for (size_t at = 0; at < n; at++)
      for (int v = 0; v < 256; v++) {
        memset(buf, 'a' + (int)(at % 26), sizeof buf);
        buf[at] = (char)v;
        if (at + 3 < n) buf[at + 3] = '"';
        assert_int_equal(mp_json_plain_span(buf, n), plain_span_reference(buf, n));
      }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(b64_rfc4648_vectors),
      cmocka_unit_test(b64_urlsafe_and_unpadded),
      cmocka_unit_test(b64_rejects_malformed),
      cmocka_unit_test(b64_known_answers_long),
      cmocka_unit_test(b64_rejects_bad_padding_and_bits),
      cmocka_unit_test(b64_rejects_bad_byte_anywhere),
      cmocka_unit_test(b64_same_as_reference),
      cmocka_unit_test(hex_round_trip),
      cmocka_unit_test(json_plain_span_same_as_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
