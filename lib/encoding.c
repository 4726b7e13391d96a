/* encoding.c — hex and base64 (RFC 4648 sections 4 and 5). Decoding is strict
 * about characters (no whitespace, no mixing of '=' inside the data) but
 * tolerant of the alphabet (std or URL-safe) and of missing padding. */
#include "encoding.h"

#include <stdlib.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

void mp_hex_encode(const uint8_t *in, size_t len, char *out) {
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = hexdigits[in[i] >> 4];
    out[2 * i + 1] = hexdigits[in[i] & 15];
  }
  out[2 * len] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int mp_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen) {
  if (inlen != 2 * outlen) return -1;
  for (size_t i = 0; i < outlen; i++) {
    int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

int mp_utf8_valid(const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    unsigned c = *s, n;
    uint32_t cp, min;
    if (c < 0x80) { s++; continue; }
    if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07, min = 0x10000;
    else return 0;
    for (unsigned i = 1; i <= n; i++) {
      if ((s[i] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    s += n + 1;
  }
  return 1;
}

int mp_is_lower_hex(const char *s) {
  size_t n = 0;
  for (; s[n]; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))) return 0;
  return n > 0 && n % 2 == 0;
}

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t mp_b64_encoded_len(size_t len) { return (len + 2) / 3 * 4; }

char *mp_b64_encode(const uint8_t *in, size_t len) {
  char *out = malloc(mp_b64_encoded_len(len) + 1);
  if (!out) return NULL;
  out[mp_b64_encode_into(in, len, out)] = '\0';
  return out;
}

size_t mp_b64_encode_into(const uint8_t *in, size_t len, char *out) {
  size_t o = 0, i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64std[v >> 18];
    out[o++] = b64std[(v >> 12) & 63];
    out[o++] = b64std[(v >> 6) & 63];
    out[o++] = b64std[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = b64std[v >> 18];
    out[o++] = b64std[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = b64std[v >> 18];
    out[o++] = b64std[(v >> 12) & 63];
    out[o++] = b64std[(v >> 6) & 63];
    out[o++] = '=';
  }
  return o;
}

/* Value of each byte in either alphabet (std "+/" or URL-safe "-_"); X: not
 * a base64 character (bit 7 set, which no value has). */
#define X 0xff
static const uint8_t b64dec[256] = {
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, 62, X, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X

/* Four characters to three bytes a step; a bad character anywhere shows as
 * bit 7 in the OR of the four values. */
int mp_b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen) {
  size_t n = inlen;
  size_t pad = 0;
  while (n > 0 && in[n - 1] == '=' && pad < 2) {
    n--;
    pad++;
  }
  if (pad && (n + pad) % 4) return -1;  /* padding only completes a quantum */
  if (n % 4 == 1) return -1;
  uint8_t *buf = malloc(n / 4 * 3 + 3);
  if (!buf) return -1;
  const unsigned char *s = (const unsigned char *)in;
  uint8_t *o = buf;
  size_t full = n / 4 * 4;
  for (size_t i = 0; i < full; i += 4, o += 3) {
    uint32_t a = b64dec[s[i]], b = b64dec[s[i + 1]], c = b64dec[s[i + 2]], d = b64dec[s[i + 3]];
    if ((a | b | c | d) & 0x80) goto bad;
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    o[0] = (uint8_t)(v >> 16);
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)v;
  }
  if (n - full) { /* 2 or 3 characters: 1 or 2 bytes, the bits left over must be 0 */
    uint32_t a = b64dec[s[full]], b = b64dec[s[full + 1]], c = n - full == 3 ? b64dec[s[full + 2]] : 0;
    if ((a | b | c) & 0x80) goto bad;
    uint32_t v = a << 18 | b << 12 | c << 6;
    *o++ = (uint8_t)(v >> 16);
    if (n - full == 3) *o++ = (uint8_t)(v >> 8);
    if (v & (n - full == 3 ? 0xffu : 0xffffu)) goto bad; /* non-canonical trailing bits */
  }
  *out = buf;
  *outlen = (size_t)(o - buf);
  return 0;
bad:
  free(buf);
  return -1;
}

void mp_put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

uint64_t mp_get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

size_t mp_json_plain_span(const char *s, size_t n) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  size_t i = 0;
  /* a byte is flagged when its high bit is set (>= 0x80), or it is '"', '\\'
   * or below 0x20 (the zero-byte and less-than tricks); a borrow can flag
   * bytes after a true one only, so the word has one exactly when flagged */
  for (; i + 8 <= n; i += 8) {
    uint64_t x, q, b;
    memcpy(&x, s + i, 8);
    q = x ^ (ones * '"');
    b = x ^ (ones * '\\');
    if ((x | ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & highs) break;
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
  }
  return i;
}
