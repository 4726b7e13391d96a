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
#include "google/protobuf/timestamp.pb-c.h"
#include "provenance.pb-c.h"
#include "statement.pb-c.h"

typedef Google__Protobuf__Struct PbStruct;
typedef Google__Protobuf__Value PbValue;
typedef InTotoAttestation__V1__ResourceDescriptor PbRd;
typedef InTotoAttestation__V1__Statement PbStatement;
typedef InTotoAttestation__Predicates__Provenance__V1__Provenance PbProvenance;

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

/* --- checking ---------------------------------------------------------- */

static int want_string(const json_t *obj, const char *key, int required, const char *where,
                       const char **out, mp_err *e) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (!v) {
    if (required) return mp_err_set(e, MP_EPARSE, "%s: required field \"%s\" is missing", where, key);
    return 0;
  }
  if (!json_is_string(v)) return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is not a string", where, key);
  *out = json_string_value(v);
  if (required && !**out) return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is empty", where, key);
  return 0;
}

static int want_object(const json_t *obj, const char *key, int required, const char *where,
                       json_t **out, mp_err *e) {
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (!v) {
    if (required) return mp_err_set(e, MP_EPARSE, "%s: required field \"%s\" is missing", where, key);
    return 0;
  }
  if (!json_is_object(v)) return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is not an object", where, key);
  *out = v;
  return 0;
}

/* Converts a ResourceDescriptor, checking it. A descriptor needs at least one
 * of name, uri, digest, content (in-toto ResourceDescriptor v1). */
/* build = 0 only checks: annotations (any JSON object is a valid Struct) are
 * not converted. */
static int rd_from_json(const json_t *j, const char *where, int need_digest, int build, PbRd **out,
                        mp_err *e) {
  if (!json_is_object(j)) return mp_err_set(e, MP_EPARSE, "%s: not an object", where);
  const char *name, *uri, *dl, *mt, *content;
  json_t *digest, *ann;
  int rc;
  if ((rc = want_string(j, "name", 0, where, &name, e)) || (rc = want_string(j, "uri", 0, where, &uri, e)) ||
      (rc = want_string(j, "downloadLocation", 0, where, &dl, e)) ||
      (rc = want_string(j, "mediaType", 0, where, &mt, e)) ||
      (rc = want_string(j, "content", 0, where, &content, e)) ||
      (rc = want_object(j, "digest", need_digest, where, &digest, e)) ||
      (rc = want_object(j, "annotations", 0, where, &ann, e)))
    return rc;
  if (!name && !uri && !digest && !content)
    return mp_err_set(e, MP_EPARSE, "%s: needs at least one of name, uri, digest, content", where);
  if (need_digest && json_object_size(digest) == 0)
    return mp_err_set(e, MP_EPARSE, "%s: digest is empty", where);
  PbRd *rd = malloc(sizeof *rd);
  if (!rd) return mp_err_set(e, MP_ENOMEM, "out of memory");
  in_toto_attestation__v1__resource_descriptor__init(rd);
  rc = MP_ENOMEM;
  if (name && !(rd->name = strdup(name))) goto fail;
  if (uri && !(rd->uri = strdup(uri))) goto fail;
  if (dl && !(rd->download_location = strdup(dl))) goto fail;
  if (mt && !(rd->media_type = strdup(mt))) goto fail;
  if (content) {
    uint8_t *bytes;
    size_t blen;
    if (mp_b64_decode(content, strlen(content), &bytes, &blen) != 0) {
      rc = mp_err_set(e, MP_EPARSE, "%s: content is not base64", where);
      goto fail;
    }
    rd->content.data = bytes;
    rd->content.len = blen;
  }
  if (digest) {
    size_t n;
    const char **keys = sorted_keys(digest, &n);
    if (!keys) goto fail;
    rd->digest = calloc(n ? n : 1, sizeof *rd->digest);
    for (size_t i = 0; rd->digest && i < n; i++) {
      json_t *hv = json_object_get(digest, keys[i]);
      /* gitCommit and similar are hex too; every digest value must be. */
      if (!json_is_string(hv) || !mp_is_lower_hex(json_string_value(hv))) {
        rc = mp_err_set(e, MP_EPARSE, "%s: digest \"%s\" is not lowercase hex", where, keys[i]);
        free(keys);
        goto fail;
      }
      InTotoAttestation__V1__ResourceDescriptor__DigestEntry *de = malloc(sizeof *de);
      if (!de) break;
      in_toto_attestation__v1__resource_descriptor__digest_entry__init(de);
      rd->digest[rd->n_digest++] = de;
      de->key = strdup(keys[i]);
      de->value = strdup(json_string_value(hv));
      if (!de->key || !de->value) break;
    }
    free(keys);
    if (!rd->digest || rd->n_digest != n) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      goto fail;
    }
  }
  if (build && ann && !(rd->annotations = struct_from_json(ann))) goto fail;
  *out = rd;
  return 0;
fail:
  if (rc == MP_ENOMEM) mp_err_set(e, MP_ENOMEM, "out of memory");
  in_toto_attestation__v1__resource_descriptor__free_unpacked(rd, NULL);
  return rc;
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

