/* oms_check.c — checking a model directory against a verified OMS manifest
 * (declared in oms.h). The model is enumerated with the serialization the
 * signer recorded (method, hash, shard size, symlink policy, ignore paths,
 * plus the signature file itself), only files that were signed are hashed
 * (an unsigned file is a finding whatever its content), and the result is
 * compared file by file so every finding names a file. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "oms.h"

const char *mp_oms_finding_name(mp_oms_finding_kind k) {
  switch (k) {
    case MP_OMS_MISSING: return "missing";
    case MP_OMS_EXTRA: return "extra";
    case MP_OMS_CHANGED: return "changed";
  }
  return "?";
}

void mp_oms_report_free(mp_oms_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nfindings; i++) free(r->findings[i].path);
  free(r->findings);
  memset(r, 0, sizeof *r);
}

static int add_finding(mp_oms_report *r, mp_oms_finding_kind kind, const char *path, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
static int add_finding(mp_oms_report *r, mp_oms_finding_kind kind, const char *path, const char *fmt,
                       ...) {
  mp_oms_finding *nf = realloc(r->findings, (r->nfindings + 1) * sizeof *nf);
  if (!nf) return -1;
  r->findings = nf;
  mp_oms_finding *f = &nf[r->nfindings];
  f->kind = kind;
  if (!(f->path = strdup(path))) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->detail, sizeof f->detail, fmt, ap);
  va_end(ap);
  r->nfindings++;
  return 0;
}

static int cmp_str_path(const void *a, const void *b) {
  return mp_model_path_cmp(*(char *const *)a, *(char *const *)b);
}

/* The local resources of a file are contiguous in m->resources (canonical
 * order); likewise the signed ones in mf->res (sorted by oms.c). */
static void local_range(const mp_model *m, size_t file, size_t *first, size_t *n) {
  size_t lo = 0, hi = m->nresources;
  while (lo < hi) { /* first resource with file index >= file */
    size_t mid = (lo + hi) / 2;
    if (m->resources[mid].file < file) lo = mid + 1;
    else hi = mid;
  }
  *first = lo;
  *n = 0;
  while (lo + *n < m->nresources && m->resources[lo + *n].file == file) (*n)++;
}

static uint64_t signed_size(const mp_oms_resource *r, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i].end > s) s = r[i].end;
  return s;
}

/* Compares one signed file (its resources sr[0..ns)) with the local file. */
static int compare_file(const mp_oms_manifest *mf, const mp_model *m, size_t file,
                        const mp_oms_resource *sr, size_t ns, mp_oms_report *rep) {
  size_t first, nl;
  local_range(m, file, &first, &nl);
  const mp_model_resource *lr = m->resources + first;
  const char *path = m->files[file].name;
  if (mf->method == MP_MODEL_FILES) {
    if (lr[0].digest_len == sr[0].digest_len && memcmp(lr[0].digest, sr[0].digest, sr[0].digest_len) == 0)
      return rep->files_verified++, 0;
    char shex[2 * MP_DIGEST_MAX + 1];
    mp_hex_encode(sr[0].digest, sr[0].digest_len, shex);
    return add_finding(rep, MP_OMS_CHANGED, path, "content differs (%s signed %.12s…, found %.12s…)", mf->hash,
                       shex, lr[0].hex);
  }
  uint64_t want = signed_size(sr, ns), have = m->files[file].size;
  if (nl != ns || want != have)
    return add_finding(rep, MP_OMS_CHANGED, path, "size differs (signed %" PRIu64 " bytes, found %" PRIu64 ")", want,
                       have);
  for (size_t i = 0; i < ns; i++) {
    if (lr[i].start != sr[i].start || lr[i].end != sr[i].end)
      return add_finding(rep, MP_OMS_CHANGED, path, "shard boundaries differ at %" PRIu64, sr[i].start);
    if (memcmp(lr[i].digest, sr[i].digest, sr[i].digest_len) != 0)
      return add_finding(rep, MP_OMS_CHANGED, path, "bytes %" PRIu64 "-%" PRIu64 " differ", sr[i].start, sr[i].end);
  }
  rep->files_verified++;
  return 0;
}

static int cmp_findings(const void *a, const void *b) {
  return mp_model_path_cmp(((const mp_oms_finding *)a)->path, ((const mp_oms_finding *)b)->path);
}

