/* index_add.c — `mlprov index add`: read attestation files, verify every
 * envelope, decompose it and write it, each file whole or not at all.
 *
 * A commit costs every page its transaction dirtied, written to the log:
 * for a one-record file, ~300 scattered pages of the package links. So files
 * whose every piece is already verified when their turn to be written comes
 * (the usual file of one envelope, or a few) share a transaction, committed
 * once it holds BATCH_RECORDS records or has been open BATCH_SECONDS (and at
 * the end): nothing but a failure of the index itself can stop such a file
 * half-way, and that stops the run. A file still being read, or with a piece
 * that failed, is written in a transaction of its own, rolled back when a
 * piece fails. Readers see whole files only either way. A batch whose commit
 * fails reports each of its files as not written. (SQLite savepoints, one a
 * file, would have served too, but they make every statement of a large
 * transaction pay for its statement journal.)
 *
 * Verification and decomposition (the statement read into a flat tree,
 * jsonflat.h: jansson's allocations cost 1 ms for 300 dependencies) run on
 * worker threads; the calling thread
 * reads pieces (a JSON Lines line or a whole file, attest.h) and writes the
 * results in input order, so a file's transaction sees its records in order
 * and the next files are verified while one is written. A file whose piece
 * fails (unreadable, malformed, refused by verification) is rolled back and
 * reported; the others go on. A failure of the index itself stops the run. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "index_int.h"
#include "statement.h"

/* --- input files ----------------------------------------------------------- */

typedef struct strv {
  char **v;
  size_t n;
} strv;

static int strv_add(strv *s, const char *p) {
  char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
  if (!nv) return -1;
  s->v = nv;
  if (!(s->v[s->n] = strdup(p))) return -1;
  s->n++;
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int wanted_name(const char *name) {
  size_t n = strlen(name);
  return (n > 13 && strcmp(name + n - 13, ".intoto.jsonl") == 0) ||
         (n > 12 && strcmp(name + n - 12, ".intoto.json") == 0);
}

/* Files under dir, sorted; symlinked directories are not followed (loops). */
static int walk(const char *dir, strv *out, mp_err *e) {
  DIR *d = opendir(dir);
  if (!d) return mp_err_errno(e, MP_EIO, errno, "reading directory %s", dir);
  strv names = {0};
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (strv_add(&names, de->d_name)) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
  }
  closedir(d);
  if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
  for (size_t i = 0; rc == 0 && i < names.n; i++) {
    size_t len = strlen(dir) + strlen(names.v[i]) + 2;
    char *p = malloc(len);
    if (!p) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    snprintf(p, len, "%.*s/%s", (int)dl, dir, names.v[i]);
    struct stat st;
    if (lstat(p, &st) == 0) {
      if (S_ISDIR(st.st_mode)) rc = walk(p, out, e);
      else if (wanted_name(names.v[i]) && stat(p, &st) == 0 && S_ISREG(st.st_mode) && strv_add(out, p))
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    }
    free(p);
  }
  for (size_t i = 0; i < names.n; i++) free(names.v[i]);
  free(names.v);
  return rc;
}

/* --- work items ------------------------------------------------------------ */

typedef enum { SLOT_EMPTY, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE } slot_state;

typedef struct slot {
  slot_state state;
  size_t file;        /* index into the results */
  const char *path;
  uint8_t *data;      /* the piece; NULL when the reader failed (rc, msg set) */
  size_t len;
  int line;
  mp_index_doc **docs;
  size_t ndocs;
  int rc;
  char msg[MP_ERR_MSG_MAX];
  /* docs already written, freed by the worker that takes the slot next:
   * the writing thread is the one every record waits for, so it does
   * nothing it can leave to another */
  mp_index_doc **written;
  size_t nwritten;
} slot;

typedef struct pipeline {
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  slot *slots;
  size_t window;
  size_t next_submit, next_take, next_write;
  int stop;
  const mp_index_add_opts *o;
} pipeline;

