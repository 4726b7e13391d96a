/* index_answer.c — a query's answer (index_rset.h) as JSON: the rows kept for
 * each record become its JSON object only when asked for, and
 * mp_index_answer_dump writes the whole answer one record at a time, so the
 * memory a large answer needs is its rows as text, not a tree of some fifty
 * allocations a record (on a VM, where touching fresh memory is a page fault,
 * the tree was a good part of a query's time).
 *
 * The dump is byte for byte what jansson's json_dump_callback writes for the
 * whole object (mp_index_query_run builds it): the frame — the top-level
 * object, the arrays of the lists — and each record's objects and arrays
 * are laid out here the way jansson's dump.c lays them out; jansson writes
 * every value that needs any encoding (a string with an escape or non-ASCII
 * byte, a real, a signed statement's sorted keys). Its dump of a string,
 * a character at a time, was half of printing a large answer; most strings
 * here are digests, URIs and names that JSON holds as they are
 * (tests/unit/test_index.c compares with jansson under every flag). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "index_rset.h"

#define NOVAL UINT32_MAX

/* --- the row store ------------------------------------------------------------ */

void mp_istore_free(mp_istore *s) {
  free(s->text);
  free(s->cells);
  memset(s, 0, sizeof *s);
}

int mp_istore_add(mp_istore *s, mp_irec *rec, int kind, const char *const *vals, int n) {
  size_t bytes = 0, len[32];
  if (n > 32) return MP_ELIMIT;
  for (int i = 0; i < n; i++) bytes += vals[i] ? (len[i] = strlen(vals[i]) + 1) : 0;
  if (s->tlen + bytes >= NOVAL || s->clen + 2 + (size_t)n >= NOVAL) return MP_ELIMIT;
  if (mp_index_reserve((void **)&s->text, &s->tcap, s->tlen + bytes, 1, 4096) ||
      mp_index_reserve((void **)&s->cells, &s->ccap, s->clen + 2 + (size_t)n, sizeof *s->cells, 4096))
    return MP_ENOMEM;
  uint32_t row = (uint32_t)s->clen + 1;
  uint32_t *c = s->cells + s->clen;
  c[0] = 0;
  c[1] = (uint32_t)n;
  for (int i = 0; i < n; i++) {
    if (!vals[i]) {
      c[2 + i] = NOVAL;
      continue;
    }
    memcpy(s->text + s->tlen, vals[i], len[i]);
    c[2 + i] = (uint32_t)s->tlen;
    s->tlen += len[i];
  }
  s->clen += 2 + (size_t)n;
  if (rec->last[kind]) s->cells[rec->last[kind] - 1] = row;
  else rec->first[kind] = row;
  rec->last[kind] = row;
  return 0;
}

uint32_t mp_istore_next(const mp_istore *s, uint32_t row) { return s->cells[row - 1]; }
int mp_istore_cols(const mp_istore *s, uint32_t row) { return (int)s->cells[row]; }

const char *mp_istore_val(const mp_istore *s, uint32_t row, int i) {
  if (i >= mp_istore_cols(s, row)) return NULL;
  uint32_t off = s->cells[row + 1 + (uint32_t)i];
  return off == NOVAL ? NULL : s->text + off;
}

/* --- records as JSON ------------------------------------------------------------- */

static const char *S(const char *s) { return s ? s : ""; }

static void set(json_t *o, const char *key, json_t *v) { json_object_set_new_nocheck(o, key, v); }

json_t *mp_index_digest_json(const char *stored) {
  if (!stored || !*stored) return json_null();
  if (strchr(stored, ':')) return json_string(stored);
  return json_sprintf("sha256:%s", stored);
}

static json_t *time_json(const char *us) {
  if (!us) return json_null();
  char buf[64];
  mp_index_time_format(strtoll(us, NULL, 10), buf, sizeof buf);
  return json_string(buf);
}

static json_t *bool_json(const char *v) { return json_boolean(atoi(S(v))); }