int mp_oms_check_model(const mp_oms_manifest *mf, const char *model_path,
                       const mp_oms_check_opts *o, mp_oms_report *rep, mp_err *e) {
  static const mp_oms_check_opts none = {0};
  if (!o) o = &none;
  memset(rep, 0, sizeof *rep);
  mp_model_opts mo = {.ignore = (const char *const *)mf->ignore_paths, .signature = o->signature,
                      .allow_symlinks = mf->allow_symlinks, .method = mf->method,
                      .shard_size = mf->shard_size, .hash = mf->hash, .threads = o->threads,
                      .buf_size = o->buf_size, .progress = o->progress, .progress_ctx = o->progress_ctx};
  mp_model *m = NULL;
  int rc = mp_model_scan(model_path, &mo, &m, e);
  if (rc) return mp_err_prefix(e, "model %s", model_path);
  /* the signed file paths, sorted, for lookups */
  char **paths = malloc((mf->nres + 1) * sizeof *paths);
  unsigned char *want = calloc(m->nfiles + 1, 1);
  size_t np = 0;
  if (!paths || !want) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < mf->nres; i++)
    if (!np || strcmp(paths[np - 1], mf->res[i].path) != 0) paths[np++] = mf->res[i].path;
  uint64_t total = 0;
  for (size_t i = 0; rc == 0 && i < m->nfiles; i++) {
    const char *key = m->files[i].name;
    want[i] = bsearch(&key, paths, np, sizeof *paths, cmp_str_path) != NULL;
    if (want[i]) total += m->files[i].size;
  }
  if (o->total_bytes) *o->total_bytes = total;
  if (rc == 0) rc = mp_model_hash(m, &mo, want, e);
  rep->bytes_hashed = rc == 0 ? total : 0;
  /* walk the signed resources file by file */
  for (size_t i = 0; rc == 0 && i < mf->nres;) {
    size_t j = i + 1;
    while (j < mf->nres && strcmp(mf->res[j].path, mf->res[i].path) == 0) j++;
    size_t lo = 0, hi = m->nfiles;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (mp_model_path_cmp(m->files[mid].name, mf->res[i].path) < 0) lo = mid + 1;
      else hi = mid;
    }
    int r;
    if (lo < m->nfiles && strcmp(m->files[lo].name, mf->res[i].path) == 0) {
      r = compare_file(mf, m, lo, mf->res + i, j - i, rep);
    } else {
      r = add_finding(rep, MP_OMS_MISSING, mf->res[i].path, "signed but not found in the model");
    }
    if (r) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    i = j;
  }
  for (size_t i = 0; rc == 0 && i < m->nfiles; i++) {
    if (want[i]) continue;
    /* an empty file has no shard: the shards method cannot see it */
    if (mf->method == MP_MODEL_SHARDS && m->files[i].size == 0) continue;
    if (o->ignore_unsigned) rep->unsigned_ignored++;
    else if (add_finding(rep, MP_OMS_EXTRA, m->files[i].name, "not signed (%" PRIu64 " bytes)", m->files[i].size))
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  free(paths);
  free(want);
  mp_model_free(m);
  if (rc) {
    mp_oms_report_free(rep);
    return rc;
  }
  if (rep->nfindings) qsort(rep->findings, rep->nfindings, sizeof *rep->findings, cmp_findings);
  if (rep->nfindings) {
    size_t k[3] = {0};
    for (size_t i = 0; i < rep->nfindings; i++) k[rep->findings[i].kind]++;
    return mp_err_set(e, MP_EVERIFY, "model %s does not match its signature: %zu changed, %zu missing, %zu extra",
                      model_path, k[MP_OMS_CHANGED], k[MP_OMS_MISSING], k[MP_OMS_EXTRA]);
  }
  return 0;
}

/* realpath only for names that have no base name of their own. */
char *mp_oms_signature_path(const char *model) {
  size_t n = strlen(model);
  while (n > 1 && model[n - 1] == '/') n--;
  const char *last = model + n;
  while (last > model && last[-1] != '/') last--;
  size_t ln = (size_t)(model + n - last);
  char *real = NULL;
  if (ln == 0 || (ln == 1 && last[0] == '.') || (ln == 2 && last[0] == '.' && last[1] == '.') || last[0] == '/') {
    if ((real = realpath(model, NULL)) != NULL) {
      model = real;
      n = strlen(real);
    }
  }
  char *s = malloc(n + 5);
  if (s) snprintf(s, n + 5, "%.*s.sig", (int)n, model);
  free(real);
  return s;
}
