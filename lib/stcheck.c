/* stcheck.c — the checks of an in-toto Statement v1 and of an SLSA v1
 * provenance predicate (statement.h), made on the flat tree (jsonflat.h).
 *
 * These are the only statement rules: mp_statement_check and
 * mp_statement_parse, which hold jansson trees, come here too. A field must
 * have the type the protobuf schema gives it (schema/statement.proto,
 * schema/provenance.proto), required fields must be present and non-empty,
 * digests must be lowercase hex, `content` must be base64. Unknown fields are
 * ignored, as the spec asks of consumers; free-form Structs (parameters,
 * annotations) only need to be objects. The first problem found is reported,
 * in document order of the rules below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "jsonflat.h"
#include "statement.h"

typedef struct checker {
  const mp_jflat *d;
  mp_err *e;
} checker;

static int want_string(checker *c, mp_jv obj, const char *key, int required, const char *where,
                       const char **out) {
  mp_jv v = mp_jflat_get(c->d, obj, key);
  *out = NULL;
  if (!v) {
    if (required) return mp_err_set(c->e, MP_EPARSE, "%s: required field \"%s\" is missing", where, key);
    return 0;
  }
  if (mp_jflat_type(c->d, v) != MP_JF_STRING)
    return mp_err_set(c->e, MP_EPARSE, "%s: \"%s\" is not a string", where, key);
  *out = mp_jflat_str(c->d, v);
  if (required && !**out) return mp_err_set(c->e, MP_EPARSE, "%s: \"%s\" is empty", where, key);
  return 0;
}

static int want_object(checker *c, mp_jv obj, const char *key, int required, const char *where, mp_jv *out) {
  mp_jv v = mp_jflat_get(c->d, obj, key);
  *out = 0;
  if (!v) {
    if (required) return mp_err_set(c->e, MP_EPARSE, "%s: required field \"%s\" is missing", where, key);
    return 0;
  }
  if (mp_jflat_type(c->d, v) != MP_JF_OBJECT)
    return mp_err_set(c->e, MP_EPARSE, "%s: \"%s\" is not an object", where, key);
  *out = v;
  return 0;
}

/* A ResourceDescriptor: at least one of name, uri, digest, content (in-toto
 * ResourceDescriptor v1); every digest value lowercase hex, the first bad one
 * in key order named. */
static int check_rd(checker *c, mp_jv j, const char *where, int need_digest) {
  if (mp_jflat_type(c->d, j) != MP_JF_OBJECT) return mp_err_set(c->e, MP_EPARSE, "%s: not an object", where);
  const char *name, *uri, *dl, *mt, *content;
  mp_jv digest, ann;
  int rc;
  if ((rc = want_string(c, j, "name", 0, where, &name)) || (rc = want_string(c, j, "uri", 0, where, &uri)) ||
      (rc = want_string(c, j, "downloadLocation", 0, where, &dl)) ||
      (rc = want_string(c, j, "mediaType", 0, where, &mt)) ||
      (rc = want_string(c, j, "content", 0, where, &content)) ||
      (rc = want_object(c, j, "digest", need_digest, where, &digest)) ||
      (rc = want_object(c, j, "annotations", 0, where, &ann)))
    return rc;
  if (!name && !uri && !digest && !content)
    return mp_err_set(c->e, MP_EPARSE, "%s: needs at least one of name, uri, digest, content", where);
  if (need_digest && mp_jflat_size(c->d, digest) == 0)
    return mp_err_set(c->e, MP_EPARSE, "%s: digest is empty", where);
  if (content) {
    uint8_t *bytes = NULL;
    size_t blen;
    if (mp_b64_decode(content, strlen(content), &bytes, &blen) != 0)
      return mp_err_set(c->e, MP_EPARSE, "%s: content is not base64", where);
    free(bytes);
  }
  const char *bad = NULL;
  mp_jflat_foreach(c->d, digest, v) {
    const char *k = mp_jflat_key(c->d, v);
    const char *hex = mp_jflat_str(c->d, v);
    if ((!hex || !mp_is_lower_hex(hex)) && (!bad || strcmp(k, bad) < 0)) bad = k;
  }
  if (bad) return mp_err_set(c->e, MP_EPARSE, "%s: digest \"%s\" is not lowercase hex", where, bad);
  return 0;
}

/* Element i of a list, named "where.key[i]" in a message: the name is only
 * written when there is a message (a statement has hundreds of elements). */
static int check_element(checker *c, mp_jv v, const char *where, const char *key, size_t i, int need_digest) {
  checker quiet = {c->d, NULL};
  if (check_rd(&quiet, v, "", need_digest) == 0) return 0;
  char w[160];
  if (key) snprintf(w, sizeof w, "%s.%s[%zu]", where, key, i);
  else snprintf(w, sizeof w, "%s[%zu]", where, i);
  return check_rd(c, v, w, need_digest);
}

