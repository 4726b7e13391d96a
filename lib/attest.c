/* attest.c — see attest.h. */
#include "attest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attestation.pb-c.h"
#include "statement.pb-c.h"
#include "fileio.h"
#include "statement.h"

int mp_attest_sign(const json_t *statement, const mp_key *const *keys, size_t nkeys,
                   mp_dsse **out, mp_err *e) {
  if (nkeys == 0) return mp_err_set(e, MP_EUSAGE, "no signing key");
  int rc = mp_statement_check(statement, e);
  if (rc) return mp_err_prefix(e, "refusing to sign an invalid statement");
  size_t len = 0;
  char *payload = mp_json_canonical(statement, &len);
  if (!payload) return mp_err_set(e, MP_ENOMEM, "out of memory serializing statement");
  mp_dsse *d = NULL;
  uint8_t *pb = NULL;
  size_t pblen = 0;
  rc = mp_dsse_new(MP_INTOTO_PAYLOAD_TYPE, (const uint8_t *)payload, len, &d, e);
  free(payload);
  if (rc == 0 && (rc = mp_statement_to_pb(statement, &pb, &pblen, e)) == 0)
    rc = mp_dsse_new(MP_PB_STATEMENT_TYPE, pb, pblen, &d->companion, e);
  free(pb);
  for (size_t i = 0; rc == 0 && i < nkeys; i++)
    if ((rc = mp_dsse_sign(d, keys[i], e)) == 0) rc = mp_dsse_sign(d->companion, keys[i], e);
  if (rc) {
    mp_dsse_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

static char *concat(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s%s", a, b);
  return s;
}

int mp_attest_write(const mp_dsse *env, const char *base, int with_pb, mp_attest_paths *paths,
                    mp_err *e) {
  memset(paths, 0, sizeof *paths);
  paths->jsonl = concat(base, MP_ATTEST_JSONL_SUFFIX);
  paths->pb = with_pb ? concat(base, MP_ATTEST_PB_SUFFIX) : NULL;
  if (!paths->jsonl || (with_pb && !paths->pb)) return mp_err_set(e, MP_ENOMEM, "out of memory");
  char *json = NULL;
  size_t jlen = 0;
  int rc = mp_dsse_to_json(env, &json, &jlen, e);
  if (rc) return rc;
  if ((rc = mp_file_backup(paths->jsonl, 0, &paths->jsonl_backup, e))) goto out;
  const void *parts[2] = {json, "\n"};
  size_t lens[2] = {jlen, 1};
  if ((rc = mp_write_file_parts(paths->jsonl, parts, lens, 2, 0644, 0, e))) goto out;
  if (with_pb) {
    if (!env->companion) {
      rc = mp_err_set(e, MP_EUSAGE, "writing %s: the envelope has no protobuf twin (sign with mp_attest_sign)", paths->pb);
      goto out;
    }
    uint8_t *envpb = NULL, *twinpb = NULL;
    size_t envlen = 0, twinlen = 0;
    if ((rc = mp_dsse_to_pb(env, &envpb, &envlen, e)) || (rc = mp_dsse_to_pb(env->companion, &twinpb, &twinlen, e))) {
      free(envpb);
      goto out;
    }
    /* Attestation{envelope=1, statement_envelope=3}: both are serialized
     * messages already, so the wrapper is framed by hand (tag, length). */
    uint8_t head1[16], head3[16];
    size_t h1 = 0, h3 = 0;
    head1[h1++] = 0x0a; /* field 1, length-delimited */
    for (size_t v = envlen; ; v >>= 7) { head1[h1++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); if (v <= 0x7f) break; }
    head3[h3++] = 0x1a; /* field 3, length-delimited */
    for (size_t v = twinlen; ; v >>= 7) { head3[h3++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); if (v <= 0x7f) break; }
    const void *pparts[4] = {head1, envpb, head3, twinpb};
    size_t plens[4] = {h1, envlen, h3, twinlen};
    if ((rc = mp_file_backup(paths->pb, 0, &paths->pb_backup, e)) == 0)
      rc = mp_write_file_parts(paths->pb, pparts, plens, 4, 0644, 0, e);
    free(envpb);
    free(twinpb);
  }
out:
  free(json);
  return rc;
}

void mp_attest_paths_free(mp_attest_paths *p) {
  free(p->jsonl);
  free(p->pb);
  free(p->jsonl_backup);
  free(p->pb_backup);
  memset(p, 0, sizeof *p);
}

static int add_entry(mp_attest_file *f, mp_dsse *env, int line, mp_err *e) {
  mp_attest_entry *ne = realloc(f->entries, (f->n + 1) * sizeof *ne);
  if (!ne) {
    mp_dsse_free(env);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  f->entries = ne;
  memset(&ne[f->n], 0, sizeof *ne);
  ne[f->n].env = env;
  ne[f->n].line = line;
  f->n++;
  return 0;
}

/* One JSON value: an envelope or a Sigstore bundle. */
static int parse_json_value(const char *what, json_t *v, mp_attest_file *f, int line, mp_err *e) {
  json_t *inner = json_is_object(v) ? json_object_get(v, "dsseEnvelope") : NULL;
  mp_dsse *env = NULL;
  int rc = mp_dsse_from_json_value(inner ? inner : v, &env, e);
  if (rc) {
    if (line) return mp_err_prefix(e, "%s line %d", what, line);
    return mp_err_prefix(e, "%s", what);
  }
  return add_entry(f, env, line, e);
}

/* The next line of data from *pos that is not blank: [*a, *end) without its
 * leading blanks, its number counted in *line; 0 at the end of data. */
static int next_line(const uint8_t *data, size_t len, size_t *pos, int *line, size_t *a, size_t *end) {
  while (*pos < len) {
    const uint8_t *nl = memchr(data + *pos, '\n', len - *pos);
    size_t s = *pos, e = nl ? (size_t)(nl - data) : len;
    (*line)++;
    *pos = e + 1;
    while (s < e && (data[s] == ' ' || data[s] == '\r' || data[s] == '\t')) s++;
    if (s < e) {
      *a = s;
      *end = e;
      return 1;
    }
  }
  return 0;
}

/* The fast path for what mlprov writes and most tools read back: one
 * compact envelope per line (mp_dsse_from_compact_json). 1 when every
 * non-empty line is one, with the entries added (line numbers as the general
 * path gives them: 0 for a single envelope); 0 when some line is not, with
 * nothing added; -1 when out of memory. */
static int parse_compact_lines(const uint8_t *data, size_t len, mp_attest_file *f) {
  int line = 0, nonempty = 0;
  size_t pos = 0, a, end;
  while (next_line(data, len, &pos, &line, &a, &end)) {
    mp_dsse *env = NULL;
    int r = data[a] == '{' ? mp_dsse_from_compact_json((const char *)data + a, end - a, &env) : 0;
    if (r > 0 && add_entry(f, env, line, NULL) != 0) r = -1; /* add_entry freed env */
    if (r <= 0) {
      for (size_t i = 0; i < f->n; i++) mp_dsse_free(f->entries[i].env);
      free(f->entries);
      f->entries = NULL;
      f->n = 0;
      return r;
    }
    nonempty++;
  }
  if (nonempty == 1) f->entries[0].line = 0;
  return nonempty > 0;
}

int mp_attest_parse(const char *what, const uint8_t *data, size_t len, mp_attest_file **out,
                    mp_err *e) {
  mp_attest_file *f = calloc(1, sizeof *f);
  if (!f) return mp_err_set(e, MP_ENOMEM, "out of memory");
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
  int rc = 0, fast = 0;
  if (i == len) {
    rc = mp_err_set(e, MP_EPARSE, "%s: empty file", what);
  } else if (data[i] == '{' && (fast = parse_compact_lines(data, len, f)) != 0) {
    /* every line was an envelope in the form mlprov writes */
    if (fast < 0) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  } else if (data[i] == '{') {
    /* a single JSON document (possibly pretty-printed), else JSON Lines */
    json_error_t je;
    json_t *v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (v) {
      rc = parse_json_value(what, v, f, 0, e);
      json_decref(v);
    } else {
      int line = 0;
      size_t pos = 0, a, end;
      while (rc == 0 && next_line(data, len, &pos, &line, &a, &end)) {
        json_t *lv = json_loadb((const char *)data + a, end - a, JSON_REJECT_DUPLICATES, &je);
        if (!lv) rc = mp_err_set(e, MP_EPARSE, "%s line %d: invalid JSON: %s", what, line, je.text);
        else {
          rc = parse_json_value(what, lv, f, line, e);
          json_decref(lv);
        }
      }
    }
  } else {
    /* Attestation{envelope=1, statement_envelope=3}, read field by field so
     * the envelopes are decoded straight from the file's bytes (no copy of
     * the megabyte payloads through an intermediate message). */
    const uint8_t *env_bytes = NULL, *twin_bytes = NULL;
    size_t env_len = 0, twin_len = 0;
    size_t pos = 0;
    while (rc == 0 && pos < len) {
      uint64_t tag = 0, n = 0;
      int shift = 0;
      while (pos < len && shift < 64) {
        tag |= (uint64_t)(data[pos] & 0x7f) << shift;
        shift += 7;
        if (!(data[pos++] & 0x80)) break;
      }
      unsigned wire = (unsigned)(tag & 7);
      uint64_t field = tag >> 3;
      if (wire != 2) { /* only length-delimited fields are defined; skip others honestly */
        if (wire == 0) {
          while (pos < len && (data[pos++] & 0x80)) {}
          continue;
        }
        if (wire == 1 || wire == 5) {
          pos += wire == 1 ? 8 : 4;
          continue;
        }
        rc = mp_err_set(e, MP_EPARSE, "%s: neither a JSON envelope nor an mlprov protobuf attestation", what);
        break;
      }
      shift = 0;
      while (pos < len && shift < 64) {
        n |= (uint64_t)(data[pos] & 0x7f) << shift;
        shift += 7;
        if (!(data[pos++] & 0x80)) break;
      }
      if (n > len - pos) {
        rc = mp_err_set(e, MP_EPARSE, "%s: truncated protobuf attestation", what);
        break;
      }
      if (field == 1) env_bytes = data + pos, env_len = (size_t)n;
      else if (field == 3) twin_bytes = data + pos, twin_len = (size_t)n;
      pos += (size_t)n;
    }
    if (rc == 0 && !env_bytes)
      rc = mp_err_set(e, MP_EPARSE, "%s: neither a JSON envelope nor an mlprov protobuf attestation", what);
    mp_dsse *env = NULL;
    if (rc == 0) rc = mp_dsse_from_pb(env_bytes, env_len, &env, e);
    if (rc == 0 && twin_bytes) rc = mp_dsse_from_pb(twin_bytes, twin_len, &env->companion, e);
    if (rc == 0) rc = add_entry(f, env, 0, e);
    else mp_dsse_free(env);
  }
  if (rc == 0 && f->n == 0) rc = mp_err_set(e, MP_EPARSE, "%s: no envelope found", what);
  if (rc) {
    mp_attest_file_free(f);
    return rc;
  }
  *out = f;
  return 0;
}

int mp_attest_load(const char *path, mp_attest_file **out, mp_err *e) {
  mp_file_buf fb;
  int rc = mp_file_buf_read(path, MP_ENVELOPE_MAX, &fb, e);
  if (rc) return mp_err_prefix(e, "reading provenance");
  rc = mp_attest_parse(path, fb.data, fb.len, out, e);
  mp_file_buf_free(&fb);
  return rc;
}

void mp_attest_file_free(mp_attest_file *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) {
    mp_dsse_free(f->entries[i].env);
  }
  free(f->entries);
  free(f);
}

static int verify_envelope(const mp_dsse *env, const mp_key *const *keys, size_t nkeys, size_t min_sigs,
                           mp_dsse_result *res, mp_err *e) {
  if (strcmp(env->payload_type, MP_INTOTO_PAYLOAD_TYPE) != 0)
    return mp_err_set(e, MP_EVERIFY, "payloadType is \"%s\", expected %s", env->payload_type,
                      MP_INTOTO_PAYLOAD_TYPE);
  return mp_dsse_verify(env, keys, nkeys, min_sigs, res, e);
}

/* signed but malformed: the signer vouched for garbage; still refuse */
static int refuse_payload(int rc, mp_err *e) {
  if (!e) return MP_EVERIFY;
  if (rc == MP_ENOMEM) return rc;
  char why[MP_ERR_MSG_MAX];
  memcpy(why, e->msg, sizeof why);
  return mp_err_set(e, MP_EVERIFY, "signed payload is not a valid statement: %.900s", why);
}

/* The protobuf twin of a .pb entry: signed by the same keys, and the same
 * Statement as the checked JSON one. */
static int twin_matches(const mp_dsse *twin, const json_t *st, const mp_key *const *keys, size_t nkeys,
                        size_t min_sigs, mp_err *e) {
  uint8_t *mine = NULL;
  size_t mlen = 0;
  int rc;
  if (strcmp(twin->payload_type, MP_PB_STATEMENT_TYPE) != 0)
    rc = mp_err_set(e, MP_EVERIFY, "protobuf statement: payloadType is \"%s\", expected %s", twin->payload_type,
                    MP_PB_STATEMENT_TYPE);
  else if ((rc = mp_dsse_verify(twin, keys, nkeys, min_sigs, NULL, e)) != 0)
    mp_err_prefix(e, "protobuf statement");
  else if ((rc = mp_statement_to_pb(st, &mine, &mlen, e)) == 0 &&
           (mlen != twin->payload_len || memcmp(mine, twin->payload, mlen) != 0))
    rc = mp_err_set(e, MP_EVERIFY, "protobuf statement differs from the signed JSON payload");
  free(mine);
  return rc;
}

int mp_attest_verify(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                     size_t min_sigs, json_t **statement, mp_dsse_result *res, mp_err *e) {
  const mp_dsse *env = ent->env;
  int rc = verify_envelope(env, keys, nkeys, min_sigs, res, e);
  if (rc) return rc;
  json_t *st = NULL;
  if ((rc = mp_statement_parse(env->payload, env->payload_len, &st, e))) return refuse_payload(rc, e);
  if (env->companion && (rc = twin_matches(env->companion, st, keys, nkeys, min_sigs, e))) {
    json_decref(st);
    return rc;
  }
  *statement = st;
  return 0;
}

int mp_attest_verify_flat(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                          size_t min_sigs, mp_jflat **statement, mp_dsse_result *res, mp_err *e) {
  const mp_dsse *env = ent->env;
  int rc = verify_envelope(env, keys, nkeys, min_sigs, res, e);
  if (rc) return rc;
  mp_jflat *st = NULL;
  if ((rc = mp_statement_parse_flat(env->payload, env->payload_len, &st, e))) return refuse_payload(rc, e);
  if (env->companion) {
    json_t *j = NULL;
    if ((rc = mp_json_parse("statement", env->payload, env->payload_len, &j, e)) == 0)
      rc = twin_matches(env->companion, j, keys, nkeys, min_sigs, e);
    json_decref(j);
    if (rc) {
      mp_jflat_free(st);
      return rc;
    }
  }
  *statement = st;
  return 0;
}

int mp_attest_verify_pb(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                        size_t min_sigs, mp_pb_doc **statement, mp_dsse_result *res, mp_err *e) {
  const mp_dsse *twin = ent->env->companion;
  if (!twin) {
    json_t *st = NULL;
    int rc = mp_attest_verify(ent, keys, nkeys, min_sigs, &st, res, e);
    if (rc) return rc;
    uint8_t *pb = NULL;
    size_t len = 0;
    rc = mp_statement_to_pb(st, &pb, &len, e);
    json_decref(st);
    if (rc) return rc;
    mp_pb_doc *doc = mp_pb_doc_unpack(pb, len);
    free(pb);
    if (!doc) return mp_err_set(e, MP_ENOMEM, "decoding the statement: out of memory");
    *statement = doc;
    return 0;
  }
  if (strcmp(twin->payload_type, MP_PB_STATEMENT_TYPE) != 0)
    return mp_err_set(e, MP_EVERIFY, "protobuf statement: payloadType is \"%s\", expected %s", twin->payload_type,
                      MP_PB_STATEMENT_TYPE);
  int rc = mp_dsse_verify(twin, keys, nkeys, min_sigs, res, e);
  if (rc) return rc;
  mp_pb_doc *doc = mp_pb_doc_unpack(twin->payload, twin->payload_len);
  if (!doc) return mp_err_set(e, MP_EVERIFY, "signed protobuf payload is not an in-toto Statement");
  const mp_pb_statement *s = mp_pb_doc_statement(doc);
  if (!s->type || strcmp(s->type, MP_STATEMENT_TYPE) != 0 || s->n_subject == 0 || !s->predicate_type) {
    mp_pb_doc_free(doc);
    return mp_err_set(e, MP_EVERIFY, "signed protobuf payload is not an in-toto Statement v1 with subjects");
  }
  *statement = doc;
  return 0;
}

/* --- piecewise reading -------------------------------------------------------- */

/* A file of up to WHOLE_MAX bytes (every file `mlprov run` writes) is read
 * at once, in one system call, and its pieces are cut from that buffer (a
 * file of one envelope is handed over whole, not copied); a larger one (an
 * export) is read line by line. */
#define WHOLE_MAX ((off_t)16 << 20)

struct mp_attest_reader {
  FILE *f;
  char *path;
  int jsonl;     /* 1: line by line; 0: whole file, not yet returned; -1: done */
  int line;
  char *pending; /* first line, already read while detecting */
  size_t pending_len;
  uint8_t *whole; /* the file, when read at once (f is then NULL) */
  size_t whole_len, off;
};

/* True when text holds exactly one JSON object: braces and brackets balance
 * (outside strings) back to zero at its last non-blank character. A lexical
 * check only; the piece is parsed properly by mp_attest_parse. */
static int one_json_object(const char *s, size_t n) {
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  if (i == n || s[i] != '{') return 0;
  int depth = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (c == '"') { /* to the closing quote: the next one after an even run of backslashes */
      size_t from = i + 1;
      for (;;) {
        const char *q = memchr(s + from, '"', n - from);
        if (!q) return 0;
        size_t k = (size_t)(q - s), bs = 0;
        while (k - bs > i + 1 && s[k - bs - 1] == '\\') bs++;
        from = k + 1;
        if (bs % 2 == 0) break;
      }
      i = from - 1;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i == n - 1;
    }
  }
  return 0;
}

int mp_attest_reader_open(const char *path, mp_attest_reader **out, mp_err *e) {
  mp_attest_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= WHOLE_MAX) {
    int rc = mp_read_file(path, MP_ENVELOPE_MAX, &r->whole, &r->whole_len, e);
    if (rc) {
      mp_attest_reader_close(r);
      return mp_err_prefix(e, "reading provenance");
    }
    const uint8_t *nl = memchr(r->whole, '\n', r->whole_len);
    size_t first = nl ? (size_t)(nl - r->whole) + 1 : r->whole_len;
    r->jsonl = first > 0 && one_json_object((const char *)r->whole, first);
    *out = r;
    return 0;
  }
  if (!(r->f = fopen(path, "re"))) {
    int rc = mp_err_errno(e, MP_EIO, errno, "reading provenance %s", path);
    mp_attest_reader_close(r);
    return rc;
  }
  size_t cap = 0;
  ssize_t n = getline(&r->pending, &cap, r->f);
  if (n > 0 && one_json_object(r->pending, (size_t)n)) {
    r->jsonl = 1;
    r->pending_len = (size_t)n;
    r->line = 1;
  } else {
    free(r->pending);
    r->pending = NULL;
    if (ferror(r->f)) {
      int rc = mp_err_errno(e, MP_EIO, errno, "reading provenance %s", path);
      mp_attest_reader_close(r);
      return rc;
    }
  }
  *out = r;
  return 0;
}