static void docs_free(mp_index_doc **docs, size_t n) {
  for (size_t i = 0; i < n; i++) mp_index_doc_free(docs[i]);
  free(docs);
}

static void slot_clear(slot *s) {
  free(s->data);
  docs_free(s->docs, s->ndocs);
  docs_free(s->written, s->nwritten);
  memset(s, 0, sizeof *s);
}

/* After writing: the slot is free for the next piece, its docs wait for a
 * worker to free them. */
static void slot_retire(slot *s) {
  mp_index_doc **docs = s->docs;
  size_t n = s->ndocs;
  docs_free(s->written, s->nwritten); /* none: a slot is processed between two writes */
  free(s->data);
  memset(s, 0, sizeof *s);
  s->written = docs;
  s->nwritten = n;
}

/* Verifies one envelope; on success appends its doc. Returns 0 or an error
 * with the reason in e. */
static int verify_entry(const mp_index_add_opts *o, const mp_attest_entry *ent, slot *s, mp_err *e) {
  mp_jflat *st = NULL;
  mp_dsse_result res = {0};
  int rc = o->nkeys ? mp_attest_verify_flat(ent, o->keys, o->nkeys, 1, &st, &res, e)
                    : mp_err_set(e, MP_EVERIFY, "no trusted key given");
  const mp_key *const *by = res.by;
  size_t nby = 0;
  char why[MP_ERR_MSG_MAX] = "";
  if (rc == 0) {
    nby = res.nby; /* every trusted key that signed, not only the first one */
  } else if (rc == MP_EVERIFY && o->allow_unverified) {
    snprintf(why, sizeof why, "%s", e ? e->msg : "not verified");
    if (strcmp(ent->env->payload_type, MP_INTOTO_PAYLOAD_TYPE) != 0)
      return mp_err_set(e, MP_EVERIFY, "payloadType is \"%s\", expected %s", ent->env->payload_type,
                        MP_INTOTO_PAYLOAD_TYPE);
    /* recorded as unverified: parsed, checked, and flagged so */
    if ((rc = mp_statement_parse_flat(ent->env->payload, ent->env->payload_len, &st, e)))
      return mp_err_prefix(e, "unverified payload is not a valid statement");
  } else {
    return rc;
  }
  mp_index_doc *d = NULL;
  rc = mp_index_doc_build(ent->env, st, why[0] == '\0', why[0] ? why : NULL, by, nby, &d, e);
  if (rc) return rc;
  mp_index_doc **nd = realloc(s->docs, (s->ndocs + 1) * sizeof *nd);
  if (!nd) {
    mp_index_doc_free(d);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  s->docs = nd;
  s->docs[s->ndocs++] = d;
  return 0;
}

static void process(const mp_index_add_opts *o, slot *s) {
  if (!s->data) return; /* reader error already in s */
  mp_err e;
  mp_err_clear(&e);
  mp_attest_file *f = NULL;
  int rc = mp_attest_parse(s->path, s->data, s->len, &f, &e);
  for (size_t i = 0; rc == 0 && i < f->n; i++) {
    rc = verify_entry(o, &f->entries[i], s, &e);
    if (rc) {
      int line = s->line ? s->line : f->entries[i].line;
      if (line) mp_err_prefix(&e, "%s line %d", s->path, line);
      else if (f->n > 1) mp_err_prefix(&e, "%s envelope %zu", s->path, i + 1);
      else mp_err_prefix(&e, "%s", s->path);
    }
  }
  mp_attest_file_free(f);
  free(s->data);
  s->data = NULL;
  if (rc) {
    s->rc = rc;
    snprintf(s->msg, sizeof s->msg, "%s", e.msg);
  }
}

/* How much lower the verifying threads run than the writing thread. They
 * can only run a window ahead of it, so when cores are short the writer,
 * which every record waits for, should get one as soon as it is runnable:
 * with the three sharing two cores, 10,000 records went in 3.0 s instead of
 * 3.4 (the writer had waited ~0.7 s for a core). Linux sets a nice value a
 * thread (setpriority on its id); elsewhere the call fails and changes
 * nothing. */
#define VERIFIER_NICENESS 5

static void *worker(void *arg) {
  pipeline *p = arg;
  errno = 0;
  int niceness = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
  if (errno == 0 && niceness + VERIFIER_NICENESS <= 19)
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness + VERIFIER_NICENESS);
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->next_take == p->next_submit) pthread_cond_wait(&p->work, &p->mu);
    if (p->stop && p->next_take == p->next_submit) break;
    slot *s = &p->slots[p->next_take++ % p->window];
    s->state = SLOT_RUNNING;
    pthread_mutex_unlock(&p->mu);
    docs_free(s->written, s->nwritten);
    s->written = NULL;
    s->nwritten = 0;
    process(p->o, s);
    pthread_mutex_lock(&p->mu);
    s->state = SLOT_DONE;
    pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* --- writing ---------------------------------------------------------------- */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* An envelope indexed unverified and now verified: flag it and its signers. */
