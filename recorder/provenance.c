/* provenance.c — see provenance.h. All hashing of one run happens here, after
 * the job has ended: regular files in one parallel batch (hashpool.c),
 * directories with the model digest (modeldir.c). */
#include "provenance.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect.h"
#include "encoding.h"
#include "fileio.h"
#include "hashpool.h"
#include "merkle.h"
#include "modeldir.h"
#include "redact.h"
#include "statement.h"

/* One thing to hash: a subject, a dataset, a base model, an input file. */
typedef struct target {
  char *abs;
  int is_dir;
  int ok;                 /* digest valid */
  char hex[2 * MP_SHA256_LEN + 1];
  uint64_t size;
  size_t nfiles;          /* for directories */
  int changed;
} target;

typedef struct plan {
  target *t;
  size_t n, cap;
  json_t *index;          /* abs -> index in t */
} plan;

static void warn(json_t *warnings, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_array_append_new(warnings, json_string(msg));
}

static long plan_add(plan *p, const char *abs) {
  json_t *idx = json_object_get(p->index, abs);
  if (idx) return (long)json_integer_value(idx);
  if (p->n == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 64;
    target *nt = realloc(p->t, ncap * sizeof *nt);
    if (!nt) return -1;
    p->t = nt;
    p->cap = ncap;
  }
  memset(&p->t[p->n], 0, sizeof p->t[p->n]);
  if (!(p->t[p->n].abs = strdup(abs))) return -1;
  json_object_set_new(p->index, abs, json_integer((json_int_t)p->n));
  return (long)p->n++;
}

static target *plan_get(plan *p, const char *abs) {
  json_t *idx = json_object_get(p->index, abs);
  return idx ? &p->t[json_integer_value(idx)] : NULL;
}

/* Hashes every target: files in one batch, directories one by one.
 * Errors stay on the target (ok = 0) with the message in `errors`. */
