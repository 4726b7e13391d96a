/* statement.c — see statement.h. JSON <-> protobuf conversion is written by
 * hand from the field tables in schema/ (protobuf-c has no JSON mapping).
 * Messages built here are allocated with malloc only, so the generated
 * *__free_unpacked(msg, NULL) releases them. */
#include "statement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "google/protobuf/struct.pb-c.h"
#include "statement.pb-c.h"

typedef Google__Protobuf__Struct PbStruct;
typedef Google__Protobuf__Value PbValue;
typedef InTotoAttestation__V1__ResourceDescriptor PbRd;
typedef InTotoAttestation__V1__Statement PbStatement;

char *mp_json_canonical(const json_t *v, size_t *len) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (s && len) *len = strlen(s);
  return s;
}

int mp_json_parse(const char *what, const uint8_t *text, size_t len, json_t **out, mp_err *e) {
  json_error_t je;
  json_t *v = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
  if (!v)
    return mp_err_set(e, MP_EPARSE, "%s: invalid JSON at line %d column %d: %s", what, je.line,
                      je.column, je.text);
  *out = v;
  return 0;
}

json_t *mp_rd_new(const char *name, const char *uri, const char *alg, const char *hex) {
  json_t *rd = json_object();
  if (!rd) return NULL;
  if (name) json_object_set_new(rd, "name", json_string(name));
  if (uri) json_object_set_new(rd, "uri", json_string(uri));
  if (alg && hex) json_object_set_new(rd, "digest", json_pack("{s:s}", alg, hex));
  return rd;
}

int mp_rd_annotate(json_t *rd, const char *key, json_t *value) {
  json_t *ann = json_object_get(rd, "annotations");
  if (!ann) {
    ann = json_object();
    if (!ann || json_object_set_new(rd, "annotations", ann)) {
      json_decref(value);
      return -1;
    }
  }
  return json_object_set_new(ann, key, value);
}

/* --- time --------------------------------------------------------------- */

void mp_time_format(const struct timespec *ts, char *buf, size_t len) {
  struct tm tm;
  time_t t = ts->tv_sec;
  gmtime_r(&t, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  long ns = ts->tv_nsec;
  if (ns == 0) snprintf(buf, len, "%sZ", base);
  else if (ns % 1000000 == 0) snprintf(buf, len, "%s.%03ldZ", base, ns / 1000000);
  else if (ns % 1000 == 0) snprintf(buf, len, "%s.%06ldZ", base, ns / 1000);
  else snprintf(buf, len, "%s.%09ldZ", base, ns);
}

int mp_time_parse(const char *s, struct timespec *ts) {
  int y, mo, d, h, mi, sec, n = 0;
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
  const char *p = s + n;
  long ns = 0;
  if (*p == '.') {
    p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (digits < 9) ns = ns * 10 + (*p - '0');
      digits++;
      p++;
    }
    if (digits == 0) return -1;
    for (int i = digits; i < 9; i++) ns *= 10;
  }
  long off = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om, m2 = 0;
    if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m2) != 2 || m2 != 5) return -1;
    off = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
    p += 6;
  } else {
    return -1;
  }
  if (*p) return -1;
  struct tm tm = {0};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  ts->tv_sec = timegm(&tm) - off;
  ts->tv_nsec = ns;
  return 0;
}

/* --- JSON -> protobuf ------------------------------------------------------ */

static PbStruct *struct_from_json(const json_t *obj);

static PbValue *value_from_json(const json_t *v) {
  PbValue *pv = malloc(sizeof *pv);
  if (!pv) return NULL;
  google__protobuf__value__init(pv);
  switch (json_typeof(v)) {
    case JSON_NULL:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
      pv->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
      break;
    case JSON_TRUE:
    case JSON_FALSE:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
      pv->bool_value = json_is_true(v);
      break;
    case JSON_INTEGER:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      pv->number_value = (double)json_integer_value(v);
      break;
    case JSON_REAL:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      pv->number_value = json_real_value(v);
      break;
    case JSON_STRING:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
      pv->string_value = strndup(json_string_value(v), json_string_length(v));
      if (!pv->string_value) goto fail;
      break;
    case JSON_OBJECT:
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
      if (!(pv->struct_value = struct_from_json(v))) goto fail;
      break;
    case JSON_ARRAY: {
      pv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
      Google__Protobuf__ListValue *lv = malloc(sizeof *lv);
      if (!lv) goto fail;
      google__protobuf__list_value__init(lv);
      pv->list_value = lv;
      size_t n = json_array_size(v);
      if (n) {
        lv->values = calloc(n, sizeof *lv->values);
        if (!lv->values) goto fail;
      }
      for (size_t i = 0; i < n; i++) {
        if (!(lv->values[i] = value_from_json(json_array_get(v, i)))) goto fail;
        lv->n_values++;
      }
      break;
    }
  }
  return pv;
fail:
  google__protobuf__value__free_unpacked(pv, NULL);
  return NULL;
}