static int upgrade(mp_index *idx, const char *id, const mp_index_doc *d, mp_err *e) {
  const char *p1[1] = {id};
  mp_idb_rows *r = NULL;
  int rc = mp_index_q(idx, "UPDATE attestations SET verified = 1, verify_error = NULL WHERE id = CAST($1 AS BIGINT)", p1, 1, &r, e);
  if (rc == 0 && (rc = idx->ops->next(r, e)) > 0) rc = 0;
  idx->ops->rows_free(r);
  for (size_t i = 0; rc == 0 && i < d->nsigners; i++) {
    if (!d->signers[i].verified) continue;
    const char *p2[2] = {d->signers[i].keyid, id};
    static const char *const sql[2] = {
        "UPDATE signers SET verified = 1 WHERE keyid = $1 AND att_id = CAST($2 AS BIGINT)",
        "INSERT INTO signers (keyid, att_id, verified) SELECT $1, CAST($2 AS BIGINT), 1"
        " WHERE NOT EXISTS (SELECT 1 FROM signers WHERE keyid = $1 AND att_id = CAST($2 AS BIGINT))"};
    for (int k = 0; rc == 0 && k < 2; k++) {
      r = NULL;
      if ((rc = mp_index_q(idx, sql[k], p2, 2, &r, e)) == 0 && (rc = idx->ops->next(r, e)) > 0) rc = 0;
      idx->ops->rows_free(r);
    }
  }
  return rc;
}

static int write_doc(mp_index *idx, const mp_index_doc *d, const char *path, mp_index_file_result *fr,
                     mp_err *e) {
  int64_t stack[512];
  int64_t *ids = d->npkgs <= 512 ? stack : malloc(d->npkgs * sizeof *ids);
  if (!ids) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int64_t att = 0;
  int rc = mp_index_package_ids(idx, d->pkgs, d->npkgs, ids, e);
  if (rc == 0) rc = idx->ops->insert_doc(idx->db, d, path, &att, e);
  if (rc == 0) rc = mp_index_hold_postings(idx, att, ids, d->npkgs, e);
  if (ids != stack) free(ids);
  if (rc == 0) {
    fr->added++;
    if (!d->verified) fr->unverified++;
    return 0;
  }
  if (rc != MP_EEXISTS) return rc;
  /* already indexed: a no-op, unless it was unverified and now verifies */
  const char *p[1] = {d->env_sha256};
  mp_idb_rows *r = NULL;
  if ((rc = mp_index_q(idx, "SELECT id, verified FROM attestations WHERE envelope_sha256 = $1", p, 1, &r, e)))
    return rc;
  int found = idx->ops->next(r, e);
  char id[32] = "";
  int was_verified = 1;
  if (found == 1) {
    snprintf(id, sizeof id, "%s", idx->ops->col(r, 0));
    was_verified = atoi(idx->ops->col(r, 1));
  }
  idx->ops->rows_free(r);
  if (found < 0) return found;
  if (found == 0) return mp_err_set(e, MP_EINTERNAL, "attestation %s reported present but not found", d->env_sha256);
  if (!was_verified && d->verified) {
    if ((rc = upgrade(idx, id, d, e))) return rc;
    fr->upgraded++;
  } else {
    fr->present++;
  }
  return 0;
}

