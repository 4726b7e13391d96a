/* digest.c — see digest.h. Files are read with pread() into a caller buffer
 * (MP_HASH_BUF by default) after posix_fadvise(SEQUENTIAL); a file whose size
 * or mtime changes while it is hashed is flagged (d->changed) so that callers
 * never sign it silently. */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"

void mp_sha256(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]) {
  unsigned int n = 0;
  EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void mp_sha256_2(const void *a, size_t alen, const void *b, size_t blen,
                 uint8_t out[MP_SHA256_LEN]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  EVP_DigestUpdate(ctx, a, alen);
  EVP_DigestUpdate(ctx, b, blen);
  EVP_DigestFinal_ex(ctx, out, &n);
  EVP_MD_CTX_free(ctx);
}

struct mp_sha256_ctx {
  EVP_MD *md;       /* fetched once: EVP_sha256() would fetch on every init */
  EVP_MD_CTX *ctx;
};

mp_sha256_ctx *mp_sha256_ctx_new(void) {
  mp_sha256_ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  c->ctx = EVP_MD_CTX_new();
  if (!c->md || !c->ctx) {
    mp_sha256_ctx_free(c);
    return NULL;
  }
  return c;
}

void mp_sha256_ctx_free(mp_sha256_ctx *c) {
  if (!c) return;
  EVP_MD_CTX_free(c->ctx);
  EVP_MD_free(c->md);
  free(c);
}

void mp_sha256_begin(mp_sha256_ctx *c) { EVP_DigestInit_ex(c->ctx, c->md, NULL); }

void mp_sha256_update(mp_sha256_ctx *c, const void *data, size_t len) {
  EVP_DigestUpdate(c->ctx, data, len);
}

void mp_sha256_end(mp_sha256_ctx *c, uint8_t out[MP_SHA256_LEN]) {
  unsigned int n = 0;
  EVP_DigestFinal_ex(c->ctx, out, &n);
}

void mp_sha256_ctx_2(mp_sha256_ctx *c, const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t out[MP_SHA256_LEN]) {
  mp_sha256_begin(c);
  EVP_DigestUpdate(c->ctx, a, alen);
  EVP_DigestUpdate(c->ctx, b, blen);
  mp_sha256_end(c, out);
}

struct mp_hasher {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
};

static const char *evp_name(const char *alg) {
  if (!alg || strcmp(alg, "sha256") == 0) return "SHA256";
  if (strcmp(alg, "sha384") == 0) return "SHA384";
  if (strcmp(alg, "sha512") == 0) return "SHA512";
  if (strcmp(alg, "blake2b") == 0) return "BLAKE2B-512";
  return NULL;
}

int mp_hasher_new(const char *alg, mp_hasher **out, mp_err *e) {
  const char *name = evp_name(alg);
  if (!name) return mp_err_set(e, MP_EUNSUPPORTED, "unsupported hash algorithm %s", alg);
  mp_hasher *h = calloc(1, sizeof *h);
  if (!h) return mp_err_set(e, MP_ENOMEM, "out of memory");
  h->md = EVP_MD_fetch(NULL, name, NULL);
  h->ctx = EVP_MD_CTX_new();
  if (!h->md || !h->ctx) {
    mp_hasher_free(h);
    return mp_err_openssl(e, MP_ECRYPTO, "initialising digest");
  }
  *out = h;
  return 0;
}

void mp_hasher_free(mp_hasher *h) {
  if (!h) return;
  EVP_MD_CTX_free(h->ctx);
  EVP_MD_free(h->md);
  free(h);
}

size_t mp_hasher_size(const mp_hasher *h) { return (size_t)EVP_MD_get_size(h->md); }

int mp_hasher_init(mp_hasher *h, mp_err *e) {
  if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL))
    return mp_err_openssl(e, MP_ECRYPTO, "initialising digest");
  return 0;
}

void mp_hasher_update(mp_hasher *h, const void *data, size_t len) {
  EVP_DigestUpdate(h->ctx, data, len);
}

int mp_hasher_final(mp_hasher *h, uint8_t *out, size_t *outlen, mp_err *e) {
  unsigned int dl = 0;
  if (!EVP_DigestFinal_ex(h->ctx, out, &dl)) return mp_err_openssl(e, MP_ECRYPTO, "finishing digest");
  *outlen = dl;
  return 0;
}

int mp_hasher_fd_range(mp_hasher *h, int fd, uint64_t offset, uint64_t len, uint8_t *buf,
                       size_t bufsize, mp_hash_progress_cb progress, void *ctx, uint8_t *out,
                       size_t *outlen, uint64_t *nread, mp_err *e) {
  int rc = mp_hasher_init(h, e);
  if (rc) return rc;
  uint64_t done = 0;
  while (done < len) {
    size_t want = bufsize;
    if (len - done < want) want = (size_t)(len - done);
    ssize_t n = pread(fd, buf, want, (off_t)(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return mp_err_errno(e, MP_EIO, errno, "read");
    }
    if (n == 0) break;
    mp_hasher_update(h, buf, (size_t)n);
    done += (uint64_t)n;
    if (progress) progress(ctx, (uint64_t)n);
  }
  if (nread) *nread = done;
  return mp_hasher_final(h, out, outlen, e);
}

int mp_digest_fd_range(int fd, const char *alg, uint64_t offset, uint64_t len, uint8_t *buf,
                       uint8_t *out, size_t *outlen, uint64_t *nread, mp_err *e) {
  mp_hasher *h = NULL;
  int rc = mp_hasher_new(alg, &h, e);
  if (rc) return rc;
  uint8_t *own = NULL;
  if (!buf && !(buf = own = malloc(MP_HASH_BUF))) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0)
    rc = mp_hasher_fd_range(h, fd, offset, len, buf, MP_HASH_BUF, NULL, NULL, out, outlen, nread, e);
  free(own);
  mp_hasher_free(h);
  return rc;
}

int mp_digest_file(const char *path, const char *alg, mp_file_digest *d, mp_err *e) {
  memset(d, 0, sizeof *d);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening %s", path);
  struct stat before, after;
  if (fstat(fd, &before) != 0) {
    int saved = errno;
    close(fd);
    return mp_err_errno(e, MP_EIO, saved, "stat %s", path);
  }
  if (!S_ISREG(before.st_mode)) {
    close(fd);
    return mp_err_set(e, MP_EUNSUPPORTED, "hashing %s: not a regular file", path);
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  uint64_t n = 0;
  int rc = mp_digest_fd_range(fd, alg, 0, UINT64_MAX, NULL, d->digest, &d->digest_len, &n, e);
  if (rc == 0 && fstat(fd, &after) == 0) {
    d->size = n;
    d->changed = after.st_size != before.st_size || (uint64_t)after.st_size != n ||
                 after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
                 after.st_mtim.tv_nsec != before.st_mtim.tv_nsec;
    mp_hex_encode(d->digest, d->digest_len, d->hex);
  } else if (rc) {
    mp_err_prefix(e, "hashing %s", path);
  }
  close(fd);
  return rc;
}

int mp_parse_sha256(const char *s, uint8_t out[MP_SHA256_LEN]) {
  if (strncmp(s, "sha256:", 7) == 0) s += 7;
  return mp_hex_decode(s, strlen(s), out, MP_SHA256_LEN);
}
