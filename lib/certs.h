/* certs.h — X.509 certificate lists for certificate-based model signing
 * (OMS "certificate" method): load PEM files, carry DER, check a chain.
 *
 * A chain is leaf first, then the certificates that lead to a trust anchor.
 * Verification (OpenSSL X509_verify_cert) uses the anchors the verifier was
 * given as the only trusted certificates, the bundle's other certificates as
 * untrusted intermediates, and the current time: every certificate must be
 * within its validity period. A given anchor may be an intermediate CA
 * (partial chain): trusting it was the verifier's explicit choice. The leaf
 * must allow signing: key usage digitalSignature, or extended key usage
 * codeSigning, as the reference model_signing verifier requires.
 */
#ifndef MP_CERTS_H
#define MP_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

typedef struct mp_certs mp_certs;

int mp_certs_new(mp_certs **out, mp_err *e);
void mp_certs_free(mp_certs *c);
/* Appends every certificate of a PEM file (at least one). */
int mp_certs_load_pem(mp_certs *c, const char *path, mp_err *e);
/* Appends one DER certificate; `what` names it in messages. */
int mp_certs_add_der(mp_certs *c, const char *what, const uint8_t *der, size_t len, mp_err *e);
size_t mp_certs_count(const mp_certs *c);
/* DER of certificate i (malloc'd). */
int mp_certs_der(const mp_certs *c, size_t i, uint8_t **der, size_t *len, mp_err *e);
/* The public key of certificate i. */
int mp_certs_key(const mp_certs *c, size_t i, mp_key **out, mp_err *e);
/* One line describing certificate i: its subject. */
void mp_certs_subject(const mp_certs *c, size_t i, char *buf, size_t len);

/* Checks chain (leaf first) against trusted; MP_EVERIFY with the reason. */
int mp_certs_verify(const mp_certs *chain, const mp_certs *trusted, mp_err *e);

#endif