/* --- the run ---------------------------------------------------------------- */

#define BATCH_RECORDS 8192
#define BATCH_SECONDS 5.0

typedef struct run {
  mp_index *idx;
  const mp_index_add_opts *o;
  mp_index_add_result *res;
  pipeline p;
  strv files;
  size_t in_file;           /* file being read */
  mp_attest_reader *reader;
  size_t cur;               /* file being written (SIZE_MAX: none) */
  int in_tx;                /* a transaction is open: the batch's, or the current file's alone */
  int alone;                /* the current file has a transaction of its own */
  size_t batch_first;       /* the transaction's first file */
  size_t batch_records;
  double batch_start;
  size_t written_in_file;
} run;

/* Fills slot s with the next piece; 0 when the input is exhausted. */
static int next_piece(run *R, slot *s) {
  mp_index_file_result *res = R->res->files;
  while (R->in_file < R->files.n) {
    size_t f = R->in_file;
    mp_err e;
    mp_err_clear(&e);
    if (res[f].rc) { /* already failed (written side): skip the rest of it */
      mp_attest_reader_close(R->reader);
      R->reader = NULL;
      R->in_file++;
      continue;
    }
    if (!R->reader && mp_attest_reader_open(R->files.v[f], &R->reader, &e)) {
      s->file = f;
      s->path = R->files.v[f];
      s->rc = e.code;
      snprintf(s->msg, sizeof s->msg, "%s", e.msg);
      R->in_file++;
      return 1;
    }
    int got = mp_attest_reader_next(R->reader, &s->data, &s->len, &s->line, &e);
    if (got == 0) {
      mp_attest_reader_close(R->reader);
      R->reader = NULL;
      R->in_file++;
      continue;
    }
    s->file = f;
    s->path = R->files.v[f];
    if (got < 0) {
      s->rc = e.code;
      snprintf(s->msg, sizeof s->msg, "%s", e.msg);
      mp_attest_reader_close(R->reader);
      R->reader = NULL;
      R->in_file++;
    }
    return 1;
  }
  return 0;
}

static void file_failed(run *R, size_t f, int rc, const char *msg) {
  mp_index_file_result *fr = &R->res->files[f];
  if (fr->rc) return;
  fr->rc = rc;
  fr->error = strdup(msg);
}

/* The batch's transaction is gone: none of its files was written. */
static void batch_lost(run *R, size_t upto, const char *why) {
  char msg[MP_ERR_MSG_MAX + 32];
  snprintf(msg, sizeof msg, "not written: %s", why);
  for (size_t f = R->batch_first; f <= upto && f < R->res->nfiles; f++) {
    mp_index_file_result *fr = &R->res->files[f];
    fr->added = fr->present = fr->upgraded = fr->unverified = 0;
    file_failed(R, f, MP_EIO, msg);
  }
}

static int commit_batch(run *R, mp_err *e) {
  if (!R->in_tx) return 0;
  double t = now_s();
  int rc = mp_index_commit(R->idx, e);
  R->res->write_seconds += now_s() - t;
  R->in_tx = 0;
  if (rc) batch_lost(R, R->cur == (size_t)-1 ? R->res->nfiles : R->cur, e->msg);
  return rc;
}

/* Ends the current file. A file alone commits, or rolls back when it failed;
 * a batched one leaves the batch to commit when it is full (or last). */
