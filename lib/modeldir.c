/* modeldir.c — see modeldir.h. The walk uses openat/fstatat relative to the
 * directory handle so a path component cannot be swapped under us for a
 * symlink between the check and the open. */
#include "modeldir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"
#include "hashpool.h"

static const char *const default_ignores[] = {".git", ".gitattributes", ".github", ".gitignore",
                                              NULL};

int mp_model_path_cmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (;; x++, y++) {
    unsigned cx = *x == '/' ? 0 : (*x ? *x + 1u : 0), cy = *y == '/' ? 0 : (*y ? *y + 1u : 0);
    /* end of string sorts before a separator: "a" < "a/b" */
    if (!*x || !*y) return (*x != 0) - (*y != 0);
    if (cx != cy) return cx < cy ? -1 : 1;
  }
}

static int cmp_files(const void *a, const void *b) {
  return mp_model_path_cmp(((const mp_model_file *)a)->name, ((const mp_model_file *)b)->name);
}

typedef struct walk {
  mp_model *m;
  size_t cap;
  const mp_model_opts *o;
  char *root_real;
} walk;

static int is_ignored(const walk *w, const char *rel) {
  for (const char *const *p = default_ignores; *p; p++)
    if (strcmp(rel, *p) == 0) return 1;
  if (w->o && w->o->ignore)
    for (const char *const *p = w->o->ignore; *p; p++) {
      const char *ig = *p;
      while (ig[0] == '.' && ig[1] == '/') ig += 2;
      size_t n = strlen(ig);
      while (n > 1 && ig[n - 1] == '/') n--;
      if (strncmp(rel, ig, n) == 0 && (rel[n] == '\0' || rel[n] == '/')) return 1;
    }
  return 0;
}

static int add_str(char ***v, size_t *n, const char *s) {
  char **nv = realloc(*v, (*n + 1) * sizeof *nv);
  if (!nv) return -1;
  *v = nv;
  if (!(nv[*n] = strdup(s))) return -1;
  (*n)++;
  return 0;
}