static int plan_run(plan *p, unsigned threads, json_t *errors, mp_err *e) {
  mp_hash_job *jobs = calloc(p->n ? p->n : 1, sizeof *jobs);
  size_t *which = calloc(p->n ? p->n : 1, sizeof *which);
  if (!jobs || !which) {
    free(jobs);
    free(which);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  size_t nj = 0;
  for (size_t i = 0; i < p->n; i++) {
    target *t = &p->t[i];
    struct stat st;
    if (stat(t->abs, &st) != 0) {
      json_object_set_new(errors, t->abs, json_sprintf("%s: %s", t->abs, strerror(errno)));
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      t->is_dir = 1;
      mp_model *m = NULL;
      mp_model_opts mo = {.threads = threads};
      mp_err me;
      mp_err_clear(&me);
      if (mp_model_digest(t->abs, &mo, &m, &me) == 0) {
        memcpy(t->hex, m->root_hex, sizeof t->hex);
        t->size = m->total_bytes;
        t->nfiles = m->nfiles;
        t->ok = 1;
        mp_model_free(m);
      } else {
        json_object_set_new(errors, t->abs, json_string(me.msg));
      }
    } else if (S_ISREG(st.st_mode)) {
      jobs[nj].path = t->abs;
      jobs[nj].len = UINT64_MAX;
      which[nj++] = i;
    } else {
      json_object_set_new(errors, t->abs, json_sprintf("%s: not a regular file or directory", t->abs));
    }
  }
  mp_err he;
  mp_err_clear(&he);
  mp_hash_jobs(jobs, nj, threads, "sha256", NULL, NULL, &he);
  for (size_t j = 0; j < nj; j++) {
    target *t = &p->t[which[j]];
    if (jobs[j].rc) {
      json_object_set_new(errors, t->abs, json_string(jobs[j].error));
      continue;
    }
    memcpy(t->hex, jobs[j].out.hex, sizeof t->hex);
    t->size = jobs[j].out.size;
    t->changed = jobs[j].out.changed;
    t->ok = 1;
  }
  free(jobs);
  free(which);
  return 0;
}

static void plan_free(plan *p) {
  for (size_t i = 0; i < p->n; i++) free(p->t[i].abs);
  free(p->t);
  json_decref(p->index);
}

/* Name shown for a local path: relative to the job's directory when inside it. */
static char *display_name(const mp_record *rec, const char *abs) {
  size_t cl = strlen(rec->cwd);
  if (strncmp(abs, rec->cwd, cl) == 0 && abs[cl] == '/' && abs[cl + 1]) return strdup(abs + cl + 1);
  return strdup(abs);
}

static char *abs_norm(const mp_record *rec, const char *path) { return mp_record_abspath(rec, path); }

static json_t *digest_obj(const target *t) { return json_pack("{s:s}", "sha256", t->hex); }

/* Annotations are {key, text}: the text is judged by the annotation's key. */
static json_t *redact_annotations(const json_t *items) {
  json_t *out = json_array();
  size_t i;
  json_t *a;
  json_array_foreach(items, i, a) {
    const char *key = json_string_value(json_object_get(a, "key"));
    char *text = mp_redact_named(key, json_string_value(json_object_get(a, "text")));
    json_array_append_new(out, json_pack("{s:s, s:s}", "key", key ? key : "", "text", text ? text : MP_REDACTED));
    free(text);
  }
  return out;
}

/* Execs are {path, argv}: argv is redacted like the job's own command. */
static json_t *redact_execs(const json_t *items) {
  json_t *out = json_array();
  size_t i, k;
  json_t *x, *v;
  json_array_foreach(items, i, x) {
    json_t *argv = json_object_get(x, "argv");
    const char **args = calloc(json_array_size(argv) + 1, sizeof *args);
    if (!args) continue;
    json_array_foreach(argv, k, v) args[k] = json_string_value(v);
    char **red = mp_redact_argv(args);
    json_t *ra = json_array();
    for (char **p = red; p && *p; p++) json_array_append_new(ra, json_string(*p));
    mp_strv_free(red);
    free(args);
    char *path = mp_redact_value(json_string_value(json_object_get(x, "path")), NULL);
    json_array_append_new(out, json_pack("{s:s, s:o}", "path", path ? path : "", "argv", ra));
    free(path);
  }
  return out;
}

static json_t *ts_json(const struct timespec *ts) {
  char buf[64];
  mp_time_format(ts, buf, sizeof buf);
  return json_string(buf);
}

/* --- the pieces ----------------------------------------------------------- */

typedef struct subject_src {
  char *abs;
  const char *role;
  const char *name;       /* artifact display name, or NULL */
} subject_src;

static json_t *build_subjects(const mp_record *rec, plan *p, subject_src *subs, size_t nsubs,
                              json_t *errors, mp_err *e) {
  json_t *arr = json_array();
  for (size_t i = 0; i < nsubs; i++) {
    target *t = plan_get(p, subs[i].abs);
    char *name = display_name(rec, subs[i].abs);
    if (!t || !t->ok) {
      json_t *why = json_object_get(errors, subs[i].abs);
      mp_err_set(e, MP_EIO, "output %s cannot be hashed: %s", name ? name : subs[i].abs,
                 why ? json_string_value(why) : "unknown error");
      free(name);
      json_decref(arr);
      return NULL;
    }
    if (t->changed) {
      mp_err_set(e, MP_EIO, "output %s changed while it was being hashed; is something still writing it?", name);
      free(name);
      json_decref(arr);
      return NULL;
    }
    json_t *rd = mp_rd_new(subs[i].name ? subs[i].name : name, NULL, NULL, NULL);
    json_object_set_new(rd, "digest", digest_obj(t));
    mp_rd_annotate(rd, "role", json_string(subs[i].role));
    mp_rd_annotate(rd, "size", json_integer((json_int_t)t->size));
    if (t->is_dir) {
      mp_rd_annotate(rd, "digestMethod", json_string("oms-files-sha256"));
      mp_rd_annotate(rd, "fileCount", json_integer((json_int_t)t->nfiles));
    }
    if (subs[i].name) mp_rd_annotate(rd, "path", json_string(name));
    json_array_append_new(arr, rd);
    free(name);
  }
  return arr;
}

static void add_source(const mp_record *rec, json_t *deps) {
  if (!rec->source) return;
  json_t *commit = json_object_get(rec->source, "commit");
  json_t *repo = json_object_get(rec->source, "repository");
  json_t *root = json_object_get(rec->source, "root");
  char uri[4096];
  const char *base = repo ? json_string_value(repo) : NULL;
  char *rooturi = (!base && root) ? mp_file_uri(json_string_value(root)) : NULL;
  if (commit)
    snprintf(uri, sizeof uri, "git+%s@%s", base ? base : (rooturi ? rooturi : ""), json_string_value(commit));
  else
    snprintf(uri, sizeof uri, "git+%s", base ? base : (rooturi ? rooturi : ""));
  free(rooturi);
  json_t *rd = mp_rd_new("source", uri, commit ? "gitCommit" : NULL, commit ? json_string_value(commit) : NULL);
  mp_rd_annotate(rd, "kind", json_string("source"));
  const char *k;
  json_t *v;
  json_object_foreach(rec->source, k, v) {
    if (strcmp(k, "commit") != 0) mp_rd_annotate(rd, k, json_deep_copy(v));
  }
  json_array_append_new(deps, rd);
}

static void add_datasets(const mp_record *rec, plan *p, json_t *deps, json_t *warnings) {
  const char *name;
  json_t *d;
  json_object_foreach(rec->datasets, name, d) {
    json_t *uri = json_object_get(d, "uri"), *path = json_object_get(d, "path");
    json_t *digest = json_object_get(d, "digest");
    char *fileuri = path ? mp_file_uri(json_string_value(path)) : NULL;
    json_t *rd = mp_rd_new(name, uri ? json_string_value(uri) : fileuri, NULL, NULL);
    free(fileuri);
    target *t = path ? plan_get(p, json_string_value(path)) : NULL;
    if (digest && json_object_size(digest)) {
      json_object_set(rd, "digest", digest);
      if (t && t->ok) {
        json_t *given = json_object_get(digest, "sha256");
        if (given && strcmp(json_string_value(given), t->hex) != 0) {
          warn(warnings, "dataset %s: declared sha256 %s but the file hashes to %s", name,
               json_string_value(given), t->hex);
          mp_rd_annotate(rd, "observedSha256", json_string(t->hex));
        }
      }
    } else if (t && t->ok) {
      json_object_set_new(rd, "digest", digest_obj(t));
      if (t->is_dir) {
        mp_rd_annotate(rd, "digestMethod", json_string("oms-files-sha256"));
        mp_rd_annotate(rd, "fileCount", json_integer((json_int_t)t->nfiles));
      }
    } else if (path) {
      warn(warnings, "dataset %s: %s could not be hashed", name, json_string_value(path));
    }
    mp_rd_annotate(rd, "kind", json_string("dataset"));
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v) {
      if (strcmp(k, "uri") && strcmp(k, "path") && strcmp(k, "digest")) mp_rd_annotate(rd, k, json_deep_copy(v));
    }
    /* Records reported through the hooks: their RFC 9162 root and size. */
    json_t *li = json_object_get(rec->leafsets_index, name);
    if (li) {
      const mp_leafset *ls = &rec->leafsets[json_integer_value(li)];
      uint8_t root[MP_SHA256_LEN];
      char hex[2 * MP_SHA256_LEN + 1];
      mp_merkle_root(ls->leaves, ls->n, root);
      mp_hex_encode(root, MP_SHA256_LEN, hex);
      mp_rd_annotate(rd, "recordsMerkleRoot", json_string(hex));
      mp_rd_annotate(rd, "recordsTreeSize", json_integer((json_int_t)ls->n));
    }
    if (!json_object_get(rd, "uri") && !json_object_get(rd, "digest") && !json_object_get(rd, "name"))
      json_object_set_new(rd, "name", json_string(name));
    json_array_append_new(deps, rd);
  }
  /* Record streams for datasets that were never declared. */
  json_t *li;
  json_object_foreach(rec->leafsets_index, name, li) {
    if (json_object_get(rec->datasets, name)) continue;
    const mp_leafset *ls = &rec->leafsets[json_integer_value(li)];
    uint8_t root[MP_SHA256_LEN];
    char hex[2 * MP_SHA256_LEN + 1];
    mp_merkle_root(ls->leaves, ls->n, root);
    mp_hex_encode(root, MP_SHA256_LEN, hex);
    json_t *rd = mp_rd_new(name, NULL, NULL, NULL);
    mp_rd_annotate(rd, "kind", json_string("dataset"));
    mp_rd_annotate(rd, "recordsMerkleRoot", json_string(hex));
    mp_rd_annotate(rd, "recordsTreeSize", json_integer((json_int_t)ls->n));
    json_array_append_new(deps, rd);
  }
}

