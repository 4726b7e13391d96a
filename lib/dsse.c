/* dsse.c — see dsse.h. PAE per DSSE v1.0.2:
 *   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * LEN is the ASCII decimal byte length without leading zeros. */
#include "dsse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "digest.h"
#include "encoding.h"
#include "envelope.pb-c.h"

/* The PAE before the body: "DSSEv1 LEN(type) type LEN(body) ", malloc'd
 * (the type is the caller's and may be long). Verification hashes it and the
 * body as two pieces; signing joins them (mp_dsse_pae). */
static char *pae_header(const char *type, size_t body_len, size_t *len) {
  size_t tlen = strlen(type), cap = tlen + 64;
  char *h = malloc(cap);
  if (h) *len = (size_t)snprintf(h, cap, "DSSEv1 %zu %s %zu ", tlen, type, body_len);
  return h;
}

int mp_dsse_pae(const char *type, const uint8_t *body, size_t len, uint8_t **out, size_t *outlen,
                mp_err *e) {
  size_t hn = 0;
  char *head = pae_header(type, len, &hn);
  uint8_t *buf = head ? malloc(hn + len) : NULL;
  if (!buf) {
    free(head);
    return mp_err_set(e, MP_ENOMEM, "out of memory building PAE");
  }
  memcpy(buf, head, hn);
  if (len) memcpy(buf + hn, body, len);
  free(head);
  *out = buf;
  *outlen = hn + len;
  return 0;
}