static int finish_file(run *R, int last, mp_err *e) {
  int rc = 0;
  if (R->cur != (size_t)-1 && R->alone && R->in_tx) {
    mp_index_file_result *fr = &R->res->files[R->cur];
    if (fr->rc == 0) {
      rc = commit_batch(R, e);
    } else {
      mp_index_rollback(R->idx);
      R->in_tx = 0;
      fr->added = fr->present = fr->upgraded = fr->unverified = 0;
    }
  } else if (R->in_tx &&
             (last || R->batch_records >= BATCH_RECORDS || now_s() - R->batch_start >= BATCH_SECONDS)) {
    rc = commit_batch(R, e);
  }
  R->alone = 0;
  if (last) R->cur = (size_t)-1;
  return rc;
}

/* 1 when every piece of file f has been read and verified without error:
 * then nothing but the index can fail while it is written. Waits for the
 * pieces in flight; 0 when the reader is still in the file (more pieces
 * than the window holds) or a piece failed. */
static int file_ready(run *R, size_t f) {
  if (R->in_file <= f) return 0;
  pipeline *p = &R->p;
  int ok = 1;
  pthread_mutex_lock(&p->mu);
  for (size_t k = p->next_write; ok && k < p->next_submit; k++) {
    slot *s = &p->slots[k % p->window];
    if (s->file != f) break; /* pieces are in file order */
    while (s->state != SLOT_DONE) pthread_cond_wait(&p->done, &p->mu);
    ok = s->rc == 0;
  }
  pthread_mutex_unlock(&p->mu);
  return ok;
}

/* Writes one finished slot; non-zero only for a failure of the index. */
static int write_slot(run *R, slot *s, mp_err *e) {
  int new_file = s->file != R->cur;
  if (new_file) {
    int rc = finish_file(R, 0, e);
    if (rc) return rc;
    R->cur = s->file;
    R->written_in_file = 0;
  }
  mp_index_file_result *fr = &R->res->files[s->file];
  if (fr->rc) return 0;
  if (s->rc) {
    file_failed(R, s->file, s->rc, s->msg);
    return 0;
  }
  double t = now_s();
  int rc = 0;
  if (new_file && !file_ready(R, s->file)) { /* a transaction of its own */
    if ((rc = commit_batch(R, e))) goto out;
    R->alone = 1;
  }
  if (!R->in_tx) {
    if ((rc = mp_index_begin(R->idx, e))) goto out;
    R->in_tx = 1;
    R->batch_first = s->file;
    R->batch_records = 0;
    R->batch_start = t;
  }
  for (size_t i = 0; i < s->ndocs; i++) {
    if ((rc = write_doc(R->idx, s->docs[i], s->path, fr, e))) goto out;
    R->batch_records++;
    R->written_in_file++;
    if (R->o->on_record) R->o->on_record(R->o->ctx, s->path, R->written_in_file);
  }
out:
  R->res->write_seconds += now_s() - t;
  if (rc) file_failed(R, s->file, rc, e->msg);
  return rc;
}