/* The envelope digest of record id, wherever in the answer it is. */
static const char *envelope_of(const mp_index_answer *a, int64_t id) {
  for (size_t l = 0; l < a->nlists; l++) {
    size_t p = mp_irset_find(&a->set[l], id);
    if (p != (size_t)-1 && a->set[l].v[p].first[MP_IK_ATT])
      return mp_istore_val(&a->store, a->set[l].v[p].first[MP_IK_ATT], 0);
  }
  return NULL;
}

/* value i of row, "" for NULL */
#define V(i) S(mp_istore_val(s, row, i))

/* Every object below is built with its keys in sorted order (strcmp, as
 * JSON_SORT_KEYS sorts them), so that a record can be written without
 * sorting (mp_index_answer_dump) and still come out as sorted. */
static json_t *match_json(const mp_index_answer *a, uint32_t row) {
  const mp_istore *s = &a->store;
  switch (a->kind) {
    case MP_IQ_DEPENDENCY:
      return json_pack("{s:s, s:s, s:s}", "name", V(1), "purl", V(0), "version", V(2));
    case MP_IQ_DATASET:
      return json_pack("{s:o, s:s, s:s}", "digest", mp_index_digest_json(mp_istore_val(s, row, 1)), "name", V(0),
                       "recordsMerkleRoot", V(2));
    default:
      return json_pack("{s:s, s:o}", "keyid", V(0), "verified", bool_json(mp_istore_val(s, row, 1)));
  }
}

static json_t *record_json(const mp_index_answer *a, size_t list, const mp_irec *r) {
  const mp_istore *s = &a->store;
  json_t *o = json_object();
  if (!o) return NULL;
  uint32_t att = r->first[MP_IK_ATT], row = att;
  if (att) set(o, "addedFrom", json_string(V(7)));
  if (r->first[MP_IK_BASE]) {
    json_t *bs = json_array();
    for (row = r->first[MP_IK_BASE]; row; row = mp_istore_next(s, row))
      json_array_append_new(bs, json_pack("{s:o, s:s, s:s, s:s}", "digest",
                                          mp_index_digest_json(mp_istore_val(s, row, 0)), "name", V(1),
                                          "provenance", V(3), "uri", V(2)));
    set(o, "baseModels", bs);
  }
  row = att;
  if (att) set(o, "builderId", json_string(V(3)));
  if (r->first[MP_IK_DATASET]) {
    json_t *ds = json_array();
    for (row = r->first[MP_IK_DATASET]; row; row = mp_istore_next(s, row)) {
      const char *n = mp_istore_val(s, row, 4);
      json_array_append_new(ds, json_pack("{s:o, s:s, s:o, s:s, s:s}", "digest",
                                          mp_index_digest_json(mp_istore_val(s, row, 2)), "name", V(0), "records",
                                          n ? json_integer(strtoll(n, NULL, 10)) : json_null(), "recordsMerkleRoot",
                                          V(3), "uri", V(1)));
    }
    set(o, "datasets", ds);
  }
  set(o, "depth", json_integer(r->depth));
  row = att;
  if (att) {
    set(o, "envelopeSha256", json_string(V(0)));
    set(o, "finishedOn", time_json(mp_istore_val(s, row, 6)));
    set(o, "invocationId", json_string(V(4)));
  }
  set(o, "match", json_string(r->depth ? "lineage" : "direct"));
  if (r->first[MP_IK_MATCH]) {
    json_t *m = json_array();
    for (row = r->first[MP_IK_MATCH]; row; row = mp_istore_next(s, row)) json_array_append_new(m, match_json(a, row));
    set(o, "matched", m);
  }
  row = att;
  if (att) set(o, "predicateType", json_string(V(8)));
  json_t *signers = json_array();
  for (row = r->first[MP_IK_SIGNER]; row; row = mp_istore_next(s, row)) {
    json_t *x = json_object();
    set(x, "keyid", json_string(V(0)));
    set(x, "verified", bool_json(mp_istore_val(s, row, 1)));
    json_array_append_new(signers, x);
  }
  set(o, "signers", signers);
  row = att;
  if (att && *V(9)) {
    json_t *src = json_object();
    set(src, "branch", json_string(V(12)));
    set(src, "commit", json_string(V(11)));
    if (mp_istore_val(s, row, 13)) set(src, "dirty", bool_json(mp_istore_val(s, row, 13)));
    set(src, "repository", json_string(V(10)));
    set(src, "uri", json_string(V(9)));
    set(o, "source", src);
  }
  if (att) set(o, "startedOn", time_json(mp_istore_val(s, row, 5)));
  if (r->statement) set(o, "statement", json_incref(r->statement));
  json_t *subjects = json_array();
  for (row = r->first[MP_IK_SUBJECT]; row; row = mp_istore_next(s, row)) {
    json_t *x = json_object();
    set(x, "digest", mp_index_digest_json(mp_istore_val(s, row, 1)));
    set(x, "name", json_string(V(0)));
    set(x, "role", json_string(V(2)));
    json_array_append_new(subjects, x);
  }
  set(o, "subjects", subjects);
  row = att;
  if (att) {
    set(o, "verified", bool_json(mp_istore_val(s, row, 1)));
    if (mp_istore_val(s, row, 2)) set(o, "verifyError", json_string(V(2)));
  }
  /* record ids are internal: the envelope digest names a record outside */
  if (r->via_base) {
    json_t *via = json_object();
    set(via, "baseDigest", mp_index_digest_json(r->via_base));
    if (r->via) {
      const char *env = envelope_of(a, r->via);
      set(via, a->peer[list], env ? json_string(env) : json_null());
    }
    set(o, "via", via);
  }
  return o;
}
#undef V

