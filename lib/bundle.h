/* bundle.h — Sigstore bundle JSON (media type
 * application/vnd.dev.sigstore.bundle.v0.3+json) holding a DSSE envelope, as
 * the OpenSSF Model Signing (OMS) v1.0 format uses it.
 *
 * Written: {"mediaType", "verificationMaterial", "dsseEnvelope"} with, for a
 * key, publicKey.hint = hex SHA-256 of the public key's PEM text and an empty
 * tlogEntries; for a certificate, x509CertificateChain.certificates = leaf
 * then chain, each {"rawBytes": base64 DER}. Signatures carry keyid "" as
 * the reference tool writes them.
 * Read: the three OMS signing methods (key: publicKey with hint or the older
 * rawBytes; certificate: x509CertificateChain; sigstore: certificate plus at
 * least one tlogEntries item), with the envelope checked as the OMS envelope
 * schema asks (payloadType in-toto, non-empty payload, at least one
 * signature; keyid absent, "" or null all accepted). Unknown fields are
 * ignored. The payload bytes are kept exactly as decoded: callers verify and
 * parse those bytes, never a re-serialisation.
 */
#ifndef MP_BUNDLE_H
#define MP_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "certs.h"
#include "dsse.h"
#include "err.h"
#include "keys.h"

#define MP_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
#define MP_BUNDLE_MAX (256u << 20)

typedef enum mp_bundle_kind {
  MP_BUNDLE_KEY,      /* verificationMaterial.publicKey */
  MP_BUNDLE_CERT,     /* verificationMaterial.x509CertificateChain */
  MP_BUNDLE_SIGSTORE, /* verificationMaterial.certificate + tlogEntries */
} mp_bundle_kind;

typedef struct mp_bundle {
  mp_bundle_kind kind;
  char *media_type;
  char *hint;          /* publicKey.hint, or NULL */
  uint8_t *raw_key;    /* publicKey.rawBytes (older bundles), or NULL */
  size_t raw_key_len;
  mp_certs *certs;     /* CERT: leaf first; SIGSTORE: the one certificate */
  size_t ntlog;        /* tlogEntries items */
  mp_dsse *env;
} mp_bundle;

/* Hex SHA-256 of the public key's PEM (SubjectPublicKeyInfo) text. */
int mp_bundle_key_hint(const mp_key *k, char hint[2 * 32 + 1], mp_err *e);

/* A bundle for env: key material from `key` when chain is NULL, else the
 * certificate chain. Pretty-printed JSON, malloc'd, newline-terminated. */
int mp_bundle_write_json(const mp_dsse *env, const mp_key *key, const mp_certs *chain, char **out,
                         size_t *len, mp_err *e);

int mp_bundle_parse(const char *what, const uint8_t *data, size_t len, mp_bundle **out, mp_err *e);
int mp_bundle_load(const char *path, mp_bundle **out, mp_err *e);
void mp_bundle_free(mp_bundle *b);
const char *mp_bundle_kind_name(mp_bundle_kind k);

#endif
