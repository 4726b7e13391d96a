/* keys.c — see keys.h. Everything goes through OpenSSL 3's EVP_PKEY so that
 * ECDSA and Ed25519 share one code path; the hash of an ECDSA signature is
 * chosen from the curve (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512). */
#include "keys.h"

#include "bigmem.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "encoding.h"
#include "fileio.h"

struct mp_key {
  EVP_PKEY *pkey;
  mp_key_type type;
  int has_private;
  char keyid[2 * MP_SHA256_LEN + 1];
};

#define MP_KEYFILE_MAX (1u << 20)

int mp_key_type_parse(const char *name, mp_key_type *out) {
  static const struct { const char *name; mp_key_type t; } names[] = {
      {"ecdsa-p256", MP_KEY_ECDSA_P256}, {"p256", MP_KEY_ECDSA_P256},
      {"ecdsa-p384", MP_KEY_ECDSA_P384}, {"p384", MP_KEY_ECDSA_P384},
      {"ecdsa-p521", MP_KEY_ECDSA_P521}, {"p521", MP_KEY_ECDSA_P521},
      {"ed25519", MP_KEY_ED25519},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i].name) == 0) {
      *out = names[i].t;
      return 0;
    }
  return -1;
}

const char *mp_key_type_name(mp_key_type t) {
  switch (t) {
    case MP_KEY_ECDSA_P256: return "ecdsa-p256";
    case MP_KEY_ECDSA_P384: return "ecdsa-p384";
    case MP_KEY_ECDSA_P521: return "ecdsa-p521";
    case MP_KEY_ED25519: return "ed25519";
  }
  return "unknown";
}

static int classify(EVP_PKEY *pkey, mp_key_type *t) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) {
    *t = MP_KEY_ED25519;
    return 0;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = "";
    size_t glen = 0;
    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &glen))
      return -1;
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) *t = MP_KEY_ECDSA_P256;
    else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) *t = MP_KEY_ECDSA_P384;
    else if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0) *t = MP_KEY_ECDSA_P521;
    else return -1;
    return 0;
  }
  return -1;
}

static int wrap(EVP_PKEY *pkey, int has_private, mp_key **out, mp_err *e) {
  mp_key *k = calloc(1, sizeof *k);
  if (!k) return mp_err_set(e, MP_ENOMEM, "out of memory");
  if (classify(pkey, &k->type) != 0) {
    free(k);
    return mp_err_set(e, MP_EUNSUPPORTED,
                      "unsupported key type (want ECDSA P-256/P-384/P-521 or Ed25519)");
  }
  unsigned char *der = NULL;
  int dlen = i2d_PUBKEY(pkey, &der);
  if (dlen <= 0) {
    free(k);
    return mp_err_openssl(e, MP_ECRYPTO, "encoding public key");
  }
  uint8_t h[MP_SHA256_LEN];
  mp_sha256(der, (size_t)dlen, h);
  OPENSSL_free(der);
  mp_hex_encode(h, sizeof h, k->keyid);
  k->pkey = pkey;
  k->has_private = has_private;
  *out = k;
  return 0;
}

int mp_key_from_evp(void *evp_pkey, mp_key **out, mp_err *e) {
  EVP_PKEY *p = evp_pkey;
  if (!EVP_PKEY_up_ref(p)) return mp_err_openssl(e, MP_ECRYPTO, "key reference");
  int rc = wrap(p, 0, out, e);
  if (rc) EVP_PKEY_free(p);
  return rc;
}

int mp_key_generate(mp_key_type type, mp_key **out, mp_err *e) {
  EVP_PKEY *pkey = NULL;
  switch (type) {
    case MP_KEY_ECDSA_P256: pkey = EVP_EC_gen("P-256"); break;
    case MP_KEY_ECDSA_P384: pkey = EVP_EC_gen("P-384"); break;
    case MP_KEY_ECDSA_P521: pkey = EVP_EC_gen("P-521"); break;
    case MP_KEY_ED25519: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
  }
  if (!pkey) return mp_err_openssl(e, MP_ECRYPTO, "generating key");
  int rc = wrap(pkey, 1, out, e);
  if (rc) EVP_PKEY_free(pkey);
  return rc;
}