int mp_dsse_new(const char *type, const uint8_t *payload, size_t len, mp_dsse **out, mp_err *e) {
  mp_dsse *d = calloc(1, sizeof *d);
  if (!d || !(d->payload_type = strdup(type)) || !(d->payload = malloc(len ? len : 1))) {
    mp_dsse_free(d);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  if (len) memcpy(d->payload, payload, len);
  d->payload_len = len;
  *out = d;
  return 0;
}

/* protobuf-c allocates a decoded envelope's fields through these: the
 * payload (megabytes for a large provenance) lands in huge-page memory
 * (bigmem.h) and is kept by the mp_dsse rather than copied. Each block
 * starts with what mp_buf_free needs so that it can be freed. */
#define PB_HEADER 16

static void *pb_alloc(void *ctx, size_t size) {
  (void)ctx;
  if (size > SIZE_MAX - PB_HEADER) return NULL;
  size_t big;
  uint8_t *p = mp_buf_alloc(size + PB_HEADER, &big);
  if (!p) return NULL;
  memcpy(p, &big, sizeof big);
  return p + PB_HEADER;
}

static void pb_free(void *ctx, void *ptr) {
  (void)ctx;
  if (!ptr) return;
  uint8_t *p = (uint8_t *)ptr - PB_HEADER;
  size_t big;
  memcpy(&big, p, sizeof big);
  mp_buf_free(p, big);
}

void mp_dsse_free(mp_dsse *d) {
  if (!d) return;
  mp_dsse_free(d->companion);
  for (size_t i = 0; i < d->nsigs; i++) {
    free(d->sigs[i].sig);
    free(d->sigs[i].keyid);
  }
  free(d->sigs);
  if (d->payload_from_pb) pb_free(NULL, d->payload);
  else free(d->payload);
  free(d->payload_type);
  free(d);
}

static int add_sig(mp_dsse *d, uint8_t *sig, size_t siglen, const char *keyid, mp_err *e) {
  mp_dsse_sig *ns = realloc(d->sigs, (d->nsigs + 1) * sizeof *ns);
  if (!ns) return mp_err_set(e, MP_ENOMEM, "out of memory");
  d->sigs = ns;
  ns[d->nsigs].sig = sig;
  ns[d->nsigs].sig_len = siglen;
  ns[d->nsigs].keyid = keyid ? strdup(keyid) : NULL;
  if (keyid && !ns[d->nsigs].keyid) return mp_err_set(e, MP_ENOMEM, "out of memory");
  d->nsigs++;
  d->has_json_sha256 = 0; /* the text no longer says this */
  return 0;
}

int mp_dsse_sign(mp_dsse *d, const mp_key *k, mp_err *e) {
  uint8_t *pae = NULL, *sig = NULL;
  size_t pae_len = 0, siglen = 0;
  int rc = mp_dsse_pae(d->payload_type, d->payload, d->payload_len, &pae, &pae_len, e);
  if (rc) return rc;
  rc = mp_key_sign(k, pae, pae_len, &sig, &siglen, e);
  free(pae);
  if (rc) return rc;
  rc = add_sig(d, sig, siglen, mp_key_id(k), e);
  if (rc) free(sig);
  return rc;
}

int mp_dsse_verify(const mp_dsse *d, const mp_key *const *keys, size_t nkeys, size_t min_valid,
                   mp_dsse_result *res, mp_err *e) {
  mp_dsse_result r = {0};
  if (min_valid == 0) min_valid = 1;
  if (d->nsigs == 0) return mp_err_set(e, MP_EVERIFY, "bad signature: envelope has no signatures");
  if (nkeys == 0) return mp_err_set(e, MP_EUSAGE, "no trusted key given");
  /* PAE in two pieces, the header and the payload: the payload (megabytes
   * for a large provenance) is hashed where it is, not copied */
  size_t hn = 0;
  char *head = pae_header(d->payload_type, d->payload_len, &hn);
  if (!head) return mp_err_set(e, MP_ENOMEM, "out of memory");
  const mp_bytes pae[2] = {{(const uint8_t *)head, hn}, {d->payload, d->payload_len}};
  unsigned char *used = calloc(nkeys, 1);
  if (!used) {
    free(head);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  for (size_t s = 0; s < d->nsigs; s++) {
    r.checked++;
    /* the key the hint names first, then every other unused key */
    size_t hint = nkeys;
    for (size_t k = 0; d->sigs[s].keyid && k < nkeys && hint == nkeys; k++)
      if (!used[k] && strcmp(mp_key_id(keys[k]), d->sigs[s].keyid) == 0) hint = k;
    for (size_t i = 0; i <= nkeys; i++) {
      size_t k = i == 0 ? hint : i - 1;
      if (k == nkeys || used[k] || (i > 0 && k == hint)) continue;
      if (mp_key_verify_parts(keys[k], pae, 2, d->sigs[s].sig, d->sigs[s].sig_len, NULL) == 0) {
        used[k] = 1;
        r.valid++;
        if (!r.first) r.first = keys[k];
        if (r.nby < MP_DSSE_RESULT_KEYS) r.by[r.nby++] = keys[k];
        break;
      }
    }
  }
  free(used);
  free(head);
  if (res) *res = r;
  if (r.valid >= min_valid) return 0;
  if (r.valid == 0)
    return mp_err_set(e, MP_EVERIFY,
                      "bad signature: none of the %zu signature(s) verifies with the trusted key(s)",
                      d->nsigs);
  return mp_err_set(e, MP_EVERIFY, "bad signature: %zu valid signature(s) by trusted keys, %zu required",
                    r.valid, min_valid);
}

/* The envelope's JSON is written piece by piece to an emitter, so that the
 * same bytes can be produced into a buffer (mp_dsse_to_json) or compared
 * with a file's bytes without building them (mp_dsse_json_equal). They are
 * what jansson writes with JSON_COMPACT | JSON_SORT_KEYS (keys in sorted
 * order, no spaces), which test_dsse checks; written directly because the
 * payload is a long base64 string that jansson would escape byte by byte. */
typedef struct emitter {
  char *buf;          /* writing: the output; comparing: NULL */
  const char *text;   /* comparing: the expected bytes */
  size_t len, pos;    /* capacity (or text length) and position */
  int differs;
} emitter;

static void emit(emitter *em, const char *s, size_t n) {
  if (em->differs) return;
  if (em->pos + n > em->len) {
    em->differs = 1;
    return;
  }
  if (em->buf) memcpy(em->buf + em->pos, s, n);
  else if (memcmp(em->text + em->pos, s, n) != 0) em->differs = 1;
  em->pos += n;
}

static void emit_str(emitter *em, const char *s) { emit(em, s, strlen(s)); }

static void emit_b64(emitter *em, const uint8_t *in, size_t len) {
  char chunk[4096];
  for (size_t off = 0; off < len && !em->differs; off += 3072) {
    size_t n = len - off < 3072 ? len - off : 3072;
    emit(em, chunk, mp_b64_encode_into(in + off, n, chunk));
  }
}

/* A JSON string as jansson quotes it (compact, escapes as json_dumps). */
static int emit_quoted(emitter *em, const char *s) {
  json_t *v = json_string(s);
  char *q = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
  json_decref(v);
  if (!q) return -1;
  emit_str(em, q);
  free(q);
  return 0;
}

static int emit_envelope(emitter *em, const mp_dsse *d) {
  emit_str(em, "{\"payload\":\"");
  emit_b64(em, d->payload, d->payload_len);
  emit_str(em, "\",\"payloadType\":");
  if (emit_quoted(em, d->payload_type)) return -1;
  emit_str(em, ",\"signatures\":[");
  for (size_t i = 0; i < d->nsigs; i++) {
    emit_str(em, i ? ",{\"keyid\":" : "{\"keyid\":");
    if (emit_quoted(em, d->sigs[i].keyid ? d->sigs[i].keyid : "")) return -1;
    emit_str(em, ",\"sig\":\"");
    emit_b64(em, d->sigs[i].sig, d->sigs[i].sig_len);
    emit_str(em, "\"}");
  }
  emit_str(em, "]}");
  return 0;
}

int mp_dsse_to_json(const mp_dsse *d, char **out, size_t *outlen, mp_err *e) {
  /* quoted strings grow at most 6x (\u00XX) */
  size_t cap = mp_b64_encoded_len(d->payload_len) + 6 * strlen(d->payload_type) + 64;
  for (size_t i = 0; i < d->nsigs; i++)
    cap += mp_b64_encoded_len(d->sigs[i].sig_len) + 6 * (d->sigs[i].keyid ? strlen(d->sigs[i].keyid) : 0) + 32;
  emitter em = {.buf = malloc(cap + 1), .len = cap};
  if (!em.buf || emit_envelope(&em, d) != 0 || em.differs) {
    free(em.buf);
    return mp_err_set(e, MP_ENOMEM, "out of memory encoding envelope");
  }
  em.buf[em.pos] = '\0';
  *out = em.buf;
  *outlen = em.pos;
  return 0;
}

int mp_dsse_json_equal(const mp_dsse *d, const uint8_t *text, size_t len) {
  emitter em = {.text = (const char *)text, .len = len};
  return emit_envelope(&em, d) == 0 && !em.differs && em.pos == len;
}

static int b64_field(json_t *obj, const char *name, uint8_t **out, size_t *outlen, mp_err *e) {
  json_t *v = json_object_get(obj, name);
  if (!json_is_string(v))
    return mp_err_set(e, MP_EPARSE, "envelope: \"%s\" missing or not a string", name);
  if (mp_b64_decode(json_string_value(v), json_string_length(v), out, outlen) != 0)
    return mp_err_set(e, MP_EPARSE, "envelope: \"%s\" is not valid base64", name);
  return 0;
}

int mp_dsse_from_json_value(const void *json_obj, mp_dsse **out, mp_err *e) {
  json_t *root = (json_t *)json_obj;
  if (!json_is_object(root)) return mp_err_set(e, MP_EPARSE, "envelope: not a JSON object");
  json_t *type = json_object_get(root, "payloadType");
  json_t *sigs = json_object_get(root, "signatures");
  if (!json_is_string(type))
    return mp_err_set(e, MP_EPARSE, "envelope: \"payloadType\" missing or not a string");
  if (!json_is_array(sigs))
    return mp_err_set(e, MP_EPARSE, "envelope: \"signatures\" missing or not an array");
  mp_dsse *d = calloc(1, sizeof *d);
  if (!d || !(d->payload_type = strdup(json_string_value(type)))) {
    mp_dsse_free(d);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  int rc = b64_field(root, "payload", &d->payload, &d->payload_len, e);
  for (size_t i = 0; rc == 0 && i < json_array_size(sigs); i++) {
    json_t *s = json_array_get(sigs, i);
    if (!json_is_object(s)) {
      rc = mp_err_set(e, MP_EPARSE, "envelope: signature %zu is not an object", i);
      break;
    }
    json_t *kid = json_object_get(s, "keyid");
    if (kid && !json_is_string(kid) && !json_is_null(kid)) {
      rc = mp_err_set(e, MP_EPARSE, "envelope: signature %zu: keyid is not a string", i);
      break;
    }
    uint8_t *sig = NULL;
    size_t siglen = 0;
    rc = b64_field(s, "sig", &sig, &siglen, e);
    if (rc) {
      mp_err_prefix(e, "signature %zu", i);
      break;
    }
    rc = add_sig(d, sig, siglen, json_is_string(kid) ? json_string_value(kid) : NULL, e);
    if (rc) free(sig);
  }
  if (rc) {
    mp_dsse_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

/* --- the compact form, read without a JSON tree -------------------------- */

/* A JSON string without escapes at *p (opening quote included): its bytes
 * between the quotes, or 0 if it has an escape or a control character (the
 * general parser then decides). */
static int plain_string(const char **p, const char *end, const char **str, size_t *n) {
  const char *q = *p;
  if (q >= end || *q != '"') return 0;
  const char *start = ++q;
  q += mp_json_plain_span(q, (size_t)(end - q));
  while (q < end && *q != '"') {
    if (*q == '\\' || (unsigned char)*q < 0x20) return 0;
    q++;
  }
  if (q >= end) return 0;
  *str = start;
  *n = (size_t)(q - start);
  *p = q + 1;
  return 1;
}

static int literal(const char **p, const char *end, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0) return 0;
  *p += n;
  return 1;
}

static char *text_copy(const char *s, size_t n) {
  char *c = malloc(n + 1);
  if (c) {
    memcpy(c, s, n);
    c[n] = '\0';
  }
  return c;
}

static int std_b64(const char *s, size_t n) {
  return n % 4 == 0 && (n == 0 || (!memchr(s, '-', n) && !memchr(s, '_', n)));
}

int mp_dsse_from_compact_json(const char *text, size_t len, mp_dsse **out) {
  const char *p = text, *end = text + len;
  while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n')) end--;
  const char *payload, *type, *kid = NULL, *sig = NULL;
  size_t payload_n, type_n, kid_n = 0, sig_n = 0;
  if (!literal(&p, end, "{\"payload\":") || !plain_string(&p, end, &payload, &payload_n) ||
      !literal(&p, end, ",\"payloadType\":") || !plain_string(&p, end, &type, &type_n) ||
      !literal(&p, end, ",\"signatures\":["))
    return 0;
  mp_dsse *d = calloc(1, sizeof *d);
  if (!d) return -1;
  /* padded base64 in the standard alphabet (the decoder also takes the
   * URL-safe "-_") has one spelling, and strings without escapes are quoted
   * as they stand: then the text is what mp_dsse_to_json writes */
  int canonical = std_b64(payload, payload_n);
  int ok = (d->payload_type = text_copy(type, type_n)) != NULL && mp_utf8_valid(d->payload_type) &&
           strlen(d->payload_type) == type_n &&
           mp_b64_decode(payload, payload_n, &d->payload, &d->payload_len) == 0;
  for (int first = 1; ok && !literal(&p, end, "]}"); first = 0) {
    char *keyid = NULL;
    uint8_t *raw = NULL;
    size_t raw_n = 0;
    ok = (first || literal(&p, end, ",")) && literal(&p, end, "{\"keyid\":") && plain_string(&p, end, &kid, &kid_n) &&
         literal(&p, end, ",\"sig\":") && plain_string(&p, end, &sig, &sig_n) && literal(&p, end, "}") &&
         (keyid = text_copy(kid, kid_n)) != NULL && mp_utf8_valid(keyid) && strlen(keyid) == kid_n &&
         mp_b64_decode(sig, sig_n, &raw, &raw_n) == 0 && add_sig(d, raw, raw_n, keyid, NULL) == 0;
    canonical = canonical && ok && std_b64(sig, sig_n);
    if (!ok) free(raw);
    free(keyid);
  }
  if (!ok || p != end) {
    mp_dsse_free(d);
    return 0;
  }
  if (canonical) {
    mp_sha256(text, (size_t)(end - text), d->json_sha256);
    d->has_json_sha256 = 1;
  }
  *out = d;
  return 1;
}

int mp_dsse_json_sha256(const mp_dsse *d, uint8_t out[32], mp_err *e) {
  if (d->has_json_sha256) {
    memcpy(out, d->json_sha256, 32);
    return 0;
  }
  char *json = NULL;
  size_t len = 0;
  int rc = mp_dsse_to_json(d, &json, &len, e);
  if (rc) return rc;
  mp_sha256(json, len, out);
  free(json);
  return 0;
}

int mp_dsse_from_json(const char *text, size_t len, mp_dsse **out, mp_err *e) {
  int fast = mp_dsse_from_compact_json(text, len, out);
  if (fast == 1) return 0;
  if (fast < 0) return mp_err_set(e, MP_ENOMEM, "out of memory");
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return mp_err_set(e, MP_EPARSE, "envelope: invalid JSON at line %d column %d: %s", je.line,
                      je.column, je.text);
  int rc = mp_dsse_from_json_value(root, out, e);
  json_decref(root);
  return rc;
}

int mp_dsse_to_pb(const mp_dsse *d, uint8_t **out, size_t *outlen, mp_err *e) {
  Io__Intoto__Envelope env = IO__INTOTO__ENVELOPE__INIT;
  Io__Intoto__Signature *sigs = calloc(d->nsigs ? d->nsigs : 1, sizeof *sigs);
  Io__Intoto__Signature **ptrs = calloc(d->nsigs ? d->nsigs : 1, sizeof *ptrs);
  if (!sigs || !ptrs) {
    free(sigs);
    free(ptrs);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  env.payload.data = d->payload;
  env.payload.len = d->payload_len;
  env.payload_type = d->payload_type;
  for (size_t i = 0; i < d->nsigs; i++) {
    io__intoto__signature__init(&sigs[i]);
    sigs[i].sig.data = d->sigs[i].sig;
    sigs[i].sig.len = d->sigs[i].sig_len;
    sigs[i].keyid = d->sigs[i].keyid ? d->sigs[i].keyid : "";
    ptrs[i] = &sigs[i];
  }
  env.n_signatures = d->nsigs;
  env.signatures = ptrs;
  size_t n = io__intoto__envelope__get_packed_size(&env);
  uint8_t *buf = malloc(n ? n : 1);
  if (buf) io__intoto__envelope__pack(&env, buf);
  free(sigs);
  free(ptrs);
  if (!buf) return mp_err_set(e, MP_ENOMEM, "out of memory");
  *out = buf;
  *outlen = n;
  return 0;
}

int mp_dsse_from_pb(const uint8_t *buf, size_t len, mp_dsse **out, mp_err *e) {
  ProtobufCAllocator pb_allocator = {.alloc = pb_alloc, .free = pb_free, .allocator_data = NULL};
  Io__Intoto__Envelope *env = io__intoto__envelope__unpack(&pb_allocator, len, buf);
  if (!env) return mp_err_set(e, MP_EPARSE, "envelope: malformed protobuf");
  /* The payload buffer (megabytes for a large provenance) is taken over
   * from the decoded message rather than copied: protobuf-c allocated it
   * with malloc, and the message is freed without it. */
  mp_dsse *d = calloc(1, sizeof *d);
  int rc = 0;
  if (!d || !(d->payload_type = strdup(env->payload_type ? env->payload_type : ""))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  } else if (env->payload.len) {
    d->payload = env->payload.data;
    d->payload_len = env->payload.len;
    d->payload_from_pb = 1;
    env->payload.data = NULL;
    env->payload.len = 0;
  } else if (!(d->payload = malloc(1))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  for (size_t i = 0; rc == 0 && i < env->n_signatures; i++) {
    Io__Intoto__Signature *s = env->signatures[i];
    uint8_t *sig = malloc(s->sig.len ? s->sig.len : 1);
    if (!sig) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    if (s->sig.len) memcpy(sig, s->sig.data, s->sig.len);
    rc = add_sig(d, sig, s->sig.len, s->keyid && *s->keyid ? s->keyid : NULL, e);
    if (rc) free(sig);
  }
  io__intoto__envelope__free_unpacked(env, &pb_allocator);
  if (rc) {
    mp_dsse_free(d);
    return rc;
  }
  *out = d;
  return 0;
}