static void add_packages(const mp_record *rec, json_t *deps) {
  const char *key;
  json_t *d;
  json_object_foreach(rec->dependencies, key, d) {
    json_t *purl = json_object_get(d, "purl"), *name = json_object_get(d, "name");
    json_t *rd = mp_rd_new(name ? json_string_value(name) : key, purl ? json_string_value(purl) : NULL, NULL, NULL);
    json_t *digest = json_object_get(d, "digest");
    if (digest && json_object_size(digest)) json_object_set(rd, "digest", digest);
    mp_rd_annotate(rd, "kind", json_string("package"));
    json_t *ver = json_object_get(d, "version");
    if (ver) mp_rd_annotate(rd, "version", json_deep_copy(ver));
    if (json_is_true(json_object_get(d, "loaded"))) mp_rd_annotate(rd, "loaded", json_true());
    json_array_append_new(deps, rd);
  }
}

static void add_base_models(const mp_record *rec, plan *p, json_t *deps, json_t *warnings) {
  size_t i;
  json_t *b;
  json_array_foreach(rec->base_models, i, b) {
    json_t *name = json_object_get(b, "name"), *uri = json_object_get(b, "uri");
    json_t *path = json_object_get(b, "path"), *digest = json_object_get(b, "digest");
    char *fileuri = path ? mp_file_uri(json_string_value(path)) : NULL;
    json_t *rd = mp_rd_new(name ? json_string_value(name) : "base-model",
                           uri ? json_string_value(uri) : fileuri, NULL, NULL);
    free(fileuri);
    target *t = path ? plan_get(p, json_string_value(path)) : NULL;
    if (digest && json_object_size(digest)) {
      json_object_set(rd, "digest", digest);
      json_t *given = json_object_get(digest, "sha256");
      if (t && t->ok && given && strcmp(json_string_value(given), t->hex) != 0)
        warn(warnings, "base model %s: declared sha256 %s but it hashes to %s",
             name ? json_string_value(name) : "", json_string_value(given), t->hex);
    } else if (t && t->ok) {
      json_object_set_new(rd, "digest", digest_obj(t));
      if (t->is_dir) mp_rd_annotate(rd, "digestMethod", json_string("oms-files-sha256"));
    } else if (path) {
      warn(warnings, "base model %s could not be hashed", json_string_value(path));
    }
    mp_rd_annotate(rd, "kind", json_string("base-model"));
    json_t *prov = json_object_get(b, "provenance");
    if (prov) mp_rd_annotate(rd, "provenance", json_deep_copy(prov));
    json_array_append_new(deps, rd);
  }
}