/* --- the answer ------------------------------------------------------------------ */

void mp_index_answer_free(mp_index_answer *a) {
  if (!a) return;
  json_decref(a->head);
  for (size_t l = 0; l < 3; l++) mp_irset_free(&a->set[l]);
  mp_istore_free(&a->store);
  free(a);
}

json_t *mp_index_answer_head(mp_index_answer *a) { return a->head; }
size_t mp_index_answer_nlists(const mp_index_answer *a) { return a->nlists; }

const char *mp_index_answer_list(const mp_index_answer *a, size_t list, size_t *nrecords) {
  if (list >= a->nlists) return NULL;
  if (nrecords) *nrecords = a->set[list].n;
  return a->name[list];
}

json_t *mp_index_answer_record(const mp_index_answer *a, size_t list, size_t i) {
  if (list >= a->nlists || i >= a->set[list].n) return NULL;
  return record_json(a, list, &a->set[list].v[i]);
}

json_t *mp_index_answer_json(const mp_index_answer *a) {
  json_t *out = json_deep_copy(a->head);
  for (size_t l = 0; out && l < a->nlists; l++) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < a->set[l].n; i++)
      if (json_array_append_new(arr, record_json(a, l, &a->set[l].v[i]))) json_decref(arr), arr = NULL;
    if (!arr || json_object_set_new(out, a->name[l], arr)) json_decref(out), out = NULL;
  }
  return out;
}

int mp_index_query_run(mp_index *idx, const mp_index_query *q, json_t **result, mp_err *e) {
  mp_index_answer *a = NULL;
  int rc = mp_index_query_answer(idx, q, &a, e);
  if (rc) return rc;
  json_t *out = mp_index_answer_json(a);
  mp_index_answer_free(a);
  if (!out) return mp_err_set(e, MP_ENOMEM, "out of memory");
  *result = out;
  return 0;
}

/* --- the dump ----------------------------------------------------------------------- */

typedef struct dumper {
  json_dump_callback_t cb;
  void *ctx;
  size_t flags;
  unsigned indent;  /* spaces a level (JSON_INDENT) */
  unsigned shift;   /* spaces to add after each newline of a nested value */
  int failed;
  char *scratch;    /* one value as jansson writes it */
  size_t scap;
  size_t len;
  char buf[1 << 16]; /* jansson writes token by token: passed on in blocks */
} dumper;

static int flush(dumper *d) {
  if (d->len && !d->failed && d->cb(d->buf, d->len, d->ctx)) d->failed = 1;
  d->len = 0;
  return d->failed ? -1 : 0;
}

