/* ingest.c — see ingest.h. Redaction walks the decoded protobuf-c message
 * through its descriptors, so a string field added to event.proto later is
 * redacted without touching this file. Replaced strings are malloc'd, the
 * allocator protobuf-c's free_unpacked uses by default. */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "merkle.h"
#include "filebatch.h"
#include "redact.h"
#include "varint.h"

/* Replaces *slot by repl (taking it) when they differ; frees repl otherwise. */
static void swap_string(char **slot, char *repl, int *changed) {
  if (!repl) return;
  if (*slot && strcmp(*slot, repl) == 0) {
    free(repl);
    return;
  }
  free(*slot); /* non-empty (a redaction changed it), so allocated by unpack */
  *slot = repl;
  *changed = 1;
}

static void redact_string(char **slot, int *changed) {
  if (!*slot || !**slot || !mp_redact_value_changes(*slot)) return; /* most strings: no copy */
  int ch = 0;
  char *r = mp_redact_value(*slot, &ch);
  if (ch) swap_string(slot, r, changed);
  else free(r);
}

/* Redacts every string of m and of the messages it holds. */
static void redact_message(ProtobufCMessage *m, int depth, int *changed) {
  if (!m || depth > 16) return;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  char *base = (char *)m;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)(base + f->quantifier_offset) != f->id) continue;
    }
    if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      void **arr = *(void ***)(base + f->offset);
      for (size_t k = 0; k < n; k++) {
        if (f->type == PROTOBUF_C_TYPE_STRING) redact_string((char **)&arr[k], changed);
        else redact_message(arr[k], depth + 1, changed);
      }
    } else if (f->type == PROTOBUF_C_TYPE_STRING) {
      redact_string((char **)(base + f->offset), changed);
    } else {
      redact_message(*(ProtobufCMessage **)(base + f->offset), depth + 1, changed);
    }
  }
}

/* visit(m), then the same for each message m holds, until one answers
 * non-zero: that answer, else 0. */
static int each_message(ProtobufCMessage *m, int depth, int (*visit)(ProtobufCMessage *)) {
  if (!m || depth > 16) return 0;
  int rc = visit(m);
  const ProtobufCMessageDescriptor *d = m->descriptor;
  char *base = (char *)m;
  for (unsigned i = 0; rc == 0 && i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)(base + f->quantifier_offset) != f->id)
      continue;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      ProtobufCMessage **arr = *(ProtobufCMessage ***)(base + f->offset);
      for (size_t k = 0; k < n && rc == 0; k++) rc = each_message(arr[k], depth + 1, visit);
    } else {
      rc = each_message(*(ProtobufCMessage **)(base + f->offset), depth + 1, visit);
    }
  }
  return rc;
}

/* Whether an unknown field looks like it holds a credential is decided on
 * its own bytes, not the frame's: the verdict then depends only on what a
 * re-encoding keeps, so ingesting the journaled bytes again reaches the same
 * one (a scan of the whole frame read other neighbours once fields moved). */
static int has_secret_field(ProtobufCMessage *m) {
  for (unsigned k = 0; k < m->n_unknown_fields; k++)
    if (mp_redact_bytes_have_secret(m->unknown_fields[k].data, m->unknown_fields[k].len)) return 1;
  return 0;
}

/* Field number 0 is not protobuf. protobuf-c refuses it in a one-byte tag
 * but keeps it, as an unknown field, from a longer tag — whose re-encoding
 * in one byte it would then refuse. */
static int has_invalid_field(ProtobufCMessage *m) {
  for (unsigned k = 0; k < m->n_unknown_fields; k++)
    if (m->unknown_fields[k].tag == 0) return 1;
  return 0;
}

static int drop_unknown_fields(ProtobufCMessage *m) {
  for (unsigned k = 0; k < m->n_unknown_fields; k++) free(m->unknown_fields[k].data);
  free(m->unknown_fields);
  m->unknown_fields = NULL;
  m->n_unknown_fields = 0;
  return 0;
}

/* The bytes to journal and keep for a decoded (and redacted) message m that
 * came as frame: the frame itself when it is exactly m's encoding, else m
 * re-encoded into *owned. protobuf-c keeps a string only up to an embedded
 * NUL and a field sent twice only once, so a frame that is not m's encoding
 * may carry bytes redaction never saw; its canonical encoding carries only
 * what was checked, and is its own encoding when ingested again. The size
 * alone does not settle it (a short negative enum grows by as much as a cut
 * string shrinks), so a frame of the right size is compared byte for byte. */
