/* modeldir.c — see modeldir.h. The walk opens each directory with openat()
 * relative to its parent's handle (O_NOFOLLOW unless the entry was a symlink
 * that was allowed and checked), and checks the opened directory is the one
 * that was stat'ed, so a component swapped for a symlink during the walk is
 * noticed. Files are later opened by path; the identity recorded here
 * (device, inode, size, mtime) must still hold after hashing (hashpool.h). */
#include "modeldir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"

#define MAX_DEPTH 256
#define MAX_RESOURCES (16u << 20)

static const char *const default_ignores[] = {".git", ".gitattributes", ".github", ".gitignore",
                                              NULL};

int mp_model_path_cmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (;; x++, y++) {
    /* a separator sorts below every byte, so components compare first */
    unsigned cx = *x == '/' ? 0 : *x + 1u, cy = *y == '/' ? 0 : *y + 1u;
    if (!*x || !*y) return (*x != 0) - (*y != 0);
    if (cx != cy) return cx < cy ? -1 : 1;
  }
}

int mp_model_ignore_normalize(const char *in, char **out, mp_err *e) {
  if (in[0] == '/') return mp_err_set(e, MP_EUSAGE, "ignore path %s: must be relative to the model", in);
  size_t n = strlen(in);
  char *s = malloc(n + 1);
  if (!s) return mp_err_set(e, MP_ENOMEM, "out of memory");
  size_t o = 0;
  for (const char *p = in; *p;) {
    const char *q = strchr(p, '/');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      free(s);
      return mp_err_set(e, MP_EUSAGE, "ignore path %s: must not leave the model ('..')", in);
    }
    if (len && !(len == 1 && p[0] == '.')) {
      if (o) s[o++] = '/';
      memcpy(s + o, p, len);
      o += len;
    }
    p += len + (q != NULL);
  }
  s[o] = '\0';
  if (!o) {
    free(s);
    return mp_err_set(e, MP_EUSAGE, "ignore path '%s': names the model itself", in);
  }
  *out = s;
  return 0;
}

/* A canonical decimal: digits, no leading zero unless "0", fits in 64 bits. */
static int parse_dec(const char *s, size_t len, uint64_t *v) {
  if (!len || len > 20 || (len > 1 && s[0] == '0')) return -1;
  uint64_t r = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (r > (UINT64_MAX - d) / 10) return -1;
    r = r * 10 + d;
  }
  *v = r;
  return 0;
}

int mp_model_shard_parse(const char *name, char **path, uint64_t *start, uint64_t *end) {
  const char *c2 = strrchr(name, ':');
  if (!c2 || c2 == name) return -1;
  const char *c1 = c2 - 1;
  while (c1 > name && *c1 != ':') c1--;
  if (*c1 != ':' || c1 == name) return -1;
  if (parse_dec(c1 + 1, (size_t)(c2 - c1 - 1), start) || parse_dec(c2 + 1, strlen(c2 + 1), end) ||
      *start >= *end)
    return -1;
  if (!(*path = strndup(name, (size_t)(c1 - name)))) return -1;
  return 0;
}

typedef struct dir_id {
  dev_t dev;
  ino_t ino;
} dir_id;

typedef struct walk {
  mp_model *m;
  size_t cap;
  const mp_model_opts *o;
  char **extra;          /* user ignore paths, then the signature's */
  size_t nextra, nuser;
  unsigned char *hit;
  char *root_real;
  dir_id stack[MAX_DEPTH + 1];
  int depth;
} walk;

static int oom(mp_err *e) { return mp_err_set(e, MP_ENOMEM, "out of memory"); }

static int add_str(char ***v, size_t *n, const char *s) {
  char **nv = realloc(*v, (*n + 1) * sizeof *nv);
  if (!nv) return -1;
  *v = nv;
  if (!(nv[*n] = strdup(s))) return -1;
  (*n)++;
  return 0;
}

/* Paths are only ever compared whole: the walk never enters an ignored
 * directory, so its subtree goes with it. */
static int is_ignored(walk *w, const char *rel) {
  for (const char *const *p = default_ignores; *p; p++)
    if (strcmp(rel, *p) == 0) return 1;
  for (size_t i = 0; i < w->nextra; i++)
    if (strcmp(rel, w->extra[i]) == 0) return w->hit[i] = 1;
  return 0;
}