static int add_file(walk *w, const char *rel, const char *path, uint64_t size, mp_err *e) {
  mp_model *m = w->m;
  if (m->nfiles == w->cap) {
    size_t ncap = w->cap ? w->cap * 2 : 64;
    mp_model_file *nf = realloc(m->files, ncap * sizeof *nf);
    if (!nf) return mp_err_set(e, MP_ENOMEM, "out of memory");
    m->files = nf;
    w->cap = ncap;
  }
  mp_model_file *f = &m->files[m->nfiles];
  memset(f, 0, sizeof *f);
  f->name = strdup(rel);
  f->path = strdup(path);
  f->size = size;
  if (!f->name || !f->path) {
    free(f->name);
    free(f->path);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  m->nfiles++;
  m->total_bytes += size;
  return 0;
}

/* Checks that a symlink's target stays inside the model. */
static int check_symlink(walk *w, const char *path, const char *rel, struct stat *target, mp_err *e) {
  if (!w->o || !w->o->allow_symlinks)
    return mp_err_set(e, MP_EUNSUPPORTED, "%s: is a symbolic link (use --allow-symlinks to follow it)", rel);
  char *real = realpath(path, NULL);
  if (!real) return mp_err_errno(e, MP_EIO, errno, "%s: broken symbolic link", rel);
  size_t rl = strlen(w->root_real);
  int inside = strncmp(real, w->root_real, rl) == 0 && (real[rl] == '/' || real[rl] == '\0');
  free(real);
  if (!inside) return mp_err_set(e, MP_EVERIFY, "%s: symbolic link points outside the model directory", rel);
  if (stat(path, target) != 0) return mp_err_errno(e, MP_EIO, errno, "%s", rel);
  return 0;
}

static int walk_dir(walk *w, const char *dirpath, const char *rel, int depth, mp_err *e) {
  if (depth > 256) return mp_err_set(e, MP_ELIMIT, "%s: directory nesting too deep", dirpath);
  DIR *d = opendir(dirpath);
  if (!d) return mp_err_errno(e, MP_EIO, errno, "opening directory %s", dirpath);
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (errno = 0, de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    size_t pl = strlen(dirpath) + strlen(de->d_name) + 2;
    size_t rlen = strlen(rel) + strlen(de->d_name) + 2;
    char *path = malloc(pl), *r = malloc(rlen);
    if (!path || !r) {
      free(path), free(r);
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    snprintf(path, pl, "%s/%s", dirpath, de->d_name);
    snprintf(r, rlen, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
    struct stat st;
    if (is_ignored(w, r)) {
      if (add_str(&w->m->ignored, &w->m->nignored, r)) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    } else if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      rc = mp_err_errno(e, MP_EIO, errno, "stat %s", path);
    } else {
      if (S_ISLNK(st.st_mode)) rc = check_symlink(w, path, r, &st, e);
      if (rc == 0) {
        if (S_ISDIR(st.st_mode)) rc = walk_dir(w, path, r, depth + 1, e);
        else if (S_ISREG(st.st_mode)) rc = add_file(w, r, path, (uint64_t)st.st_size, e);
        else rc = mp_err_set(e, MP_EUNSUPPORTED, "%s: not a regular file or directory", r);
      }
    }
    free(path);
    free(r);
  }
  if (rc == 0 && errno) rc = mp_err_errno(e, MP_EIO, errno, "reading directory %s", dirpath);
  closedir(d);
  return rc;
}

int mp_model_scan(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e) {
  mp_model *m = calloc(1, sizeof *m);
  if (!m) return mp_err_set(e, MP_ENOMEM, "out of memory");
  walk w = {.m = m, .o = o};
  struct stat st;
  int rc;
  if (lstat(model_path, &st) != 0) {
    rc = mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
  } else if (S_ISLNK(st.st_mode) && (!o || !o->allow_symlinks)) {
    rc = mp_err_set(e, MP_EUNSUPPORTED, "model %s: is a symbolic link", model_path);
  } else if (stat(model_path, &st) != 0) {
    rc = mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
  } else if (S_ISREG(st.st_mode)) {
    const char *base = strrchr(model_path, '/');
    rc = add_file(&w, base ? base + 1 : model_path, model_path, (uint64_t)st.st_size, e);
  } else if (S_ISDIR(st.st_mode)) {
    w.root_real = realpath(model_path, NULL);
    rc = w.root_real ? walk_dir(&w, model_path, "", 0, e)
                     : mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
    free(w.root_real);
  } else {
    rc = mp_err_set(e, MP_EUNSUPPORTED, "model %s: not a file or directory", model_path);
  }
  if (rc) {
    mp_model_free(m);
    return rc;
  }
  qsort(m->files, m->nfiles, sizeof *m->files, cmp_files);
  *out = m;
  return 0;
}

int mp_model_digest(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e) {
  mp_model *m = NULL;
  int rc = mp_model_scan(model_path, o, &m, e);
  if (rc) return rc;
  mp_hash_job *jobs = calloc(m->nfiles ? m->nfiles : 1, sizeof *jobs);
  if (!jobs) {
    mp_model_free(m);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < m->nfiles; i++) {
    jobs[i].path = m->files[i].path;
    jobs[i].len = UINT64_MAX;
  }
  rc = mp_hash_jobs(jobs, m->nfiles, o ? o->threads : 0, "sha256", NULL, NULL, e);
  uint8_t *cat = malloc(m->nfiles * MP_SHA256_LEN + 1);
  for (size_t i = 0; rc == 0 && i < m->nfiles; i++) {
    if (jobs[i].out.changed) {
      rc = mp_err_set(e, MP_EIO, "%s: file changed while it was being hashed", m->files[i].name);
      break;
    }
    memcpy(m->files[i].digest, jobs[i].out.digest, MP_SHA256_LEN);
    m->files[i].size = jobs[i].out.size;
    if (cat) memcpy(cat + i * MP_SHA256_LEN, jobs[i].out.digest, MP_SHA256_LEN);
  }
  free(jobs);
  if (rc == 0 && !cat) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) {
    mp_sha256(cat, m->nfiles * MP_SHA256_LEN, m->root);
    mp_hex_encode(m->root, MP_SHA256_LEN, m->root_hex);
  }
  free(cat);
  if (rc) {
    mp_model_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

void mp_model_free(mp_model *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nfiles; i++) {
    free(m->files[i].name);
    free(m->files[i].path);
  }
  for (size_t i = 0; i < m->nignored; i++) free(m->ignored[i]);
  free(m->ignored);
  free(m->files);
  free(m);
}