static int canonical_bytes(const ProtobufCMessage *m, int redacted, const uint8_t *frame, size_t len,
                           const uint8_t **bytes, size_t *blen, uint8_t **owned) {
  *owned = NULL;
  *bytes = frame;
  *blen = len;
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t small[512], *buf = small;
  if (n > sizeof small || redacted || n != len) {
    buf = malloc(n ? n : 1);
    if (!buf) return -1;
  }
  protobuf_c_message_pack(m, buf);
  if (!redacted && n == len && memcmp(buf, frame, len) == 0) {
    if (buf != small) free(buf);
    return 0;
  }
  if (buf == small) {
    buf = malloc(n ? n : 1);
    if (!buf) return -1;
    memcpy(buf, small, n);
  }
  *owned = buf;
  *bytes = buf;
  *blen = n;
  return 0;
}

/* A parameter's value is JSON text or a plain string: judged by its key,
 * then (JSON objects and arrays) member by member. */
static void redact_parameter(Mlprov__Event__V1__Parameter *p, int *changed) {
  if (!p->value || !*p->value) return;
  if (mp_redact_name_is_secret(p->key)) {
    swap_string(&p->value, strdup(MP_REDACTED), changed);
    return;
  }
  json_error_t je;
  json_t *v = json_loads(p->value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
  if (v && (json_is_object(v) || json_is_array(v))) {
    json_t *r = mp_redact_json(v, NULL);
    if (r && !json_equal(v, r))
      swap_string(&p->value, json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)), changed);
    json_decref(r);
  }
  json_decref(v);
}

static void redact_exec(Mlprov__Event__V1__Exec *x, int *changed) {
  if (!x->n_argv) return;
  const char **args = calloc(x->n_argv + 1, sizeof *args);
  if (!args) return;
  for (size_t i = 0; i < x->n_argv; i++) args[i] = x->argv[i] ? x->argv[i] : "";
  char **red = mp_redact_argv(args);
  free(args);
  if (!red) return;
  for (size_t i = 0; i < x->n_argv; i++) {
    if (x->argv[i] && *x->argv[i]) swap_string(&x->argv[i], red[i], changed);
    else free(red[i]);
    red[i] = NULL;
  }
  free(red);
}

/* A record's data becomes its leaf hash: the Merkle root is unchanged and
 * neither the journal nor memory keeps dataset contents. */
static int record_to_leaf(Mlprov__Event__V1__Record *rec) {
  if (rec->data.len == 0 && !rec->data.data) return 0;
  if (rec->leaf_hash.len == 0) { /* a given leaf hash wins, as in record.c */
    uint8_t *leaf = malloc(MP_SHA256_LEN);
    if (!leaf) return -1;
    mp_merkle_leaf_hash(rec->data.data, rec->data.len, leaf);
    free(rec->leaf_hash.data);
    rec->leaf_hash.data = leaf;
    rec->leaf_hash.len = MP_SHA256_LEN;
  }
  free(rec->data.data);
  rec->data.data = NULL;
  rec->data.len = 0;
  return 1;
}

/* A FileBatch's paths are bytes, which redact_message does not read: each
 * path is checked whole (a secret may span the part shared with the path
 * before), and when one changes the batch is written again from the
 * redacted paths. -1: the paths are not a valid batch; -2: out of memory. */
static int redact_batch(Mlprov__Event__V1__FileBatch *fb, int *changed) {
  mp_filebatch_iter it;
  mp_filebatch_begin(&it, fb->paths.data, fb->paths.len);
  int rc, any = 0;
  while (!any && (rc = mp_filebatch_next(&it)) == 1) {
    if (!mp_redact_text_changes(it.path, it.len)) continue;
    char *r = mp_redact_value(it.path, NULL); /* an already redacted path matches, unchanged */
    any = !r || strcmp(r, it.path) != 0;
    free(r);
  }
  while (rc == 1) rc = mp_filebatch_next(&it); /* the rest must be valid too */
  if (rc < 0 || !any) return rc < 0 ? -1 : 0;
  mp_filebatch_buf b;
  b.data = NULL;
  b.len = b.cap = b.prev_len = 0;
  mp_filebatch_begin(&it, fb->paths.data, fb->paths.len);
  while (mp_filebatch_next(&it) == 1) {
    char *r = mp_redact_value(it.path, NULL);
    size_t n = r ? strlen(r) : 0;
    if (n > MP_FILEBATCH_PATH_MAX) n = MP_FILEBATCH_PATH_MAX; /* grown by the marker: the secret is gone already */
    int put = r ? mp_filebatch_put(&b, it.written, r, n) : -1;
    free(r);
    if (put != 0) {
      mp_filebatch_buf_free(&b);
      return -2;
    }
  }
  free(fb->paths.data);
  fb->paths.data = b.data; /* protobuf-c frees it with free() */
  fb->paths.len = b.len;
  *changed = 1;
  return 0;
}