static int is_pseudo_fs(const char *abs) {
  return strncmp(abs, "/proc/", 6) == 0 || strncmp(abs, "/sys/", 5) == 0 || strncmp(abs, "/dev/", 5) == 0;
}

static void add_files(const mp_record *rec, plan *p, json_t *table, const char *kind, json_t *out,
                      json_t *errors, json_t *warnings) {
  const char *abs;
  json_t *f;
  json_object_foreach(table, abs, f) {
    if (is_pseudo_fs(abs)) continue;
    char *n = mp_path_normalize(abs);
    target *t = n ? plan_get(p, n) : NULL;
    char *name = display_name(rec, n ? n : abs);
    char *uri = mp_file_uri(n ? n : abs);
    json_t *rd = mp_rd_new(name, uri, NULL, NULL);
    json_t *given = json_object_get(f, "digest");
    if (t && t->ok && !t->is_dir) {
      json_object_set_new(rd, "digest", digest_obj(t));
      mp_rd_annotate(rd, "size", json_integer((json_int_t)t->size));
      if (t->changed) {
        mp_rd_annotate(rd, "changedWhileHashed", json_true());
        warn(warnings, "%s changed while it was being hashed", name);
      }
    } else if (given && json_object_size(given)) {
      json_object_set(rd, "digest", given);
      mp_rd_annotate(rd, "digestFrom", json_string("hook"));
    } else if (t && t->is_dir) {
      /* a directory that was opened (listing): not an input by itself */
      json_decref(rd);
      rd = NULL;
    } else {
      json_t *why = n ? json_object_get(errors, n) : NULL;
      mp_rd_annotate(rd, "missing", json_true());
      warn(warnings, "%s %s could not be hashed at the end of the run: %s", kind, name,
           why ? json_string_value(why) : "unknown error");
    }
    if (rd) {
      mp_rd_annotate(rd, "kind", json_string(kind));
      json_array_append_new(out, rd);
    }
    free(name);
    free(uri);
    free(n);
  }
}

static json_t *byproduct(const char *name, json_t *annotations) {
  json_t *rd = mp_rd_new(name, NULL, NULL, NULL);
  json_object_set_new(rd, "annotations", annotations);
  return rd;
}