/* Fields are emitted in sorted key order so that equal JSON gives equal bytes. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char **sorted_keys(const json_t *obj, size_t *n) {
  *n = json_object_size(obj);
  const char **keys = calloc(*n ? *n : 1, sizeof *keys);
  if (!keys) return NULL;
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) keys[i++] = k;
  qsort(keys, *n, sizeof *keys, cmp_str);
  return keys;
}

static PbStruct *struct_from_json(const json_t *obj) {
  PbStruct *s = malloc(sizeof *s);
  if (!s) return NULL;
  google__protobuf__struct__init(s);
  size_t n;
  const char **keys = sorted_keys(obj, &n);
  if (!keys) goto fail;
  if (n && !(s->fields = calloc(n, sizeof *s->fields))) goto fail;
  for (size_t i = 0; i < n; i++) {
    Google__Protobuf__Struct__FieldsEntry *fe = malloc(sizeof *fe);
    if (!fe) goto fail;
    google__protobuf__struct__fields_entry__init(fe);
    s->fields[s->n_fields++] = fe;
    if (!(fe->key = strdup(keys[i]))) goto fail;
    if (!(fe->value = value_from_json(json_object_get(obj, keys[i])))) goto fail;
  }
  free(keys);
  return s;
fail:
  free(keys);
  google__protobuf__struct__free_unpacked(s, NULL);
  return NULL;
}

static json_t *struct_to_json(const PbStruct *s);

static json_t *value_to_json(const PbValue *v) {
  if (!v) return json_null(); /* a Struct map entry without its value */
  switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE: return json_null();
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE: return json_boolean(v->bool_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE: {
      double d = v->number_value;
      if (d == floor(d) && fabs(d) < 9007199254740992.0) return json_integer((json_int_t)d);
      return json_real(d);
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE: return json_string(v->string_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE: return struct_to_json(v->struct_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
      json_t *a = json_array();
      for (size_t i = 0; a && i < v->list_value->n_values; i++)
        json_array_append_new(a, value_to_json(v->list_value->values[i]));
      return a;
    }
    default: return json_null();
  }
}

static json_t *struct_to_json(const PbStruct *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && s && i < s->n_fields; i++)
    json_object_set_new(o, s->fields[i]->key, value_to_json(s->fields[i]->value));
  return o;
}

/* --- JSON -> protobuf (after stcheck.c accepted the statement) ----------- */

static char *dup_or_null(const json_t *obj, const char *key, int *nomem) {
  const char *s = json_string_value(json_object_get(obj, key));
  char *c = s ? strdup(s) : NULL;
  if (s && !c) *nomem = 1;
  return c;
}

/* A checked ResourceDescriptor; digest entries in key order. */
static PbRd *rd_from_json(const json_t *j) {
  PbRd *rd = malloc(sizeof *rd);
  if (!rd) return NULL;
  in_toto_attestation__v1__resource_descriptor__init(rd);
  int nomem = 0;
  rd->name = dup_or_null(j, "name", &nomem);
  rd->uri = dup_or_null(j, "uri", &nomem);
  rd->download_location = dup_or_null(j, "downloadLocation", &nomem);
  rd->media_type = dup_or_null(j, "mediaType", &nomem);
  const char *content = json_string_value(json_object_get(j, "content"));
  if (content && mp_b64_decode(content, strlen(content), &rd->content.data, &rd->content.len) != 0) nomem = 1;
  json_t *digest = json_object_get(j, "digest");
  if (digest && !nomem) {
    size_t n;
    const char **keys = sorted_keys(digest, &n);
    rd->digest = keys ? calloc(n ? n : 1, sizeof *rd->digest) : NULL;
    for (size_t i = 0; rd->digest && i < n && !nomem; i++) {
      InTotoAttestation__V1__ResourceDescriptor__DigestEntry *de = malloc(sizeof *de);
      if (!de) break;
      in_toto_attestation__v1__resource_descriptor__digest_entry__init(de);
      rd->digest[rd->n_digest++] = de;
      de->key = strdup(keys[i]);
      de->value = strdup(json_string_value(json_object_get(digest, keys[i])));
      if (!de->key || !de->value) nomem = 1;
    }
    if (!rd->digest || rd->n_digest != n) nomem = 1;
    free(keys);
  }
  json_t *ann = json_object_get(j, "annotations");
  if (!nomem && ann && !(rd->annotations = struct_from_json(ann))) nomem = 1;
  if (nomem) {
    in_toto_attestation__v1__resource_descriptor__free_unpacked(rd, NULL);
    return NULL;
  }
  return rd;
}

