/* modeldir.h — the content digest of a model (a directory or one file), as the
 * OpenSSF Model Signing (OMS) v1.0 "files" method defines it, so a model
 * signature and a training provenance name the same model the same way.
 *
 *   resources = every regular file under the model, relative POSIX path,
 *               SHA-256 of its bytes, sorted by path components
 *   root      = SHA-256(raw digest of resource 1 || ... || resource n)
 *
 * For a single file the one resource is named by the file's base name.
 * Ignored by default: .git, .gitattributes, .github, .gitignore (at the model's
 * top level) and any extra paths given. Symlinks are an error unless allowed;
 * a symlink (or path) that leads outside the model directory is always an
 * error.
 */
#ifndef MP_MODELDIR_H
#define MP_MODELDIR_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

typedef struct mp_model_file {
  char *name;        /* relative POSIX path */
  char *path;        /* path to open */
  uint64_t size;
  uint8_t digest[MP_SHA256_LEN];
} mp_model_file;

typedef struct mp_model_opts {
  const char *const *ignore; /* extra relative paths to ignore (NULL-terminated or NULL) */
  int allow_symlinks;
  unsigned threads;          /* 0: one per CPU */
} mp_model_opts;

typedef struct mp_model {
  mp_model_file *files;      /* in canonical order */
  size_t nfiles;
  char **ignored;            /* ignored paths that existed, relative */
  size_t nignored;
  uint8_t root[MP_SHA256_LEN];
  char root_hex[2 * MP_SHA256_LEN + 1];
  uint64_t total_bytes;
} mp_model;

/* Canonical order of OMS resource names: by path components. */
int mp_model_path_cmp(const char *a, const char *b);

/* Lists the model's files in canonical order (no hashing). */
int mp_model_scan(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e);
/* Scans and hashes in parallel; fills digests and root. A file that changes
 * while hashed is an error naming the file. */
int mp_model_digest(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e);
void mp_model_free(mp_model *m);

#endif