static int pipeline_run(run *R, unsigned nthreads, mp_err *e) {
  pipeline *p = &R->p;
  pthread_t *th = calloc(nthreads, sizeof *th);
  p->window = 4 * (size_t)nthreads + 4;
  p->slots = calloc(p->window, sizeof *p->slots);
  if (!th || !p->slots || pthread_mutex_init(&p->mu, NULL) || pthread_cond_init(&p->work, NULL) ||
      pthread_cond_init(&p->done, NULL)) {
    free(th);
    free(p->slots);
    return mp_err_set(e, MP_ENOMEM, "out of memory starting the verifying threads");
  }
  unsigned started = 0;
  for (; started < nthreads; started++)
    if (pthread_create(&th[started], NULL, worker, p)) break;
  int rc = started ? 0 : mp_err_set(e, MP_EINTERNAL, "cannot start a verifying thread");
  int more = rc == 0;
  while (rc == 0) {
    pthread_mutex_lock(&p->mu);
    while (more && p->next_submit - p->next_write < p->window) {
      slot *s = &p->slots[p->next_submit % p->window];
      pthread_mutex_unlock(&p->mu);
      more = next_piece(R, s);
      pthread_mutex_lock(&p->mu);
      if (!more) break;
      s->state = SLOT_QUEUED;
      p->next_submit++;
      pthread_cond_signal(&p->work);
    }
    if (p->next_write == p->next_submit) {
      pthread_mutex_unlock(&p->mu);
      break;
    }
    slot *w = &p->slots[p->next_write % p->window];
    while (w->state != SLOT_DONE) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    rc = write_slot(R, w, e);
    slot_retire(w);
    pthread_mutex_lock(&p->mu);
    p->next_write++;
    pthread_mutex_unlock(&p->mu);
  }
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < started; i++) pthread_join(th[i], NULL);
  for (size_t i = 0; i < p->window; i++) slot_clear(&p->slots[i]);
  if (rc == 0) {
    rc = finish_file(R, 1, e);
  } else if (R->in_tx) {
    mp_index_rollback(R->idx);
    R->in_tx = 0;
    batch_lost(R, R->cur, e->msg);
  }
  free(th);
  free(p->slots);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->done);
  return rc;
}

int mp_index_add(mp_index *idx, const char *const *paths, size_t npaths, const mp_index_add_opts *o,
                 mp_index_add_result *res, mp_err *e) {
  memset(res, 0, sizeof *res);
  double t0 = now_s();
  run R = {.idx = idx, .o = o, .res = res, .cur = (size_t)-1, .p = {.o = o}};
  int rc = 0;
  /* files first: a directory that cannot be read, or holds no attestation
   * file, is reported like a file that failed (an empty result would hide a
   * wrong path) */
  strv why = {0};
  size_t *why_at = calloc(npaths ? npaths : 1, sizeof *why_at);
  if (!why_at) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < npaths; i++) {
    struct stat st;
    mp_err we;
    mp_err_clear(&we);
    if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      size_t before = R.files.n;
      int wrc = walk(paths[i], &R.files, &we);
      if (wrc == MP_ENOMEM) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      } else if (wrc || R.files.n == before) {
        why_at[why.n] = R.files.n;
        if (strv_add(&R.files, paths[i]) ||
            strv_add(&why, wrc ? we.msg : "no *.intoto.jsonl or *.intoto.json file in this directory"))
          rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      }
    } else if (strv_add(&R.files, paths[i])) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    }
  }
  if (rc == 0 && R.files.n && !(res->files = calloc(R.files.n, sizeof *res->files)))
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) {
    res->nfiles = R.files.n;
    for (size_t i = 0; i < R.files.n; i++) res->files[i].path = strdup(R.files.v[i]);
    for (size_t w = 0; w < why.n; w++) file_failed(&R, why_at[w], MP_EIO, why.v[w]);
    unsigned n = o->threads;
    if (n == 0) {
      long c = sysconf(_SC_NPROCESSORS_ONLN);
      n = c > 0 ? (unsigned)c : 1;
    }
    if (n > 64) n = 64;
    rc = pipeline_run(&R, n, e);
  }
  mp_attest_reader_close(R.reader);
  for (size_t i = 0; i < R.files.n; i++) free(R.files.v[i]);
  free(R.files.v);
  for (size_t i = 0; i < why.n; i++) free(why.v[i]);
  free(why.v);
  free(why_at);
  res->wall_seconds = now_s() - t0;
  return rc;
}

void mp_index_add_result_free(mp_index_add_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nfiles; i++) {
    free(r->files[i].path);
    free(r->files[i].error);
  }
  free(r->files);
  memset(r, 0, sizeof *r);
}