static int out(dumper *d, const char *s, size_t n) {
  if (d->len + n > sizeof d->buf && flush(d)) return -1;
  if (n > sizeof d->buf) return d->cb(s, n, d->ctx) ? (d->failed = 1, -1) : 0;
  memcpy(d->buf + d->len, s, n);
  d->len += n;
  return 0;
}

/* jansson's dump_indent: a newline and depth levels of indentation, or with
 * no indentation, a space where one separates (not with JSON_COMPACT) */
static int newline(dumper *d, unsigned depth, int space) {
  static const char blanks[] = "                                ";
  if (d->indent) {
    if (out(d, "\n", 1)) return -1;
    for (size_t n = (size_t)depth * d->indent; n;) {
      size_t k = n < sizeof blanks - 1 ? n : sizeof blanks - 1;
      if (out(d, blanks, k)) return -1;
      n -= k;
    }
    return 0;
  }
  return space && !(d->flags & JSON_COMPACT) ? out(d, " ", 1) : 0;
}

/* A value jansson dumps at depth 0, placed at a deeper level: its line
 * breaks (the only raw newlines in JSON text) get the extra indentation. */
static int shifted(const char *buf, size_t size, void *data) {
  static const char blanks[] = "                                                                ";
  dumper *d = data;
  const char *end = buf + size;
  for (const char *nl; (nl = memchr(buf, '\n', (size_t)(end - buf))); buf = nl + 1) {
    if (out(d, buf, (size_t)(nl + 1 - buf))) return -1;
    for (unsigned n = d->shift; n;) {
      unsigned k = n < sizeof blanks - 1 ? n : (unsigned)sizeof blanks - 1;
      if (out(d, blanks, k)) return -1;
      n -= k;
    }
  }
  return buf < end ? out(d, buf, (size_t)(end - buf)) : 0;
}

/* v written by jansson into one buffer (cheaper than token by token), then
 * shifted into place */
static int value(dumper *d, json_t *v, unsigned depth, size_t flags) {
  d->shift = depth * d->indent;
  for (;;) {
    size_t n = json_dumpb(v, d->scratch, d->scap, flags | JSON_ENCODE_ANY);
    if (n == 0) return -1;
    if (n <= d->scap) return shifted(d->scratch, n, d);
    char *ns = realloc(d->scratch, n);
    if (!ns) return -1;
    d->scratch = ns;
    d->scap = n;
  }
}

/* A string JSON holds as it is (printable ASCII but '"' and '\\', and no '/'
 * when that is escaped), quoted; 1 when written so, 0 when it is not such a
 * string, -1 when the writer failed. */
static int plain(dumper *d, const char *s, size_t n) {
  if ((d->flags & JSON_ESCAPE_SLASH) || mp_json_plain_span(s, n) != n) return 0;
  return out(d, "\"", 1) || out(d, s, n) || out(d, "\"", 1) ? -1 : 1;
}

/* the key as jansson writes it: a JSON string */
static int key(dumper *d, const char *k) {
  int p = plain(d, k, strlen(k));
  if (p) return p < 0 ? -1 : out(d, d->flags & JSON_COMPACT ? ":" : ": ", d->flags & JSON_COMPACT ? 1 : 2);
  json_t *s = json_string(k);
  d->shift = 0;
  int rc = s ? json_dump_callback(s, shifted, d, d->flags | JSON_ENCODE_ANY) : -1;
  json_decref(s);
  if (rc == 0) rc = out(d, d->flags & JSON_COMPACT ? ":" : ": ", d->flags & JSON_COMPACT ? 1 : 2);
  return rc;
}

/* v at depth as jansson's do_dump writes it (flags without JSON_SORT_KEYS:
 * objects in their order). */