static int pass_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  int *asked = u;
  *asked = 1;
  const char *p = getenv("MLPROV_KEY_PASSPHRASE");
  if (!p) return -1;
  size_t n = strlen(p);
  if (n > (size_t)size) return -1;
  memcpy(buf, p, n);
  return (int)n;
}

int mp_key_from_pem(const char *what, const uint8_t *pem, size_t len, int want_private,
                    mp_key **out, mp_err *e) {
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  if (!bio) return mp_err_set(e, MP_ENOMEM, "out of memory");
  EVP_PKEY *pkey = NULL;
  int is_private = 0, asked = 0;
  if (want_private) {
    pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &asked);
    is_private = pkey != NULL;
  } else {
    /* Public key, then certificate, then private key. */
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!pkey) {
      BIO_reset(bio);
      X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
      if (cert) {
        pkey = X509_get_pubkey(cert);
        X509_free(cert);
      }
    }
    if (!pkey) {
      BIO_reset(bio);
      pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &asked);
      is_private = pkey != NULL;
    }
  }
  BIO_free(bio);
  if (!pkey) {
    ERR_clear_error();
    if (asked && !getenv("MLPROV_KEY_PASSPHRASE"))
      return mp_err_set(e, MP_EUSAGE,
                        "reading key %s: key is encrypted; set MLPROV_KEY_PASSPHRASE", what);
    if (asked) return mp_err_set(e, MP_ECRYPTO, "reading key %s: wrong passphrase", what);
    return mp_err_set(e, MP_EPARSE, "reading key %s: not a PEM %s", what,
                      want_private ? "private key" : "public key, certificate or private key");
  }
  int rc = wrap(pkey, is_private, out, e);
  if (rc) {
    EVP_PKEY_free(pkey);
    mp_err_prefix(e, "reading key %s", what);
  }
  return rc;
}

static int load(const char *path, int want_private, mp_key **out, mp_err *e) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, MP_KEYFILE_MAX, &buf, &len, e);
  if (rc) return mp_err_prefix(e, "reading key");
  rc = mp_key_from_pem(path, buf, len, want_private, out, e);
  OPENSSL_cleanse(buf, len);
  free(buf);
  return rc;
}

int mp_key_load_private(const char *path, mp_key **out, mp_err *e) { return load(path, 1, out, e); }
int mp_key_load_public(const char *path, mp_key **out, mp_err *e) { return load(path, 0, out, e); }

void mp_key_free(mp_key *k) {
  if (!k) return;
  EVP_PKEY_free(k->pkey);
  free(k);
}

static int bio_to_file(BIO *bio, const char *path, mode_t mode, int exclusive, mp_err *e) {
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  int rc = mp_write_file(path, data, (size_t)n, mode, exclusive, e);
  OPENSSL_cleanse(data, (size_t)n);
  return rc;
}

int mp_key_write_private(const mp_key *k, const char *path, mp_err *e) {
  if (!k->has_private) return mp_err_set(e, MP_EUSAGE, "writing %s: not a private key", path);
  BIO *bio = BIO_new(BIO_s_secmem());
  if (!bio) bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
    BIO_free(bio);
    return mp_err_openssl(e, MP_ECRYPTO, "encoding private key");
  }
  int rc = bio_to_file(bio, path, 0600, 1, e);
  BIO_free(bio);
  return rc;
}

int mp_key_public_pem(const mp_key *k, char **pem, size_t *len, mp_err *e) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_PUBKEY(bio, k->pkey)) {
    BIO_free(bio);
    return mp_err_openssl(e, MP_ECRYPTO, "encoding public key");
  }
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);
  *pem = malloc((size_t)n + 1);
  if (!*pem) {
    BIO_free(bio);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  memcpy(*pem, data, (size_t)n);
  (*pem)[n] = '\0';
  *len = (size_t)n;
  BIO_free(bio);
  return 0;
}

