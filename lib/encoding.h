/* encoding.h — hex and base64 codecs used by DSSE, digests and key ids, and
 * a UTF-8 check for names that go into JSON.
 * Base64 decoding accepts the standard and the URL-safe alphabets, with or
 * without padding (DSSE requires accepting both); encoding is standard with
 * padding. */
#ifndef MP_ENCODING_H
#define MP_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex chars and a NUL to out. */
void mp_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decodes exactly 2*outlen hex chars (either case); -1 if malformed. */
int mp_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen);
/* True if s is non-empty lowercase hex of even length. */
int mp_is_lower_hex(const char *s);

/* Unsigned 64-bit big-endian integers in binary file formats. */
void mp_put_be64(uint8_t *p, uint64_t v);
uint64_t mp_get_be64(const uint8_t *p);
/* True if s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF). */
int mp_utf8_valid(const char *s);

/* Length of the encoding of len bytes, without the NUL. */
size_t mp_b64_encoded_len(size_t len);
/* Returns a malloc'd NUL-terminated string, or NULL on OOM. */
char *mp_b64_encode(const uint8_t *in, size_t len);
/* Writes the encoding (mp_b64_encoded_len(len) chars, no NUL) to out;
 * returns its length. */
size_t mp_b64_encode_into(const uint8_t *in, size_t len, char *out);
/* Decodes into a malloc'd buffer (*out, *outlen); -1 if malformed or OOM. */
int mp_b64_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen);

/* The length of the leading run of s[0, n) that a JSON string holds as it
 * is: printable ASCII other than '"' and '\\' (8 bytes a step: a DSSE
 * payload is a 40 kB string). */
size_t mp_json_plain_span(const char *s, size_t n);

#endif