int mp_ingest_event(const uint8_t *frame, size_t len, mp_ingest *in, mp_err *e) {
  memset(in, 0, sizeof *in);
  Mlprov__Event__V1__Event *ev = mlprov__event__v1__event__unpack(NULL, len, frame);
  if (ev && each_message(&ev->base, 0, has_invalid_field)) {
    mlprov__event__v1__event__free_unpacked(ev, NULL);
    ev = NULL;
  }
  if (!ev) return mp_err_set(e, MP_EPARSE, "undecodable event frame of %zu bytes", len);
  int changed = 0;
  unsigned flags = 0;
  switch (ev->kind_case) {
    case MLPROV__EVENT__V1__EVENT__KIND_PARAMETER: redact_parameter(ev->parameter, &changed); break;
    case MLPROV__EVENT__V1__EVENT__KIND_ANNOTATION:
      if (mp_redact_name_is_secret(ev->annotation->key) && ev->annotation->text && *ev->annotation->text)
        swap_string(&ev->annotation->text, strdup(MP_REDACTED), &changed);
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_EXEC: redact_exec(ev->exec, &changed); break;
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH: {
      int rc = redact_batch(ev->file_batch, &changed);
      if (rc < 0) {
        mlprov__event__v1__event__free_unpacked(ev, NULL);
        return rc == -1 ? mp_err_set(e, MP_EPARSE, "file batch event: its paths are not front-coded as the schema says")
                        : mp_err_set(e, MP_ENOMEM, "out of memory");
      }
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_RECORD: {
      int rc = record_to_leaf(ev->record);
      if (rc < 0) {
        mlprov__event__v1__event__free_unpacked(ev, NULL);
        return mp_err_set(e, MP_ENOMEM, "out of memory");
      }
      if (rc) flags |= MP_JOURNAL_F_LEAF;
      break;
    }
    default: break;
  }
  redact_message(&ev->base, 0, &changed);
  if (each_message(&ev->base, 0, has_secret_field)) {
    each_message(&ev->base, 0, drop_unknown_fields);
    changed = 1;
  }
  if (changed) flags |= MP_JOURNAL_F_REDACTED;
  in->ev = ev;
  in->flags = flags;
  if (canonical_bytes(&ev->base, flags != 0, frame, len, &in->bytes, &in->len, &in->owned) != 0) {
    mp_ingest_clear(in);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  return 0;
}

int mp_ingest_apply(mp_record *r, const mp_ingest *in, mp_err *e) {
  if (in->flags & MP_JOURNAL_F_REDACTED) r->stats.redacted_events++;
  return mp_record_event(r, in->ev, in->bytes, in->len, e);
}

void mp_ingest_clear(mp_ingest *in) {
  if (in->ev) mlprov__event__v1__event__free_unpacked(in->ev, NULL);
  free(in->owned);
  memset(in, 0, sizeof *in);
}

Mlprov__Event__V1__Hello *mp_ingest_hello(const uint8_t *frame, size_t len, const uint8_t **bytes, size_t *blen,
                                          uint8_t **owned, unsigned *flags) {
  *owned = NULL;
  *flags = 0;
  Mlprov__Event__V1__Hello *h = mlprov__event__v1__hello__unpack(NULL, len, frame);
  if (h && each_message(&h->base, 0, has_invalid_field)) {
    mlprov__event__v1__hello__free_unpacked(h, NULL);
    h = NULL;
  }
  if (!h) return NULL;
  int changed = 0;
  redact_message(&h->base, 0, &changed);
  if (each_message(&h->base, 0, has_secret_field)) {
    each_message(&h->base, 0, drop_unknown_fields);
    changed = 1;
  }
  if (changed) *flags = MP_JOURNAL_F_REDACTED;
  if (canonical_bytes(&h->base, changed, frame, len, bytes, blen, owned) != 0) {
    mlprov__event__v1__hello__free_unpacked(h, NULL);
    return NULL;
  }
  return h;
}

/* --- path events without protobuf-c ----------------------------------------
 * Accepted: exactly the bytes protobuf-c would write for a FileRead or
 * FileWritten holding a path only — what a hook's encoder writes: fields in
 * ascending order, each at most once, tags in their one-byte (two for field
 * 19) form, varints minimal, no field holding its default. Everything else
 * (unknown or repeated fields, a digest or size, an empty path, a NUL in it,
 * another encoding of the same event, a path the redactor would change) is
 * left to mp_ingest_event, so what is accepted here is a subset of what
 * protobuf-c decodes, with the same meaning, and mp_ingest_event would pass
 * it through unchanged (flags 0, the frame's own bytes). */

/* A length-delimited field's body [*body, *body + *n) within end. */
static int get_bytes(const uint8_t **p, const uint8_t *end, const uint8_t **body, size_t *n) {
  uint64_t len;
  if (mp_varint_get(p, end, 4, &len) != 0 || len > (uint64_t)(end - *p)) return -1;
  *body = *p;
  *n = (size_t)len;
  *p += len;
  return 0;
}

/* google.protobuf.Timestamp as protobuf-c writes it: seconds (1) then nanos
 * (2), each only when not zero; nanos a non-negative int32 (a negative one
 * takes ten bytes, and a wider value is cut to 32 bits when decoded). */
static int timestamp_ok(const uint8_t *p, const uint8_t *end) {
  int last = 0;
  uint64_t v;
  while (p < end) {
    int field = *p == 0x08 ? 1 : *p == 0x10 ? 2 : 0;
    if (field <= last) return 0;
    last = field;
    p++;
    if (mp_varint_get(&p, end, 10, &v) != 0 || v == 0) return 0;
    if (field == 2 && v > 0x7fffffff) return 0;
  }
  return 1;
}

/* The fields every path-only event shares: seq (1) and time (2), then the
 * kind's tag; *p is left on the kind's length. The kind: FileRead or
 * FileWritten (one-byte tag 10, two-byte 19) or FileBatch (two-byte 21); 0
 * when the frame is anything else. */
static int path_event_head(const uint8_t **pp, const uint8_t *end, uint64_t *seq) {
  const uint8_t *p = *pp;
  int last = 0; /* fields in ascending order, once each: 1 seq, 2 time, 3 the kind */
  *seq = 0;
  while (p < end) {
    if (*p == 0x08 && last < 1) { /* seq */
      p++;
      if (mp_varint_get(&p, end, 10, seq) != 0 || *seq == 0) return 0;
      last = 1;
    } else if (*p == 0x12 && last < 2) { /* time */
      const uint8_t *t;
      size_t tn;
      p++;
      if (get_bytes(&p, end, &t, &tn) != 0 || !timestamp_ok(t, t + tn)) return 0;
      last = 2;
    } else if (*p == 0x52) {
      *pp = p + 1;
      return MLPROV__EVENT__V1__EVENT__KIND_FILE_READ;
    } else if (p + 1 < end && p[1] == 0x01 && (*p == 0x9a || *p == 0xaa)) {
      *pp = p + 2;
      return *p == 0x9a ? MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN : MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH;
    } else {
      return 0;
    }
  }
  return 0;
}

int mp_ingest_path_event(const uint8_t *frame, size_t len, mp_ingest_path *out) {
  const uint8_t *p = frame, *end = frame + len, *body = NULL, *m;
  size_t n = 0, mn;
  out->kind = path_event_head(&p, end, &out->seq);
  if (out->kind != MLPROV__EVENT__V1__EVENT__KIND_FILE_READ && out->kind != MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN)
    return 0;
  /* FileRead and FileWritten alike: one field, the path (1); nothing after */
  if (get_bytes(&p, end, &m, &mn) != 0 || p != end || mn < 2 || m[0] != 0x0a) return 0;
  const uint8_t *q = m + 1;
  if (get_bytes(&q, m + mn, &body, &n) != 0 || q != m + mn) return 0;
  if (n == 0 || n >= sizeof out->path || memchr(body, 0, n)) return 0;
  memcpy(out->path, body, n);
  out->path[n] = '\0';
  out->len = n;
  return !mp_redact_text_changes(out->path, n);
}

int mp_ingest_batch_event(const uint8_t *frame, size_t len, mp_ingest_batch *out, mp_filebatch_iter *it) {
  const uint8_t *p = frame, *end = frame + len, *m;
  size_t mn;
  if (path_event_head(&p, end, &out->seq) != MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH) return 0;
  /* one field, the paths (1), not empty; nothing after */
  if (get_bytes(&p, end, &m, &mn) != 0 || p != end || mn < 2 || m[0] != 0x0a) return 0;
  const uint8_t *q = m + 1;
  if (get_bytes(&q, m + mn, &out->paths, &out->len) != 0 || q != m + mn || out->len == 0) return 0;
  int rc;
  mp_filebatch_begin(it, out->paths, out->len);
  while ((rc = mp_filebatch_next(it)) == 1)
    if (mp_redact_text_changes(it->path, it->len)) return 0;
  out->count = it->count;
  return rc == 0;
}