static int rd_list(const json_t *parent, const char *key, const char *where, int build, PbRd ***out,
                   size_t *n, mp_err *e) {
  json_t *arr = json_object_get(parent, key);
  *out = NULL;
  *n = 0;
  if (!arr) return 0;
  if (!json_is_array(arr)) return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is not an array", where, key);
  size_t len = json_array_size(arr);
  if (!len) return 0;
  PbRd **list = calloc(len, sizeof *list);
  if (!list) return mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; i < len; i++) {
    char w[160];
    snprintf(w, sizeof w, "%s.%s[%zu]", where, key, i);
    int rc = rd_from_json(json_array_get(arr, i), w, 0, build, &list[i], e);
    if (rc) {
      for (size_t k = 0; k < i; k++) in_toto_attestation__v1__resource_descriptor__free_unpacked(list[k], NULL);
      free(list);
      return rc;
    }
  }
  *out = list;
  *n = len;
  return 0;
}

static int timestamp_from_json(const json_t *obj, const char *key, const char *where,
                               Google__Protobuf__Timestamp **out, mp_err *e) {
  const char *s;
  int rc = want_string(obj, key, 0, where, &s, e);
  *out = NULL;
  if (rc || !s) return rc;
  struct timespec ts;
  if (mp_time_parse(s, &ts) != 0)
    return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is not an RFC 3339 timestamp", where, key);
  Google__Protobuf__Timestamp *t = malloc(sizeof *t);
  if (!t) return mp_err_set(e, MP_ENOMEM, "out of memory");
  google__protobuf__timestamp__init(t);
  t->seconds = ts.tv_sec;
  t->nanos = (int32_t)ts.tv_nsec;
  *out = t;
  return 0;
}

/* Typed conversion of an SLSA v1 predicate, used as its validation only: the
 * parts that are free-form Structs (parameters, annotations), which any JSON
 * object satisfies, are checked for being objects but not converted. */