int mp_provenance_build(const mp_record *rec, const mp_prov_opts *o, json_t *warnings,
                        json_t **statement, mp_err *e) {
  plan p = {.index = json_object()};
  json_t *errors = json_object();
  subject_src *subs = calloc(o->noutputs + json_object_size(rec->artifacts) + 1, sizeof *subs);
  size_t nsubs = 0;
  int rc = 0;
  json_t *st = NULL;
  if (!p.index || !errors || !subs) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto out;
  }
  /* subjects: --output first, then artifacts in the order reported */
  json_t *seen = json_object();
  for (size_t i = 0; i < o->noutputs; i++) {
    char *abs = abs_norm(rec, o->outputs[i]);
    if (!abs || json_object_get(seen, abs)) {
      free(abs);
      continue;
    }
    json_t *art = json_object_get(rec->artifacts, abs);
    json_t *role = art ? json_object_get(art, "role") : NULL;
    subs[nsubs].abs = abs;
    subs[nsubs].role = role ? json_string_value(role) : "output";
    json_object_set_new(seen, abs, json_true());
    plan_add(&p, abs);
    nsubs++;
  }
  const char *apath;
  json_t *art;
  json_object_foreach(rec->artifacts, apath, art) {
    char *abs = mp_path_normalize(apath);
    if (!abs || json_object_get(seen, abs)) {
      free(abs);
      continue;
    }
    subs[nsubs].abs = abs;
    subs[nsubs].role = json_string_value(json_object_get(art, "role"));
    json_t *nm = json_object_get(art, "name");
    subs[nsubs].name = nm ? json_string_value(nm) : NULL;
    json_object_set_new(seen, abs, json_true());
    plan_add(&p, abs);
    nsubs++;
  }
  json_decref(seen);
  if (nsubs == 0) {
    rc = mp_err_set(e, MP_EUSAGE,
                    "no subject: name the model with --output PATH or report it from the job "
                    "(artifact event); a provenance without a subject cannot be verified");
    goto out;
  }
  /* inputs */
  const char *k;
  json_t *v;
  json_object_foreach(rec->datasets, k, v) {
    json_t *path = json_object_get(v, "path");
    if (path) plan_add(&p, json_string_value(path));
  }
  size_t i;
  json_array_foreach(rec->base_models, i, v) {
    json_t *path = json_object_get(v, "path");
    if (path) plan_add(&p, json_string_value(path));
  }
  json_t *tables[2] = {rec->files_read, rec->files_written};
  for (int ti = 0; ti < 2; ti++)
    json_object_foreach(tables[ti], k, v) {
      if (is_pseudo_fs(k)) continue;
      char *n = mp_path_normalize(k);
      if (n) plan_add(&p, n);
      free(n);
    }
  if ((rc = plan_run(&p, o->threads, errors, e))) goto out;

  json_t *subjects = build_subjects(rec, &p, subs, nsubs, errors, e);
  if (!subjects) {
    rc = e ? e->code : MP_EIO;
    goto out;
  }
  json_t *deps = json_array();
  add_source(rec, deps);
  add_datasets(rec, &p, deps, warnings);
  add_packages(rec, deps);
  add_base_models(rec, &p, deps, warnings);
  add_files(rec, &p, rec->files_read, "file", deps, errors, warnings);

  char **argv = mp_redact_argv((const char *const *)rec->argv);
  json_t *cmd = json_array();
  for (char **a = argv; a && *a; a++) json_array_append_new(cmd, json_string(*a));
  mp_strv_free(argv);
  json_t *outputs = json_array();
  for (size_t s = 0; s < nsubs; s++) {
    char *dn = display_name(rec, subs[s].abs);
    json_array_append_new(outputs, json_string(dn));
    free(dn);
  }
  json_t *external = json_pack("{s:o, s:s, s:o, s:o}", "command", cmd, "workingDirectory", rec->cwd,
                               "parameters", mp_redact_json(rec->parameters, NULL), "outputs", outputs);
  json_t *internal = json_pack("{s:O?, s:o, s:{s:s}}", "host", rec->host, "environment",
                               rec->environment ? json_deep_copy(rec->environment) : mp_collect_environment(o->envp), "recorder", "version", MLPROV_VERSION);

  json_t *byproducts = json_array();
  double duration = (double)(rec->finished.tv_sec - rec->started.tv_sec) +
                    (double)(rec->finished.tv_nsec - rec->started.tv_nsec) / 1e9;
  json_t *run = json_pack("{s:b, s:f}", "complete", rec->incomplete == NULL, "durationSeconds", duration);
  if (rec->exited) json_object_set_new(run, "exitCode", json_integer((json_int_t)rec->exit_code));
  else json_object_set_new(run, "jobStatus", json_string("unknown"));
  if (rec->term_signal) json_object_set_new(run, "termSignal", json_integer(rec->term_signal));
  if (rec->recovered) json_object_set_new(run, "recovered", json_true());
  if (rec->incomplete) json_object_set(run, "incompleteBecause", rec->incomplete);
  json_array_append_new(byproducts, byproduct("mlprov/run", run));
  const mp_record_stats *s = &rec->stats;
  json_t *hooks = json_object();
  for (const mp_record_stat_def *d = mp_record_stat_defs; d->name; d++)
    json_object_set_new(hooks, d->name, json_integer((json_int_t)*(const uint64_t *)((const char *)s + d->offset)));
  json_object_set(hooks, "hooks", rec->hooks);
  json_array_append_new(byproducts, byproduct("mlprov/hooks", hooks));
  if (json_object_size(rec->files_written)) {
    json_t *fw = json_array();
    add_files(rec, &p, rec->files_written, "file-written", fw, errors, warnings);
    json_t *ann = json_pack("{s:I}", "count", (json_int_t)json_array_size(fw));
    json_t *rd = byproduct("mlprov/files-written", ann);
    json_array_append_new(byproducts, rd);
    size_t fi;
    json_t *f;
    json_array_foreach(fw, fi, f) json_array_append(byproducts, f);
    json_decref(fw);
  }
  if (json_array_size(rec->execs))
    json_array_append_new(byproducts, byproduct("mlprov/execs", json_pack("{s:o}", "items", redact_execs(rec->execs))));
  if (json_array_size(rec->annotations))
    json_array_append_new(byproducts, byproduct("mlprov/annotations", json_pack("{s:o}", "items", redact_annotations(rec->annotations))));
  if (json_array_size(rec->unknown))
    json_array_append_new(byproducts, byproduct("mlprov/unknown-events",
                                                json_pack("{s:I, s:O}", "count", (json_int_t)(s->unknown_events + s->unknown_fields),
                                                          "framesBase64", rec->unknown)));
  if (o->extra_byproducts) {
    size_t bi;
    json_t *b;
    json_array_foreach(o->extra_byproducts, bi, b) json_array_append(byproducts, b);
  }
  if (json_array_size(warnings))
    json_array_append_new(byproducts, byproduct("mlprov/warnings", json_pack("{s:O}", "items", warnings)));

  json_t *metadata = json_pack("{s:s, s:o, s:o}", "invocationId", rec->invocation_id ? rec->invocation_id : "",
                               "startedOn", ts_json(&rec->started), "finishedOn", ts_json(&rec->finished));
  json_t *predicate = json_pack(
      "{s:{s:s, s:o, s:o, s:o}, s:{s:{s:s, s:{s:s}}, s:o, s:o}}", "buildDefinition", "buildType",
      MP_BUILD_TYPE, "externalParameters", external, "internalParameters", internal, "resolvedDependencies",
      deps, "runDetails", "builder", "id", o->builder_id ? o->builder_id : MP_DEFAULT_BUILDER_ID, "version",
      "mlprov", MLPROV_VERSION, "metadata", metadata, "byproducts", byproducts);
  st = json_pack("{s:s, s:o, s:s, s:o}", "_type", MP_STATEMENT_TYPE, "subject", subjects, "predicateType",
                 MP_SLSA_PROVENANCE_V1, "predicate", predicate);
  if (!st) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory building the statement");
    goto out;
  }
  if ((rc = mp_statement_check(st, e))) {
    mp_err_prefix(e, "internal: built an invalid statement");
    json_decref(st);
    st = NULL;
    goto out;
  }
  *statement = st;
out:
  for (size_t si = 0; si < nsubs; si++) free(subs[si].abs);
  free(subs);
  json_decref(errors);
  plan_free(&p);
  return rc;
}

char *mp_provenance_default_base(const json_t *statement, const mp_record *rec) {
  json_t *first = json_array_get(json_object_get(statement, "subject"), 0);
  json_t *outs = json_object_get(json_object_get(json_object_get(json_object_get(statement, "predicate"),
                                                                  "buildDefinition"), "externalParameters"), "outputs");
  json_t *path = json_array_get(outs, 0);
  const char *p = path ? json_string_value(path) : json_string_value(json_object_get(first, "name"));
  if (!p) return NULL;
  char *abs = mp_record_abspath(rec, p);
  if (!abs) return NULL;
  size_t n = strlen(abs);
  while (n > 1 && abs[n - 1] == '/') abs[--n] = '\0';
  return abs;
}