int mp_key_write_public(const mp_key *k, const char *path, int exclusive, mp_err *e) {
  char *pem = NULL;
  size_t len = 0;
  int rc = mp_key_public_pem(k, &pem, &len, e);
  if (rc) return rc;
  rc = mp_write_file(path, pem, len, 0644, exclusive, e);
  free(pem);
  return rc;
}

const char *mp_key_id(const mp_key *k) { return k->keyid; }
mp_key_type mp_key_get_type(const mp_key *k) { return k->type; }
int mp_key_has_private(const mp_key *k) { return k->has_private; }
void *mp_key_evp(const mp_key *k) { return k->pkey; }

static const EVP_MD *md_for(mp_key_type t) {
  switch (t) {
    case MP_KEY_ECDSA_P256: return EVP_sha256();
    case MP_KEY_ECDSA_P384: return EVP_sha384();
    case MP_KEY_ECDSA_P521: return EVP_sha512();
    case MP_KEY_ED25519: return NULL;
  }
  return NULL;
}

int mp_key_sign(const mp_key *k, const uint8_t *msg, size_t len, uint8_t **sig, size_t *siglen,
                mp_err *e) {
  if (!k->has_private) return mp_err_set(e, MP_EUSAGE, "signing needs a private key");
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t n = 0;
  uint8_t *out = NULL;
  if (!ctx || EVP_DigestSignInit(ctx, NULL, md_for(k->type), NULL, k->pkey) != 1 ||
      EVP_DigestSign(ctx, NULL, &n, msg, len) != 1 || !(out = malloc(n)) ||
      EVP_DigestSign(ctx, out, &n, msg, len) != 1) {
    free(out);
    EVP_MD_CTX_free(ctx);
    return mp_err_openssl(e, MP_ECRYPTO, "signing");
  }
  EVP_MD_CTX_free(ctx);
  *sig = out;
  *siglen = n;
  return 0;
}

int mp_key_verify_parts(const mp_key *k, const mp_bytes *parts, size_t nparts, const uint8_t *sig, size_t siglen,
                        mp_err *e) {
  if (k->type == MP_KEY_ED25519) {
    size_t total = 0, o = 0;
    for (size_t i = 0; i < nparts; i++) total += parts[i].len;
    size_t big;
    uint8_t *msg = mp_buf_alloc(total, &big);
    if (!msg) return mp_err_set(e, MP_ENOMEM, "out of memory");
    for (size_t i = 0; i < nparts; i++) {
      if (parts[i].len) memcpy(msg + o, parts[i].data, parts[i].len);
      o += parts[i].len;
    }
    int rc = mp_key_verify(k, msg, total, sig, siglen, e);
    mp_buf_free(msg, big);
    return rc;
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestVerifyInit(ctx, NULL, md_for(k->type), NULL, k->pkey) != 1) {
    EVP_MD_CTX_free(ctx);
    return mp_err_openssl(e, MP_ECRYPTO, "initialising verification");
  }
  int ok = 1;
  for (size_t i = 0; ok == 1 && i < nparts; i++)
    if (parts[i].len) ok = EVP_DigestVerifyUpdate(ctx, parts[i].data, parts[i].len);
  if (ok == 1) ok = EVP_DigestVerifyFinal(ctx, sig, siglen);
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (ok != 1) return mp_err_set(e, MP_EVERIFY, "signature does not verify with key %.16s", k->keyid);
  return 0;
}

int mp_key_verify(const mp_key *k, const uint8_t *msg, size_t len, const uint8_t *sig,
                  size_t siglen, mp_err *e) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestVerifyInit(ctx, NULL, md_for(k->type), NULL, k->pkey) != 1) {
    EVP_MD_CTX_free(ctx);
    return mp_err_openssl(e, MP_ECRYPTO, "initialising verification");
  }
  int ok = EVP_DigestVerify(ctx, sig, siglen, msg, len);
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (ok != 1) return mp_err_set(e, MP_EVERIFY, "signature does not verify with key %.16s", k->keyid);
  return 0;
}