static int add_file(walk *w, const char *rel, const char *path, const struct stat *st,
                    mp_err *e) {
  mp_model *m = w->m;
  if (m->nfiles == w->cap) {
    size_t ncap = w->cap ? w->cap * 2 : 64;
    mp_model_file *nf = realloc(m->files, ncap * sizeof *nf);
    if (!nf) return oom(e);
    m->files = nf;
    w->cap = ncap;
  }
  mp_model_file *f = &m->files[m->nfiles];
  memset(f, 0, sizeof *f);
  f->name = strdup(rel);
  f->path = strdup(path);
  f->size = (uint64_t)st->st_size;
  mp_file_id_from_stat(&f->id, st);
  if (!f->name || !f->path) {
    free(f->name);
    free(f->path);
    return oom(e);
  }
  m->nfiles++;
  m->total_bytes += f->size;
  return 0;
}

/* Checks that a symlink's target stays inside the model; *st becomes the
 * target's stat. */
static int check_symlink(walk *w, const char *path, const char *rel, struct stat *st, mp_err *e) {
  if (!w->o || !w->o->allow_symlinks)
    return mp_err_set(e, MP_EVERIFY, "%s: is a symbolic link (use --allow-symlinks to follow it)", rel);
  char *real = realpath(path, NULL);
  if (!real) return mp_err_errno(e, MP_EIO, errno, "%s: broken symbolic link", rel);
  size_t rl = strlen(w->root_real);
  int inside = strncmp(real, w->root_real, rl) == 0 &&
               (real[rl] == '/' || real[rl] == '\0' || (rl == 1 && real[0] == '/'));
  free(real);
  if (!inside) return mp_err_set(e, MP_EVERIFY, "%s: symbolic link points outside the model directory", rel);
  if (stat(path, st) != 0) return mp_err_errno(e, MP_EIO, errno, "%s", rel);
  return 0;
}

static int walk_dir(walk *w, int dfd, const char *dirpath, const char *rel, mp_err *e);

static int enter_dir(walk *w, int parent, const char *name, int followed, const char *path,
                     const char *rel, const struct stat *st, mp_err *e) {
  for (int i = 0; i <= w->depth; i++)
    if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
      return mp_err_set(e, MP_EVERIFY, "%s: symbolic link cycle (leads back to a directory above it)", rel);
  if (w->depth >= MAX_DEPTH) return mp_err_set(e, MP_ELIMIT, "%s: directory nesting too deep", rel);
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followed ? 0 : O_NOFOLLOW));
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening directory %s", path);
  struct stat now;
  if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
    close(fd);
    return mp_err_set(e, MP_EIO, "%s: changed while the model was being listed", rel);
  }
  w->depth++;
  w->stack[w->depth] = (dir_id){st->st_dev, st->st_ino};
  int rc = walk_dir(w, fd, path, rel, e);
  w->depth--;
  return rc;
}

static int visit(walk *w, int dfd, const char *dirpath, const char *rel, const char *name,
                 mp_err *e) {
  size_t pl = strlen(dirpath) + strlen(name) + 2, rlen = strlen(rel) + strlen(name) + 2;
  char *path = malloc(pl), *r = malloc(rlen);
  int rc = 0;
  if (!path || !r) {
    rc = oom(e);
    goto out;
  }
  snprintf(path, pl, "%s/%s", dirpath, name);
  snprintf(r, rlen, "%s%s%s", rel, *rel ? "/" : "", name);
  if (is_ignored(w, r)) {
    if (add_str(&w->m->ignored, &w->m->nignored, r)) rc = oom(e);
    goto out;
  }
  if (!mp_utf8_valid(name)) {
    rc = mp_err_set(e, MP_EUNSUPPORTED, "%s: file name is not valid UTF-8", path);
    goto out;
  }
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    rc = mp_err_errno(e, MP_EIO, errno, "stat %s", path);
    goto out;
  }
  int link = S_ISLNK(st.st_mode);
  if (link && (rc = check_symlink(w, path, r, &st, e)) != 0) goto out;
  if (S_ISDIR(st.st_mode)) rc = enter_dir(w, dfd, name, link, path, r, &st, e);
  else if (S_ISREG(st.st_mode)) rc = add_file(w, r, path, &st, e);
  else rc = mp_err_set(e, MP_EUNSUPPORTED, "%s: not a regular file or directory", r);
out:
  free(path);
  free(r);
  return rc;
}

