/* certs.c — see certs.h. A thin layer over OpenSSL's X509 and X509_STORE. */
#include "certs.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#define MP_CERTFILE_MAX (4u << 20)

struct mp_certs {
  STACK_OF(X509) *sk;
};

int mp_certs_new(mp_certs **out, mp_err *e) {
  mp_certs *c = calloc(1, sizeof *c);
  if (!c || !(c->sk = sk_X509_new_null())) {
    free(c);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  *out = c;
  return 0;
}

void mp_certs_free(mp_certs *c) {
  if (!c) return;
  sk_X509_pop_free(c->sk, X509_free);
  free(c);
}

static int push(mp_certs *c, X509 *x, mp_err *e) {
  if (!sk_X509_push(c->sk, x)) {
    X509_free(x);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  return 0;
}

int mp_certs_load_pem(mp_certs *c, const char *path, mp_err *e) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, MP_CERTFILE_MAX, &buf, &len, e);
  if (rc) return mp_err_prefix(e, "reading certificates");
  BIO *bio = BIO_new_mem_buf(buf, (int)len);
  size_t n = 0;
  X509 *x;
  while (rc == 0 && bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    rc = push(c, x, e);
    n++;
  }
  ERR_clear_error(); /* the loop ends on "no start line" */
  BIO_free(bio);
  free(buf);
  if (rc == 0 && n == 0) rc = mp_err_set(e, MP_EPARSE, "reading certificates %s: no PEM certificate found", path);
  return rc;
}

int mp_certs_add_der(mp_certs *c, const char *what, const uint8_t *der, size_t len, mp_err *e) {
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  if (!x || p != der + len) {
    X509_free(x);
    ERR_clear_error();
    return mp_err_set(e, MP_EPARSE, "%s: not a DER X.509 certificate", what);
  }
  return push(c, x, e);
}

size_t mp_certs_count(const mp_certs *c) { return (size_t)sk_X509_num(c->sk); }

int mp_certs_der(const mp_certs *c, size_t i, uint8_t **der, size_t *len, mp_err *e) {
  unsigned char *out = NULL;
  int n = i2d_X509(sk_X509_value(c->sk, (int)i), &out);
  if (n <= 0) return mp_err_openssl(e, MP_ECRYPTO, "encoding certificate");
  *der = malloc((size_t)n);
  if (!*der) {
    OPENSSL_free(out);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  memcpy(*der, out, (size_t)n);
  *len = (size_t)n;
  OPENSSL_free(out);
  return 0;
}

int mp_certs_key(const mp_certs *c, size_t i, mp_key **out, mp_err *e) {
  EVP_PKEY *pk = X509_get0_pubkey(sk_X509_value(c->sk, (int)i));
  if (!pk) return mp_err_openssl(e, MP_ECRYPTO, "certificate public key");
  return mp_key_from_evp(pk, out, e);
}

void mp_certs_subject(const mp_certs *c, size_t i, char *buf, size_t len) {
  X509_NAME_oneline(X509_get_subject_name(sk_X509_value(c->sk, (int)i)), buf, (int)len);
}

static int leaf_can_sign(X509 *leaf) {
  uint32_t ku = X509_get_key_usage(leaf); /* UINT32_MAX when absent */
  if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE)) return 1;
  uint32_t xku = X509_get_extended_key_usage(leaf);
  return (X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) && (xku & XKU_CODE_SIGN);
}

int mp_certs_verify(const mp_certs *chain, const mp_certs *trusted, mp_err *e) {
  if (mp_certs_count(chain) == 0) return mp_err_set(e, MP_EVERIFY, "no signing certificate");
  if (!trusted || mp_certs_count(trusted) == 0) return mp_err_set(e, MP_EUSAGE, "no trusted certificate given");
  X509 *leaf = sk_X509_value(chain->sk, 0);
  X509_STORE *store = X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  int rc = 0;
  if (!store || !ctx || !untrusted) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto out;
  }
  for (int i = 0; i < sk_X509_num(trusted->sk); i++)
    if (!X509_STORE_add_cert(store, sk_X509_value(trusted->sk, i))) {
      rc = mp_err_openssl(e, MP_ECRYPTO, "adding a trusted certificate");
      goto out;
    }
  for (int i = 1; i < sk_X509_num(chain->sk); i++)
    if (!sk_X509_push(untrusted, sk_X509_value(chain->sk, i))) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      goto out;
    }
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
    rc = mp_err_openssl(e, MP_ECRYPTO, "certificate verification");
    goto out;
  }
  if (X509_verify_cert(ctx) != 1) {
    int err = X509_STORE_CTX_get_error(ctx);
    char who[256];
    X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
    X509_NAME_oneline(X509_get_subject_name(bad ? bad : leaf), who, sizeof who);
    rc = mp_err_set(e, MP_EVERIFY, "certificate chain does not verify: %s (at %s)",
                    X509_verify_cert_error_string(err), who);
    goto out;
  }
  if (!leaf_can_sign(leaf))
    rc = mp_err_set(e, MP_EVERIFY,
                    "signing certificate may not sign (needs key usage digitalSignature or extended key usage codeSigning)");
out:
  ERR_clear_error();
  sk_X509_free(untrusted); /* the certificates belong to chain */
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return rc;
}