static int walk(dumper *d, json_t *v, unsigned depth) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      size_t n = json_object_size(v), i = 0;
      if (out(d, "{", 1)) return -1;
      if (n == 0) return out(d, "}", 1);
      if (newline(d, depth + 1, 0)) return -1;
      const char *k;
      json_t *m;
      json_object_foreach(v, k, m) {
        if (key(d, k) || walk(d, m, depth + 1)) return -1;
        if (++i < n ? out(d, ",", 1) || newline(d, depth + 1, 1) : newline(d, depth, 0)) return -1;
      }
      return out(d, "}", 1);
    }
    case JSON_ARRAY: {
      size_t n = json_array_size(v);
      if (out(d, "[", 1)) return -1;
      if (n == 0) return out(d, "]", 1);
      if (newline(d, depth + 1, 0)) return -1;
      for (size_t i = 0; i < n; i++) {
        if (walk(d, json_array_get(v, i), depth + 1)) return -1;
        if (i + 1 < n ? out(d, ",", 1) || newline(d, depth + 1, 1) : newline(d, depth, 0)) return -1;
      }
      return out(d, "]", 1);
    }
    case JSON_STRING: {
      int p = plain(d, json_string_value(v), json_string_length(v));
      if (p) return p < 0 ? -1 : 0;
      return value(d, v, depth, d->flags);
    }
    case JSON_INTEGER: {
      char buf[32];
      int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
      return out(d, buf, (size_t)n);
    }
    case JSON_TRUE: return out(d, "true", 4);
    case JSON_FALSE: return out(d, "false", 5);
    case JSON_NULL: return out(d, "null", 4);
    default: return value(d, v, depth, d->flags); /* a real */
  }
}

static int list(dumper *d, const mp_index_answer *a, size_t l) {
  const mp_irset *s = &a->set[l];
  if (out(d, "[", 1)) return -1;
  if (s->n == 0) return out(d, "]", 1);
  if (newline(d, 2, 0)) return -1;
  for (size_t i = 0; i < s->n; i++) {
    /* a record's keys are in order already, but for a signed statement's */
    json_t *r = record_json(a, l, &s->v[i]);
    int rc = !r ? -1 : s->v[i].statement ? value(d, r, 2, d->flags) : walk(d, r, 2);
    json_decref(r);
    if (rc) return -1;
    if (i + 1 < s->n ? out(d, ",", 1) || newline(d, 2, 1) : newline(d, 1, 0)) return -1;
  }
  return out(d, "]", 1);
}

typedef struct slot {
  const char *key;
  json_t *v;   /* a head value, or NULL: list l */
  size_t l;
} slot;

static int by_key(const void *x, const void *y) { return strcmp(((const slot *)x)->key, ((const slot *)y)->key); }

int mp_index_answer_dump(const mp_index_answer *a, json_dump_callback_t cb, void *ctx, size_t flags) {
  if (flags & JSON_EMBED) return -1; /* not needed, so not written */
  size_t n = json_object_size(a->head) + a->nlists, k = 0;
  dumper *d = malloc(sizeof *d);
  slot *v = malloc(n * sizeof *v);
  if (!v || !d) {
    free(v);
    free(d);
    return -1;
  }
  d->cb = cb, d->ctx = ctx, d->flags = flags, d->indent = (unsigned)(flags & 0x1F);
  d->shift = 0, d->failed = 0, d->len = 0, d->scratch = NULL, d->scap = 0;
  const char *name;
  json_t *val;
  json_object_foreach(a->head, name, val) v[k++] = (slot){name, val, 0};
  for (size_t l = 0; l < a->nlists; l++) v[k++] = (slot){a->name[l], NULL, l};
  if (flags & JSON_SORT_KEYS) qsort(v, n, sizeof *v, by_key);
  int rc = out(d, "{", 1) || newline(d, 1, 0);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = key(d, v[i].key);
    if (rc == 0) rc = v[i].v ? value(d, v[i].v, 1, flags) : list(d, a, v[i].l);
    if (rc == 0) rc = i + 1 < n ? out(d, ",", 1) || newline(d, 1, 1) : newline(d, 0, 0);
  }
  if (rc == 0) rc = out(d, "}", 1);
  if (flush(d)) rc = -1;
  free(v);
  free(d->scratch);
  free(d);
  return rc ? -1 : 0;
}