/* Takes ownership of dfd. */
static int walk_dir(walk *w, int dfd, const char *dirpath, const char *rel, mp_err *e) {
  DIR *d = fdopendir(dfd);
  if (!d) {
    int err = errno;
    close(dfd);
    return mp_err_errno(e, MP_EIO, err, "opening directory %s", dirpath);
  }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (errno = 0, de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    rc = visit(w, dirfd(d), dirpath, rel, de->d_name, e);
  }
  if (rc == 0 && errno) rc = mp_err_errno(e, MP_EIO, errno, "reading directory %s", dirpath);
  closedir(d);
  return rc;
}

static int cmp_files(const void *a, const void *b) {
  return mp_model_path_cmp(((const mp_model_file *)a)->name, ((const mp_model_file *)b)->name);
}

static int cmp_strs(const void *a, const void *b) {
  return mp_model_path_cmp(*(char *const *)a, *(char *const *)b);
}

/* The model's base name as OMS names its subject: the last component, or
 * for ".", ".." and "/" the last component of the resolved path. */
static char *model_name(const char *model_path) {
  size_t n = strlen(model_path);
  while (n > 1 && model_path[n - 1] == '/') n--;
  const char *s = model_path + n;
  while (s > model_path && s[-1] != '/') s--;
  size_t len = (size_t)(model_path + n - s);
  if (len && !(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' && s[1] == '.') && s[0] != '/')
    return strndup(s, len);
  char *real = realpath(model_path, NULL);
  if (!real) return strdup("model");
  const char *b = strrchr(real, '/');
  char *out = strdup(b && b[1] ? b + 1 : "model");
  free(real);
  return out;
}

/* The signature file's path relative to the model root, if it lies inside
 * (it need not exist yet). NULL otherwise; -1 on OOM. */
static int signature_rel(const char *root_real, const char *sig, char **out) {
  *out = NULL;
  char *copy = strdup(sig);
  if (!copy) return -1;
  char *slash = strrchr(copy, '/');
  const char *base = slash ? slash + 1 : copy;
  const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
  if (slash) *slash = '\0';
  char *dreal = *base ? realpath(dir, NULL) : NULL;
  int rc = 0;
  size_t rl = strlen(root_real);
  if (dreal && strncmp(dreal, root_real, rl) == 0 && (dreal[rl] == '\0' || dreal[rl] == '/')) {
    const char *sub = dreal[rl] ? dreal + rl + 1 : "";
    size_t n = strlen(sub) + strlen(base) + 2;
    if (!(*out = malloc(n))) rc = -1;
    else snprintf(*out, n, "%s%s%s", sub, *sub ? "/" : "", base);
  }
  free(dreal);
  free(copy);
  return rc;
}

static int setup_ignores(walk *w, mp_err *e) {
  const mp_model_opts *o = w->o;
  mp_model *m = w->m;
  for (const char *const *p = default_ignores; *p; p++)
    if (add_str(&m->ignore_paths, &m->nignore_paths, *p)) return oom(e);
  size_t n = 0;
  if (o && o->ignore)
    while (o->ignore[n]) n++;
  w->extra = calloc(n + 1, sizeof *w->extra);
  w->hit = calloc(n + 1, 1);
  if (!w->extra || !w->hit) return oom(e);
  for (size_t i = 0; i < n; i++) {
    int rc = mp_model_ignore_normalize(o->ignore[i], &w->extra[w->nextra], e);
    if (rc) return rc;
    w->nextra++;
  }
  w->nuser = w->nextra;
  if (o && o->signature && w->root_real) {
    if (signature_rel(w->root_real, o->signature, &w->extra[w->nextra])) return oom(e);
    if (w->extra[w->nextra]) w->nextra++;
  }
  for (size_t i = 0; i < w->nextra; i++)
    if (add_str(&m->ignore_paths, &m->nignore_paths, w->extra[i])) return oom(e);
  qsort(m->ignore_paths, m->nignore_paths, sizeof *m->ignore_paths, cmp_strs);
  size_t k = 0;
  for (size_t i = 0; i < m->nignore_paths; i++) {
    if (k && strcmp(m->ignore_paths[k - 1], m->ignore_paths[i]) == 0) free(m->ignore_paths[i]);
    else m->ignore_paths[k++] = m->ignore_paths[i];
  }
  m->nignore_paths = k;
  return 0;
}

static int add_resource(mp_model *m, size_t *cap, size_t file, uint64_t start, uint64_t end,
                        char *name, mp_err *e) {
  if (!name) return oom(e);
  if (m->nresources == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    mp_model_resource *nr = ncap > MAX_RESOURCES ? NULL : realloc(m->resources, ncap * sizeof *nr);
    if (!nr) {
      free(name);
      if (ncap > MAX_RESOURCES)
        return mp_err_set(e, MP_ELIMIT, "more than %u resources: use a larger shard size", MAX_RESOURCES);
      return oom(e);
    }
    m->resources = nr;
    *cap = ncap;
  }
  mp_model_resource *r = &m->resources[m->nresources++];
  memset(r, 0, sizeof *r);
  r->name = name;
  r->file = file;
  r->start = start;
  r->end = end;
  return 0;
}

static char *shard_name(const char *path, uint64_t start, uint64_t end) {
  size_t n = strlen(path) + 44;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s:%" PRIu64 ":%" PRIu64, path, start, end);
  return s;
}

static int build_resources(mp_model *m, mp_err *e) {
  size_t cap = 0;
  for (size_t i = 0; i < m->nfiles; i++) {
    const mp_model_file *f = &m->files[i];
    int rc = 0;
    if (m->method == MP_MODEL_FILES) {
      rc = add_resource(m, &cap, i, 0, f->size, strdup(f->name), e);
    } else {
      for (uint64_t s = 0; rc == 0 && s < f->size; s += m->shard_size) {
        uint64_t end = f->size - s > m->shard_size ? s + m->shard_size : f->size;
        rc = add_resource(m, &cap, i, s, end, shard_name(f->name, s, end), e);
      }
    }
    if (rc) return rc;
  }
  return 0;
}

static int scan_model(walk *w, const char *model_path, mp_err *e) {
  const mp_model_opts *o = w->o;
  struct stat st;
  if (lstat(model_path, &st) != 0) return mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
  if (S_ISLNK(st.st_mode) && !(o && o->allow_symlinks))
    return mp_err_set(e, MP_EVERIFY, "model %s: is a symbolic link (use --allow-symlinks to follow it)", model_path);
  if (stat(model_path, &st) != 0) return mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
  if (S_ISDIR(st.st_mode) && !(w->root_real = realpath(model_path, NULL)))
    return mp_err_errno(e, MP_EIO, errno, "model %s", model_path);
  int rc = setup_ignores(w, e);
  if (rc) return rc;
  if (S_ISREG(st.st_mode)) {
    w->m->is_file = 1;
    if (o && o->ignore_must_exist && w->nuser)
      return mp_err_set(e, MP_EUSAGE, "ignore path %s: the model is a single file", w->extra[0]);
    if (!mp_utf8_valid(w->m->name))
      return mp_err_set(e, MP_EUNSUPPORTED, "%s: file name is not valid UTF-8", model_path);
    return add_file(w, w->m->name, model_path, &st, e);
  }
  if (!S_ISDIR(st.st_mode)) return mp_err_set(e, MP_EUNSUPPORTED, "model %s: not a file or directory", model_path);
  w->stack[0] = (dir_id){st.st_dev, st.st_ino};
  int fd = open(model_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return mp_err_errno(e, MP_EIO, errno, "opening directory %s", model_path);
  size_t n = strlen(model_path);
  while (n > 1 && model_path[n - 1] == '/') n--;
  char *root = strndup(model_path, n);
  if (!root) {
    close(fd);
    return oom(e);
  }
  rc = walk_dir(w, fd, root, "", e);
  free(root);
  for (size_t i = 0; rc == 0 && o && o->ignore_must_exist && i < w->nuser; i++)
    if (!w->hit[i])
      rc = mp_err_set(e, MP_EUSAGE, "ignore path %s: not found in the model (ignore paths are relative to the model directory)",
                      w->extra[i]);
  return rc;
}

int mp_model_scan(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e) {
  mp_model *m = calloc(1, sizeof *m);
  if (!m || !(m->name = model_name(model_path))) {
    free(m);
    return oom(e);
  }
  m->method = o ? o->method : MP_MODEL_FILES;
  m->shard_size = o && o->shard_size ? o->shard_size : MP_MODEL_SHARD_DEFAULT;
  if (m->method != MP_MODEL_SHARDS) m->shard_size = 0;
  snprintf(m->hash, sizeof m->hash, "%s", o && o->hash ? o->hash : "sha256");
  m->allow_symlinks = o && o->allow_symlinks;
  walk w = {.m = m, .o = o};
  int rc = 0;
  if (strcmp(m->hash, "sha256") != 0 && strcmp(m->hash, "blake2b") != 0)
    rc = mp_err_set(e, MP_EUNSUPPORTED, "hash %s: want sha256 or blake2b", m->hash);
  if (rc == 0) rc = scan_model(&w, model_path, e);
  for (size_t i = 0; i < w.nextra; i++) free(w.extra[i]);
  free(w.extra);
  free(w.hit);
  free(w.root_real);
  if (rc == 0) {
    if (m->nfiles) qsort(m->files, m->nfiles, sizeof *m->files, cmp_files);
    rc = build_resources(m, e);
  }
  if (rc == 0 && o && o->require_files && m->nresources == 0)
    rc = mp_err_set(e, MP_EUSAGE, "model %s: no file to sign after exclusions", model_path);
  if (rc) {
    mp_model_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

/* SHA-256 over the raw resource digests, in canonical order. */
static int compute_root(mp_model *m, mp_err *e) {
  uint8_t *cat = malloc(m->nresources * MP_DIGEST_MAX + 1);
  if (!cat) return oom(e);
  size_t len = 0;
  for (size_t i = 0; i < m->nresources; i++) {
    memcpy(cat + len, m->resources[i].digest, m->resources[i].digest_len);
    len += m->resources[i].digest_len;
  }
  mp_sha256(cat, len, m->root);
  mp_hex_encode(m->root, MP_SHA256_LEN, m->root_hex);
  free(cat);
  return 0;
}

/* Largest first, then canonical order: every core stays busy to the end. */
static int cmp_jobs(const void *a, const void *b) {
  const mp_hash_job *x = a, *y = b;
  if (x->len != y->len) return x->len > y->len ? -1 : 1;
  return x->tag < y->tag ? -1 : x->tag > y->tag;
}

int mp_model_hash(mp_model *m, const mp_model_opts *o, const unsigned char *want, mp_err *e) {
  mp_hash_job *jobs = calloc(m->nresources ? m->nresources : 1, sizeof *jobs);
  if (!jobs) return oom(e);
  size_t nj = 0;
  for (size_t i = 0; i < m->nresources; i++) {
    mp_model_resource *r = &m->resources[i];
    const mp_model_file *f = &m->files[r->file];
    if (want && !want[r->file]) continue;
    jobs[nj] = (mp_hash_job){.path = f->path, .offset = r->start, .len = r->end - r->start,
                             .expect = &f->id, .nofollow = !m->allow_symlinks, .tag = i};
    nj++;
  }
  qsort(jobs, nj, sizeof *jobs, cmp_jobs);
  mp_hash_opts ho = {.threads = o ? o->threads : 0, .alg = m->hash,
                     .buf_size = o ? o->buf_size : 0, .progress = o ? o->progress : NULL,
                     .ctx = o ? o->progress_ctx : NULL};
  int rc = mp_hash_run(jobs, nj, &ho, e);
  for (size_t j = 0; rc == 0 && j < nj; j++) {
    mp_model_resource *r = &m->resources[jobs[j].tag];
    if (jobs[j].out.changed) {
      rc = mp_err_set(e, MP_EIO, "%s: file changed while it was being hashed", m->files[r->file].name);
      break;
    }
    memcpy(r->digest, jobs[j].out.digest, jobs[j].out.digest_len);
    r->digest_len = jobs[j].out.digest_len;
    memcpy(r->hex, jobs[j].out.hex, sizeof r->hex);
    r->hashed = 1;
  }
  free(jobs);
  if (rc == 0 && !want) rc = compute_root(m, e);
  return rc;
}

int mp_model_digest(const char *model_path, const mp_model_opts *o, mp_model **out, mp_err *e) {
  mp_model *m = NULL;
  int rc = mp_model_scan(model_path, o, &m, e);
  if (rc == 0) rc = mp_model_hash(m, o, NULL, e);
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
  for (size_t i = 0; i < m->nresources; i++) free(m->resources[i].name);
  for (size_t i = 0; i < m->nignored; i++) free(m->ignored[i]);
  for (size_t i = 0; i < m->nignore_paths; i++) free(m->ignore_paths[i]);
  free(m->ignored);
  free(m->ignore_paths);
  free(m->resources);
  free(m->files);
  free(m->name);
  free(m);
}
