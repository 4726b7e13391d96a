/* dsse.h — DSSE v1.0.2 envelopes: PAE, signing, verification, and the JSON and
 * protobuf encodings.
 *
 * Verification is over the exact payload bytes carried by the envelope; the
 * verified bytes are what callers must parse next (never a re-serialisation).
 * keyid is an unauthenticated hint: every trusted key is tried on every
 * signature, so a wrong or missing keyid neither helps nor hurts; a hint that
 * names a trusted key only makes that key the first one tried (with many
 * trusted keys, one verification instead of one per key).
 */
#ifndef MP_DSSE_H
#define MP_DSSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

#define MP_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define MP_ENVELOPE_MAX (256u << 20) /* largest envelope we parse */

typedef struct mp_dsse_sig {
  uint8_t *sig;
  size_t sig_len;
  char *keyid; /* NULL when absent or null in JSON */
} mp_dsse_sig;

typedef struct mp_dsse mp_dsse;

struct mp_dsse {
  char *payload_type;
  uint8_t *payload;
  size_t payload_len;
  int payload_from_pb;  /* payload allocated by the protobuf decoder (dsse.c frees it) */
  mp_dsse_sig *sigs;
  size_t nsigs;
  /* The same statement as a signed protobuf payload (attest.h), or NULL.
   * Owned; freed with the envelope. */
  mp_dsse *companion;
  /* SHA-256 of this envelope's JSON form (mp_dsse_to_json), known without
   * encoding it when the envelope was read from exactly that text (the
   * compact reader, padded base64); any change to the envelope forgets it. */
  uint8_t json_sha256[32];
  int has_json_sha256;
};

/* PAE(type, body) into a malloc'd buffer. */
int mp_dsse_pae(const char *type, const uint8_t *body, size_t len, uint8_t **out, size_t *outlen,
                mp_err *e);

/* A new unsigned envelope holding a copy of payload. */
int mp_dsse_new(const char *type, const uint8_t *payload, size_t len, mp_dsse **out, mp_err *e);
void mp_dsse_free(mp_dsse *d);
/* Appends a signature by k (keyid = mp_key_id(k)). */
int mp_dsse_sign(mp_dsse *d, const mp_key *k, mp_err *e);

#define MP_DSSE_RESULT_KEYS 16

typedef struct mp_dsse_result {
  size_t valid;           /* number of distinct trusted keys with a valid signature */
  const mp_key *first;    /* the first key that verified (borrowed) */
  size_t checked;         /* signatures examined */
  const mp_key *by[MP_DSSE_RESULT_KEYS]; /* the keys that verified (borrowed), */
  size_t nby;                            /* at most MP_DSSE_RESULT_KEYS of them */
} mp_dsse_result;

/* 0 when at least min_valid distinct keys of keys[] made a valid signature,
 * MP_EVERIFY with a reason otherwise. res may be NULL. */
int mp_dsse_verify(const mp_dsse *d, const mp_key *const *keys, size_t nkeys, size_t min_valid,
                   mp_dsse_result *res, mp_err *e);

/* JSON: {"payload":B64,"payloadType":T,"signatures":[{"keyid":K,"sig":B64}]}
 * on one line, no trailing newline. */
int mp_dsse_to_json(const mp_dsse *d, char **out, size_t *outlen, mp_err *e);
/* True when text is exactly what mp_dsse_to_json writes for d (compared as
 * it is produced, nothing allocated for the payload). */
int mp_dsse_json_equal(const mp_dsse *d, const uint8_t *text, size_t len);
/* Strict parse of one envelope (standard or URL-safe base64 accepted). */
int mp_dsse_from_json(const char *text, size_t len, mp_dsse **out, mp_err *e);
/* The compact form mp_dsse_to_json writes (keys in that order, strings
 * without escapes), read without building a JSON tree: 1 and *out when text
 * is exactly that form and valid, 0 when it is not (parse it as general
 * JSON: mp_dsse_from_json does both), -1 when out of memory. */
int mp_dsse_from_compact_json(const char *text, size_t len, mp_dsse **out);
/* SHA-256 of mp_dsse_to_json's text (its content address in the index). */
int mp_dsse_json_sha256(const mp_dsse *d, uint8_t out[32], mp_err *e);
/* jansson object -> envelope (for envelopes embedded in other JSON). */
int mp_dsse_from_json_value(const void *json_obj, mp_dsse **out, mp_err *e);

/* Protobuf io.intoto.Envelope. */
int mp_dsse_to_pb(const mp_dsse *d, uint8_t **out, size_t *outlen, mp_err *e);
int mp_dsse_from_pb(const uint8_t *buf, size_t len, mp_dsse **out, mp_err *e);

#endif