/* The next non-blank line of a file read at once. */
static int whole_next(mp_attest_reader *r, uint8_t **data, size_t *len, int *line, mp_err *e) {
  if (r->jsonl == 0) { /* one JSON document: the file */
    r->jsonl = -1;
    *data = r->whole;
    *len = r->whole_len;
    *line = 0;
    r->whole = NULL;
    return 1;
  }
  size_t from = r->off, a, end, pos, a2, end2;
  if (!next_line(r->whole, r->whole_len, &r->off, &r->line, &a, &end)) {
    r->jsonl = -1;
    return 0;
  }
  *line = r->line;
  int later = r->line;
  pos = r->off;
  if (from == 0 && !next_line(r->whole, r->whole_len, &pos, &later, &a2, &end2)) {
    /* the file's one envelope: the buffer itself, cut after it */
    *data = r->whole;
    *len = end;
    r->whole[end] = '\0'; /* its line end, or the terminator */
    r->whole = NULL;
    r->jsonl = -1;
    return 1;
  }
  *len = end - a;
  if (!(*data = malloc(*len + 1))) return mp_err_set(e, MP_ENOMEM, "out of memory");
  memcpy(*data, r->whole + a, *len);
  (*data)[*len] = '\0';
  return 1;
}

int mp_attest_reader_next(mp_attest_reader *r, uint8_t **data, size_t *len, int *line, mp_err *e) {
  if (r->jsonl == -1) return 0;
  if (!r->f) return whole_next(r, data, len, line, e);
  if (r->jsonl == 0) {
    r->jsonl = -1;
    *line = 0;
    int rc = mp_read_file(r->path, MP_ENVELOPE_MAX, data, len, e);
    return rc ? mp_err_prefix(e, "reading provenance") : 1;
  }
  for (;;) {
    if (r->pending) {
      *data = (uint8_t *)r->pending;
      *len = r->pending_len;
      *line = r->line;
      r->pending = NULL;
      return 1;
    }
    char *buf = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&buf, &cap, r->f);
    if (n < 0) {
      free(buf);
      if (ferror(r->f)) return mp_err_errno(e, MP_EIO, errno ? errno : EIO, "reading provenance %s", r->path);
      r->jsonl = -1;
      return 0;
    }
    r->line++;
    if ((size_t)n > MP_ENVELOPE_MAX) {
      free(buf);
      return mp_err_set(e, MP_ELIMIT, "%s line %d: longer than %u bytes", r->path, r->line, MP_ENVELOPE_MAX);
    }
    size_t a = 0;
    while (a < (size_t)n && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r' || buf[a] == '\n')) a++;
    if (a == (size_t)n) {
      free(buf);
      continue;
    }
    r->pending = buf;
    r->pending_len = (size_t)n;
  }
}

void mp_attest_reader_close(mp_attest_reader *r) {
  if (!r) return;
  if (r->f) fclose(r->f);
  free(r->whole);
  free(r->pending);
  free(r->path);
  free(r);
}