static int provenance_from_json(const json_t *pred, PbProvenance **out, mp_err *e) {
  typedef InTotoAttestation__Predicates__Provenance__V1__BuildDefinition BD;
  typedef InTotoAttestation__Predicates__Provenance__V1__RunDetails RD;
  typedef InTotoAttestation__Predicates__Provenance__V1__Builder BU;
  typedef InTotoAttestation__Predicates__Provenance__V1__BuildMetadata BM;
  if (!json_is_object(pred)) return mp_err_set(e, MP_EPARSE, "predicate: not an object");
  json_t *bdj, *rdj, *ext, *intl, *bj, *mj, *bvj;
  const char *build_type, *builder_id, *inv;
  int rc;
  if ((rc = want_object(pred, "buildDefinition", 1, "predicate", &bdj, e)) ||
      (rc = want_object(pred, "runDetails", 1, "predicate", &rdj, e)) ||
      (rc = want_string(bdj, "buildType", 1, "buildDefinition", &build_type, e)) ||
      (rc = want_object(bdj, "externalParameters", 1, "buildDefinition", &ext, e)) ||
      (rc = want_object(bdj, "internalParameters", 0, "buildDefinition", &intl, e)) ||
      (rc = want_object(rdj, "builder", 1, "runDetails", &bj, e)) ||
      (rc = want_string(bj, "id", 1, "runDetails.builder", &builder_id, e)) ||
      (rc = want_object(bj, "version", 0, "runDetails.builder", &bvj, e)) ||
      (rc = want_object(rdj, "metadata", 0, "runDetails", &mj, e)))
    return rc;
  if (mj && (rc = want_string(mj, "invocationId", 0, "runDetails.metadata", &inv, e))) return rc;

  PbProvenance *p = calloc(1, sizeof *p);
  BD *bd = calloc(1, sizeof *bd);
  RD *rd = calloc(1, sizeof *rd);
  BU *bu = calloc(1, sizeof *bu);
  if (!p || !bd || !rd || !bu) {
    free(p), free(bd), free(rd), free(bu);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  in_toto_attestation__predicates__provenance__v1__provenance__init(p);
  in_toto_attestation__predicates__provenance__v1__build_definition__init(bd);
  in_toto_attestation__predicates__provenance__v1__run_details__init(rd);
  in_toto_attestation__predicates__provenance__v1__builder__init(bu);
  p->build_definition = bd;
  p->run_details = rd;
  rd->builder = bu;
  rc = MP_ENOMEM;
  if (!(bd->build_type = strdup(build_type)) || !(bu->id = strdup(builder_id))) goto nomem;
  (void)ext, (void)intl;
  if ((rc = rd_list(bdj, "resolvedDependencies", "buildDefinition", 0, &bd->resolved_dependencies,
                    &bd->n_resolved_dependencies, e)) ||
      (rc = rd_list(rdj, "byproducts", "runDetails", 0, &rd->byproducts, &rd->n_byproducts, e)) ||
      (rc = rd_list(bj, "builderDependencies", "runDetails.builder", 0, &bu->builder_dependencies,
                    &bu->n_builder_dependencies, e)))
    goto fail;
  if (bvj) {
    const char *k;
    json_t *v;
    bu->version = calloc(json_object_size(bvj) + 1, sizeof *bu->version);
    if (!bu->version) goto nomem;
    json_object_foreach(bvj, k, v) {
      if (!json_is_string(v)) {
        rc = mp_err_set(e, MP_EPARSE, "runDetails.builder.version: \"%s\" is not a string", k);
        goto fail;
      }
      InTotoAttestation__Predicates__Provenance__V1__Builder__VersionEntry *ve = malloc(sizeof *ve);
      if (!ve) goto nomem;
      in_toto_attestation__predicates__provenance__v1__builder__version_entry__init(ve);
      bu->version[bu->n_version++] = ve;
      if (!(ve->key = strdup(k)) || !(ve->value = strdup(json_string_value(v)))) goto nomem;
    }
  }
  if (mj) {
    BM *bm = malloc(sizeof *bm);
    if (!bm) goto nomem;
    in_toto_attestation__predicates__provenance__v1__build_metadata__init(bm);
    rd->metadata = bm;
    if (inv && !(bm->invocation_id = strdup(inv))) goto nomem;
    if ((rc = timestamp_from_json(mj, "startedOn", "runDetails.metadata", &bm->started_on, e)) ||
        (rc = timestamp_from_json(mj, "finishedOn", "runDetails.metadata", &bm->finished_on, e)))
      goto fail;
  }
  *out = p;
  return 0;
nomem:
  rc = mp_err_set(e, MP_ENOMEM, "out of memory");
fail:
  in_toto_attestation__predicates__provenance__v1__provenance__free_unpacked(p, NULL);
  return rc;
}

int mp_provenance_check(const json_t *pred, mp_err *e) {
  PbProvenance *p = NULL;
  int rc = provenance_from_json(pred, &p, e);
  if (p) in_toto_attestation__predicates__provenance__v1__provenance__free_unpacked(p, NULL);
  return rc;
}

/* build = 0: validation only (see rd_from_json); the predicate's generic
 * Struct form, which cannot fail, is then not built either. */
static int statement_from_json(const json_t *st, int build, PbStatement **out, mp_err *e) {
  if (!json_is_object(st)) return mp_err_set(e, MP_EPARSE, "statement: not a JSON object");
  const char *type, *ptype;
  json_t *pred = json_object_get(st, "predicate");
  int rc;
  if ((rc = want_string(st, "_type", 1, "statement", &type, e)) ||
      (rc = want_string(st, "predicateType", 1, "statement", &ptype, e)))
    return rc;
  if (strcmp(type, MP_STATEMENT_TYPE) != 0)
    return mp_err_set(e, MP_EPARSE, "statement: _type is \"%s\", expected %s", type, MP_STATEMENT_TYPE);
  if (pred && !json_is_object(pred)) return mp_err_set(e, MP_EPARSE, "statement: predicate is not an object");
  json_t *subj = json_object_get(st, "subject");
  if (!json_is_array(subj) || json_array_size(subj) == 0)
    return mp_err_set(e, MP_EPARSE, "statement: \"subject\" must be a non-empty array");
  PbStatement *s = malloc(sizeof *s);
  if (!s) return mp_err_set(e, MP_ENOMEM, "out of memory");
  in_toto_attestation__v1__statement__init(s);
  s->subject = calloc(json_array_size(subj), sizeof *s->subject);
  if (!s->subject || !(s->type = strdup(type)) || !(s->predicate_type = strdup(ptype))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < json_array_size(subj); i++) {
    char w[64];
    snprintf(w, sizeof w, "statement.subject[%zu]", i);
    if ((rc = rd_from_json(json_array_get(subj, i), w, 1, build, &s->subject[i], e))) goto fail;
    s->n_subject++;
  }
  if (build && pred && !(s->predicate = struct_from_json(pred))) {
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
    goto fail;
  }
  if (pred && strcmp(ptype, MP_SLSA_PROVENANCE_V1) == 0 && (rc = mp_provenance_check(pred, e)))
    goto fail;
  *out = s;
  return 0;
fail:
  in_toto_attestation__v1__statement__free_unpacked(s, NULL);
  return rc;
}

int mp_statement_check(const json_t *st, mp_err *e) {
  PbStatement *s = NULL;
  int rc = statement_from_json(st, 0, &s, e);
  if (s) in_toto_attestation__v1__statement__free_unpacked(s, NULL);
  return rc;
}

int mp_statement_parse(const uint8_t *payload, size_t len, json_t **out, mp_err *e) {
  json_t *st;
  int rc = mp_json_parse("statement", payload, len, &st, e);
  if (rc) return rc;
  if ((rc = mp_statement_check(st, e))) {
    json_decref(st);
    return rc;
  }
  *out = st;
  return 0;
}

int mp_statement_to_pb(const json_t *st, uint8_t **out, size_t *outlen, mp_err *e) {
  PbStatement *s = NULL;
  int rc = statement_from_json(st, 1, &s, e);
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
