/* modeldir.h — the content digest of a model (a directory or one file), as the
 * OpenSSF Model Signing (OMS) v1.0 serialization defines it, so a model
 * signature and a training provenance name the same model the same way
 * (`mlprov run`, `mlprov verify` and `mlprov model` all call this module).
 *
 *   files     every regular file under the model, relative POSIX path, in
 *             canonical order: by path components, as the reference tool's
 *             PurePosixPath ordering ("a/b" < "a-c/x" < "a.b")
 *   resources method "files": one per file, named by its path, digest of
 *             the whole file; method "shards": one per byte range
 *             [start, end) of shard_size bytes (the last may be shorter),
 *             named "path:start:end", ordered by (path, start, end); empty
 *             files give no shard
 *   root      SHA-256(raw digest of resource 1 || ... || resource n)
 *
 * For a single file the one file is named by its base name. Always ignored:
 * .git, .gitattributes, .github, .gitignore at the model's top level, the
 * signature file when it lies inside the model, and the extra relative paths
 * given (each with its subtree). The ignore list is kept, canonical and
 * de-duplicated, as OMS records it in serialization.ignore_paths.
 * Symlinks are an error unless allowed; a symlink that leads outside the
 * model, or back into a directory being walked, is always an error, as is a
 * name that is not valid UTF-8 (it cannot be written in the JSON manifest).
 */
#ifndef MP_MODELDIR_H
#define MP_MODELDIR_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"
#include "hashpool.h"

#define MP_MODEL_SHARD_DEFAULT 1000000000ull

typedef enum mp_model_method { MP_MODEL_FILES = 0, MP_MODEL_SHARDS = 1 } mp_model_method;

typedef struct mp_model_file {
  char *name;        /* relative POSIX path */
  char *path;        /* path to open */
  uint64_t size;
  mp_file_id id;     /* identity when listed: a change before hashing ends is caught */
} mp_model_file;

typedef struct mp_model_resource {
  char *name;        /* "path" or "path:start:end" */
  size_t file;       /* index in files[] */
  uint64_t start, end;
  uint8_t digest[MP_DIGEST_MAX];
  size_t digest_len;
  char hex[2 * MP_DIGEST_MAX + 1];
  int hashed;
} mp_model_resource;

typedef struct mp_model_opts {
  const char *const *ignore;   /* extra relative paths to ignore (NULL-terminated or NULL) */
  int ignore_must_exist;       /* an extra ignore path that names nothing is an error */
  const char *signature;       /* the signature file (any path): ignored if inside the model */
  int allow_symlinks;
  int require_files;           /* a model with no file to sign is an error (OMS) */
  mp_model_method method;
  uint64_t shard_size;         /* 0: MP_MODEL_SHARD_DEFAULT */
  const char *hash;            /* NULL/"sha256" or "blake2b" */
  unsigned threads;            /* 0: one per CPU */
  size_t buf_size;             /* 0: the hash pool's default */
  mp_hash_progress_cb progress;
  void *progress_ctx;
} mp_model_opts;

typedef struct mp_model {
  char *name;                  /* the model's base name (OMS subject name) */
  int is_file;                 /* a single-file model */
  mp_model_method method;
  uint64_t shard_size;         /* shards only */
  char hash[16];               /* resource digest algorithm */
  int allow_symlinks;
  mp_model_file *files;        /* in canonical order */
  size_t nfiles;
  mp_model_resource *resources; /* in canonical order */
  size_t nresources;
  char **ignore_paths;         /* the ignore list (canonical order) */
  size_t nignore_paths;
  char **ignored;              /* ignored paths that existed */
  size_t nignored;
  uint8_t root[MP_SHA256_LEN];
  char root_hex[2 * MP_SHA256_LEN + 1];
  uint64_t total_bytes;
} mp_model;

/* Canonical order of OMS file names: by path components. */
int mp_model_path_cmp(const char *a, const char *b);
/* Canonicalises a relative ignore path ("./a//b/" -> "a/b"); an absolute
 * path, a ".." component or an empty path is an MP_EUSAGE error. */
int mp_model_ignore_normalize(const char *in, char **out, mp_err *e);
/* Splits a shard name "path:start:end" at its last two colons (the path may
 * hold colons itself); -1 unless both numbers are canonical decimals with
 * start < end. *path is malloc'd. */
int mp_model_shard_parse(const char *name, char **path, uint64_t *start, uint64_t *end);

/* Lists the model's files and resources in canonical order (no hashing). */
int mp_model_scan(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e);
/* Hashes the resources of the files with want[i] set (want NULL: all, and
 * fills root) in parallel. A file that changes while hashed is an error
 * naming the file. */
int mp_model_hash(mp_model *m, const mp_model_opts *o, const unsigned char *want, mp_err *e);
/* Scans, hashes everything and fills root. */
int mp_model_digest(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e);
void mp_model_free(mp_model *m);

#endif