static int check_rd_list(checker *c, mp_jv parent, const char *key, const char *where) {
  mp_jv arr = mp_jflat_get(c->d, parent, key);
  if (!arr) return 0;
  if (mp_jflat_type(c->d, arr) != MP_JF_ARRAY)
    return mp_err_set(c->e, MP_EPARSE, "%s: \"%s\" is not an array", where, key);
  size_t i = 0;
  mp_jflat_foreach(c->d, arr, v) {
    int rc = check_element(c, v, where, key, i++, 0);
    if (rc) return rc;
  }
  return 0;
}

static int check_time(checker *c, mp_jv obj, const char *key, const char *where) {
  const char *s;
  int rc = want_string(c, obj, key, 0, where, &s);
  if (rc || !s) return rc;
  struct timespec ts;
  if (mp_time_parse(s, &ts) != 0)
    return mp_err_set(c->e, MP_EPARSE, "%s: \"%s\" is not an RFC 3339 timestamp", where, key);
  return 0;
}

static int check_provenance(checker *c, mp_jv pred) {
  if (mp_jflat_type(c->d, pred) != MP_JF_OBJECT) return mp_err_set(c->e, MP_EPARSE, "predicate: not an object");
  mp_jv bdj, rdj, ext, intl, bj, mj, bvj;
  const char *build_type, *builder_id, *inv;
  int rc;
  if ((rc = want_object(c, pred, "buildDefinition", 1, "predicate", &bdj)) ||
      (rc = want_object(c, pred, "runDetails", 1, "predicate", &rdj)) ||
      (rc = want_string(c, bdj, "buildType", 1, "buildDefinition", &build_type)) ||
      (rc = want_object(c, bdj, "externalParameters", 1, "buildDefinition", &ext)) ||
      (rc = want_object(c, bdj, "internalParameters", 0, "buildDefinition", &intl)) ||
      (rc = want_object(c, rdj, "builder", 1, "runDetails", &bj)) ||
      (rc = want_string(c, bj, "id", 1, "runDetails.builder", &builder_id)) ||
      (rc = want_object(c, bj, "version", 0, "runDetails.builder", &bvj)) ||
      (rc = want_object(c, rdj, "metadata", 0, "runDetails", &mj)))
    return rc;
  if (mj && (rc = want_string(c, mj, "invocationId", 0, "runDetails.metadata", &inv))) return rc;
  if ((rc = check_rd_list(c, bdj, "resolvedDependencies", "buildDefinition")) ||
      (rc = check_rd_list(c, rdj, "byproducts", "runDetails")) ||
      (rc = check_rd_list(c, bj, "builderDependencies", "runDetails.builder")))
    return rc;
  mp_jflat_foreach(c->d, bvj, v) {
    if (mp_jflat_type(c->d, v) != MP_JF_STRING)
      return mp_err_set(c->e, MP_EPARSE, "runDetails.builder.version: \"%s\" is not a string", mp_jflat_key(c->d, v));
  }
  if (mj && ((rc = check_time(c, mj, "startedOn", "runDetails.metadata")) ||
             (rc = check_time(c, mj, "finishedOn", "runDetails.metadata"))))
    return rc;
  return 0;
}

int mp_statement_check_flat(const mp_jflat *d, mp_err *e) {
  checker c = {d, e};
  mp_jv st = mp_jflat_root(d);
  if (mp_jflat_type(d, st) != MP_JF_OBJECT) return mp_err_set(e, MP_EPARSE, "statement: not a JSON object");
  const char *type, *ptype;
  mp_jv pred = mp_jflat_get(d, st, "predicate");
  int rc;
  if ((rc = want_string(&c, st, "_type", 1, "statement", &type)) ||
      (rc = want_string(&c, st, "predicateType", 1, "statement", &ptype)))
    return rc;
  if (strcmp(type, MP_STATEMENT_TYPE) != 0)
    return mp_err_set(e, MP_EPARSE, "statement: _type is \"%s\", expected %s", type, MP_STATEMENT_TYPE);
  if (pred && mp_jflat_type(d, pred) != MP_JF_OBJECT)
    return mp_err_set(e, MP_EPARSE, "statement: predicate is not an object");
  mp_jv subj = mp_jflat_get(d, st, "subject");
  if (mp_jflat_type(d, subj) != MP_JF_ARRAY || mp_jflat_size(d, subj) == 0)
    return mp_err_set(e, MP_EPARSE, "statement: \"subject\" must be a non-empty array");
  size_t i = 0;
  mp_jflat_foreach(d, subj, v) {
    if ((rc = check_element(&c, v, "statement.subject", NULL, i++, 1))) return rc;
  }
  if (pred && strcmp(ptype, MP_SLSA_PROVENANCE_V1) == 0) return check_provenance(&c, pred);
  return 0;
}

int mp_statement_parse_flat(const uint8_t *payload, size_t len, mp_jflat **out, mp_err *e) {
  mp_jflat *d = NULL;
  int rc = mp_jflat_parse("statement", payload, len, &d, e);
  if (rc) return rc;
  if ((rc = mp_statement_check_flat(d, e))) {
    mp_jflat_free(d);
    return rc;
  }
  *out = d;
  return 0;
}
