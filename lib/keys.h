/* keys.h — signing keys: generation, PEM load/store, sign and verify.
 *
 * Supported: ECDSA P-256 (SHA-256), P-384 (SHA-384), P-521 (SHA-512), with
 * DER-encoded signatures, and Ed25519 (pure EdDSA over the message).
 * Key id: lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
 * Private keys are written PEM PKCS#8, mode 0600, never over an existing file.
 * An encrypted private key is read with the passphrase in MLPROV_KEY_PASSPHRASE.
 */
#ifndef MP_KEYS_H
#define MP_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum mp_key_type {
  MP_KEY_ECDSA_P256,
  MP_KEY_ECDSA_P384,
  MP_KEY_ECDSA_P521,
  MP_KEY_ED25519,
} mp_key_type;

typedef struct mp_key mp_key;

/* "ecdsa-p256" | "p256" | "ecdsa-p384" | "p384" | "ecdsa-p521" | "p521" |
 * "ed25519" -> type; -1 if unknown. */
int mp_key_type_parse(const char *name, mp_key_type *out);
const char *mp_key_type_name(mp_key_type t);

int mp_key_generate(mp_key_type type, mp_key **out, mp_err *e);
/* PEM private key (PKCS#8 or traditional). */
int mp_key_load_private(const char *path, mp_key **out, mp_err *e);
/* PEM public key, or an X.509 certificate (its key), or a private key (its
 * public half). */
int mp_key_load_public(const char *path, mp_key **out, mp_err *e);
int mp_key_from_pem(const char *what, const uint8_t *pem, size_t len, int want_private,
                    mp_key **out, mp_err *e);
/* Wraps an existing EVP_PKEY (reference taken). */
int mp_key_from_evp(void *evp_pkey, mp_key **out, mp_err *e);
void mp_key_free(mp_key *k);

int mp_key_write_private(const mp_key *k, const char *path, mp_err *e);
int mp_key_write_public(const mp_key *k, const char *path, int exclusive, mp_err *e);
/* malloc'd PEM text of the public key. */
int mp_key_public_pem(const mp_key *k, char **pem, size_t *len, mp_err *e);

const char *mp_key_id(const mp_key *k);     /* 64 hex chars */
mp_key_type mp_key_get_type(const mp_key *k);
int mp_key_has_private(const mp_key *k);
void *mp_key_evp(const mp_key *k);           /* borrowed EVP_PKEY* */

/* Signs msg; *sig is malloc'd. */
int mp_key_sign(const mp_key *k, const uint8_t *msg, size_t len, uint8_t **sig, size_t *siglen,
                mp_err *e);
/* 0 if sig is a valid signature of msg, MP_EVERIFY otherwise. */
int mp_key_verify(const mp_key *k, const uint8_t *msg, size_t len, const uint8_t *sig,
                  size_t siglen, mp_err *e);

/* The same for a message given in pieces (their concatenation is what was
 * signed): ECDSA hashes them as they are, without building the message;
 * Ed25519, which signs the whole message, gets it assembled. */
typedef struct mp_bytes {
  const uint8_t *data;
  size_t len;
} mp_bytes;
int mp_key_verify_parts(const mp_key *k, const mp_bytes *parts, size_t nparts, const uint8_t *sig, size_t siglen,
                        mp_err *e);

#endif