static json_t *rd_to_json(const PbRd *rd) {
  json_t *j = json_object();
  if (!j) return NULL;
  if (rd->name && *rd->name) json_object_set_new(j, "name", json_string(rd->name));
  if (rd->uri && *rd->uri) json_object_set_new(j, "uri", json_string(rd->uri));
  if (rd->n_digest) {
    json_t *d = json_object();
    for (size_t i = 0; i < rd->n_digest; i++)
      json_object_set_new(d, rd->digest[i]->key, json_string(rd->digest[i]->value));
    json_object_set_new(j, "digest", d);
  }
  if (rd->content.len) {
    char *b = mp_b64_encode(rd->content.data, rd->content.len);
    if (b) json_object_set_new(j, "content", json_string(b));
    free(b);
  }
  if (rd->download_location && *rd->download_location)
    json_object_set_new(j, "downloadLocation", json_string(rd->download_location));
  if (rd->media_type && *rd->media_type)
    json_object_set_new(j, "mediaType", json_string(rd->media_type));
  if (rd->annotations) json_object_set_new(j, "annotations", struct_to_json(rd->annotations));
  return j;
}

/* A checked statement; the predicate goes in as its generic Struct. */
static int statement_from_json(const json_t *st, PbStatement **out, mp_err *e) {
  int rc = mp_statement_check(st, e);
  if (rc) return rc;
  json_t *subj = json_object_get(st, "subject");
  json_t *pred = json_object_get(st, "predicate");
  PbStatement *s = malloc(sizeof *s);
  if (!s) return mp_err_set(e, MP_ENOMEM, "out of memory");
  in_toto_attestation__v1__statement__init(s);
  s->subject = calloc(json_array_size(subj), sizeof *s->subject);
  int ok = s->subject && (s->type = strdup(json_string_value(json_object_get(st, "_type")))) &&
           (s->predicate_type = strdup(json_string_value(json_object_get(st, "predicateType"))));
  for (size_t i = 0; ok && i < json_array_size(subj); i++) {
    ok = (s->subject[i] = rd_from_json(json_array_get(subj, i))) != NULL;
    if (ok) s->n_subject++;
  }
  if (ok && pred) ok = (s->predicate = struct_from_json(pred)) != NULL;
  if (!ok) {
    in_toto_attestation__v1__statement__free_unpacked(s, NULL);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  *out = s;
  return 0;
}

int mp_statement_check(const json_t *st, mp_err *e) {
  if (!json_is_object(st)) return mp_err_set(e, MP_EPARSE, "statement: not a JSON object");
  size_t len = 0;
  char *text = mp_json_canonical(st, &len);
  if (!text) return mp_err_set(e, MP_ENOMEM, "out of memory");
  mp_jflat *d = NULL;
  int rc = mp_statement_parse_flat((const uint8_t *)text, len, &d, e);
  mp_jflat_free(d);
  free(text);
  return rc;
}

int mp_statement_parse(const uint8_t *payload, size_t len, json_t **out, mp_err *e) {
  mp_jflat *d = NULL;
  int rc = mp_statement_parse_flat(payload, len, &d, e);
  mp_jflat_free(d);
  if (rc) return rc;
  /* the checks passed on the same bytes: jansson reads the same document */
  return mp_json_parse("statement", payload, len, out, e);
}

int mp_statement_to_pb(const json_t *st, uint8_t **out, size_t *outlen, mp_err *e) {
  PbStatement *s = NULL;
  int rc = statement_from_json(st, &s, e);
  if (rc) return rc;
  size_t n = in_toto_attestation__v1__statement__get_packed_size(s);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) {
    in_toto_attestation__v1__statement__free_unpacked(s, NULL);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  in_toto_attestation__v1__statement__pack(s, buf);
  in_toto_attestation__v1__statement__free_unpacked(s, NULL);
  *out = buf;
  *outlen = n;
  return 0;
}

int mp_statement_from_pb(const uint8_t *buf, size_t len, json_t **out, mp_err *e) {
  PbStatement *s = in_toto_attestation__v1__statement__unpack(NULL, len, buf);
  if (!s) return mp_err_set(e, MP_EPARSE, "statement: malformed protobuf");
  json_t *j = json_object();
  json_t *subj = json_array();
  for (size_t i = 0; i < s->n_subject; i++) json_array_append_new(subj, rd_to_json(s->subject[i]));
  json_object_set_new(j, "_type", json_string(s->type));
  json_object_set_new(j, "subject", subj);
  json_object_set_new(j, "predicateType", json_string(s->predicate_type));
  if (s->predicate) json_object_set_new(j, "predicate", struct_to_json(s->predicate));
  in_toto_attestation__v1__statement__free_unpacked(s, NULL);
  *out = j;
  return 0;
}

char *mp_file_uri(const char *abs_path) {
  size_t n = strlen(abs_path);
  char *out = malloc(7 + 3 * n + 1);
  if (!out) return NULL;
  memcpy(out, "file://", 7);
  size_t o = 7;
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)abs_path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("-._~/+@,=:", *p)) {
      out[o++] = (char)*p;
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = '\0';
  return out;
}
