/* bundle.c — see bundle.h. Field names are the protobuf JSON (camelCase)
 * names of dev.sigstore.bundle.v1.Bundle. */
#include "bundle.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "encoding.h"
#include "fileio.h"
#include "statement.h"

const char *mp_bundle_kind_name(mp_bundle_kind k) {
  switch (k) {
    case MP_BUNDLE_KEY: return "key";
    case MP_BUNDLE_CERT: return "certificate";
    case MP_BUNDLE_SIGSTORE: return "sigstore";
  }
  return "unknown";
}

int mp_bundle_key_hint(const mp_key *k, char hint[2 * 32 + 1], mp_err *e) {
  char *pem = NULL;
  size_t len = 0;
  int rc = mp_key_public_pem(k, &pem, &len, e);
  if (rc) return rc;
  uint8_t h[MP_SHA256_LEN];
  mp_sha256(pem, len, h);
  mp_hex_encode(h, sizeof h, hint);
  free(pem);
  return 0;
}

static json_t *b64_string(const uint8_t *data, size_t len) {
  char *s = mp_b64_encode(data, len);
  json_t *j = s ? json_string(s) : NULL;
  free(s);
  return j;
}

static json_t *material(const mp_key *key, const mp_certs *chain, mp_err *e) {
  json_t *vm = json_object();
  if (!vm) return NULL;
  if (!chain) {
    char hint[65];
    if (mp_bundle_key_hint(key, hint, e)) {
      json_decref(vm);
      return NULL;
    }
    json_object_set_new(vm, "publicKey", json_pack("{s:s}", "hint", hint));
  } else {
    json_t *certs = json_array();
    for (size_t i = 0; certs && i < mp_certs_count(chain); i++) {
      uint8_t *der = NULL;
      size_t len = 0;
      if (mp_certs_der(chain, i, &der, &len, e)) {
        json_decref(certs);
        json_decref(vm);
        return NULL;
      }
      json_array_append_new(certs, json_pack("{s:o}", "rawBytes", b64_string(der, len)));
      free(der);
    }
    json_object_set_new(vm, "x509CertificateChain", json_pack("{s:o}", "certificates", certs));
  }
  json_object_set_new(vm, "tlogEntries", json_array());
  return vm;
}

int mp_bundle_write_json(const mp_dsse *env, const mp_key *key, const mp_certs *chain, char **out,
                         size_t *len, mp_err *e) {
  mp_err_clear(e);
  json_t *vm = material(key, chain, e);
  if (!vm) return e && e->code ? e->code : mp_err_set(e, MP_ENOMEM, "out of memory");
  json_t *sigs = json_array();
  for (size_t i = 0; sigs && i < env->nsigs; i++)
    json_array_append_new(sigs, json_pack("{s:o, s:s}", "sig", b64_string(env->sigs[i].sig, env->sigs[i].sig_len),
                                          "keyid", ""));
  json_t *root = json_pack("{s:s, s:o, s:{s:o, s:s, s:o}}", "mediaType", MP_BUNDLE_MEDIA_TYPE,
                           "verificationMaterial", vm, "dsseEnvelope", "payload",
                           b64_string(env->payload, env->payload_len), "payloadType",
                           env->payload_type, "signatures", sigs);
  /* indent 4, insertion order: the layout of the reference tool's bundles */
  char *text = root ? json_dumps(root, JSON_INDENT(4)) : NULL;
  json_decref(root);
  if (!text) return mp_err_set(e, MP_ENOMEM, "out of memory encoding the bundle");
  size_t n = strlen(text);
  char *s = realloc(text, n + 2);
  if (!s) {
    free(text);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  s[n] = '\n';
  s[n + 1] = '\0';
  *out = s;
  *len = n + 1;
  return 0;
}

static int b64_field(const char *what, json_t *obj, const char *name, uint8_t **out, size_t *len,
                     mp_err *e) {
  json_t *v = json_object_get(obj, name);
  if (!json_is_string(v) || json_string_length(v) == 0)
    return mp_err_set(e, MP_EPARSE, "%s: \"%s\" missing or empty", what, name);
  if (mp_b64_decode(json_string_value(v), json_string_length(v), out, len) != 0)
    return mp_err_set(e, MP_EPARSE, "%s: \"%s\" is not valid base64", what, name);
  return 0;
}

static int add_cert(mp_bundle *b, json_t *c, const char *what, mp_err *e) {
  if (!json_is_object(c)) return mp_err_set(e, MP_EPARSE, "%s: not an object", what);
  uint8_t *der = NULL;
  size_t len = 0;
  int rc = b64_field(what, c, "rawBytes", &der, &len, e);
  if (rc == 0) rc = mp_certs_add_der(b->certs, what, der, len, e);
  free(der);
  return rc;
}

static int parse_material(mp_bundle *b, json_t *vm, mp_err *e) {
  if (!json_is_object(vm)) return mp_err_set(e, MP_EPARSE, "bundle: \"verificationMaterial\" missing or not an object");
  json_t *pk = json_object_get(vm, "publicKey");
  json_t *chain = json_object_get(vm, "x509CertificateChain");
  json_t *cert = json_object_get(vm, "certificate");
  json_t *tlog = json_object_get(vm, "tlogEntries");
  if ((pk != NULL) + (chain != NULL) + (cert != NULL) != 1)
    return mp_err_set(e, MP_EPARSE,
                      "bundle: verificationMaterial needs exactly one of publicKey, x509CertificateChain, certificate");
  if (tlog && !json_is_array(tlog)) return mp_err_set(e, MP_EPARSE, "bundle: \"tlogEntries\" is not an array");
  b->ntlog = json_array_size(tlog);
  int rc = mp_certs_new(&b->certs, e);
  if (rc) return rc;
  if (pk) {
    b->kind = MP_BUNDLE_KEY;
    if (!json_is_object(pk)) return mp_err_set(e, MP_EPARSE, "bundle: \"publicKey\" is not an object");
    json_t *hint = json_object_get(pk, "hint");
    if (hint && !json_is_string(hint)) return mp_err_set(e, MP_EPARSE, "bundle: publicKey.hint is not a string");
    if (json_is_string(hint) && json_string_length(hint) && !(b->hint = strdup(json_string_value(hint))))
      return mp_err_set(e, MP_ENOMEM, "out of memory");
    if (json_object_get(pk, "rawBytes") &&
        (rc = b64_field("bundle: publicKey", pk, "rawBytes", &b->raw_key, &b->raw_key_len, e)))
      return rc;
    if (!b->hint && !b->raw_key)
      return mp_err_set(e, MP_EPARSE, "bundle: publicKey has neither \"hint\" nor \"rawBytes\"");
  } else if (chain) {
    b->kind = MP_BUNDLE_CERT;
    json_t *list = json_is_object(chain) ? json_object_get(chain, "certificates") : NULL;
    if (!json_is_array(list) || json_array_size(list) == 0)
      return mp_err_set(e, MP_EPARSE, "bundle: x509CertificateChain.certificates missing or empty");
    for (size_t i = 0; i < json_array_size(list); i++) {
      char what[64];
      snprintf(what, sizeof what, "bundle: certificate %zu", i);
      if ((rc = add_cert(b, json_array_get(list, i), what, e))) return rc;
    }
  } else {
    b->kind = MP_BUNDLE_SIGSTORE;
    if ((rc = add_cert(b, cert, "bundle: certificate", e))) return rc;
    if (b->ntlog == 0)
      return mp_err_set(e, MP_EPARSE,
                        "bundle: a Sigstore (keyless) bundle needs at least one tlogEntries item, found none");
  }
  return 0;
}

static int parse_envelope(mp_bundle *b, json_t *env, mp_err *e) {
  if (!json_is_object(env)) return mp_err_set(e, MP_EPARSE, "bundle: \"dsseEnvelope\" missing or not an object");
  json_t *payload = json_object_get(env, "payload");
  if (!json_is_string(payload) || json_string_length(payload) == 0)
    return mp_err_set(e, MP_EPARSE, "bundle: dsseEnvelope.payload missing or empty");
  json_t *sigs = json_object_get(env, "signatures");
  if (!json_is_array(sigs) || json_array_size(sigs) == 0)
    return mp_err_set(e, MP_EPARSE, "bundle: dsseEnvelope has no signatures");
  int rc = mp_dsse_from_json_value(env, &b->env, e);
  if (rc) return mp_err_prefix(e, "bundle");
  if (strcmp(b->env->payload_type, MP_INTOTO_PAYLOAD_TYPE) != 0)
    return mp_err_set(e, MP_EPARSE, "bundle: payloadType is \"%s\", expected %s", b->env->payload_type,
                      MP_INTOTO_PAYLOAD_TYPE);
  for (size_t i = 0; i < b->env->nsigs; i++)
    if (b->env->sigs[i].sig_len == 0) return mp_err_set(e, MP_EPARSE, "bundle: signature %zu is empty", i);
  return 0;
}

int mp_bundle_parse(const char *what, const uint8_t *data, size_t len, mp_bundle **out, mp_err *e) {
  json_t *root = NULL;
  int rc = mp_json_parse(what, data, len, &root, e);
  if (rc) return rc;
  mp_bundle *b = calloc(1, sizeof *b);
  rc = b ? 0 : mp_err_set(e, MP_ENOMEM, "out of memory");
  json_t *mt = json_object_get(root, "mediaType");
  if (rc == 0 && !json_is_object(root)) rc = mp_err_set(e, MP_EPARSE, "bundle: not a JSON object");
  else if (rc == 0 && (!json_is_string(mt) ||
                       strncmp(json_string_value(mt), "application/vnd.dev.sigstore.bundle", 35) != 0))
    rc = mp_err_set(e, MP_EPARSE, "bundle: \"mediaType\" missing or not a Sigstore bundle media type");
  else if (rc == 0 && !(b->media_type = strdup(json_string_value(mt))))
    rc = mp_err_set(e, MP_ENOMEM, "out of memory");
  if (rc == 0) rc = parse_envelope(b, json_object_get(root, "dsseEnvelope"), e);
  if (rc == 0) rc = parse_material(b, json_object_get(root, "verificationMaterial"), e);
  json_decref(root);
  if (rc) {
    mp_bundle_free(b);
    return mp_err_prefix(e, "%s", what);
  }
  *out = b;
  return 0;
}

int mp_bundle_load(const char *path, mp_bundle **out, mp_err *e) {
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, MP_BUNDLE_MAX, &data, &len, e);
  if (rc) return mp_err_prefix(e, "reading signature");
  rc = mp_bundle_parse(path, data, len, out, e);
  free(data);
  return rc;
}

void mp_bundle_free(mp_bundle *b) {
  if (!b) return;
  free(b->media_type);
  free(b->hint);
  free(b->raw_key);
  mp_certs_free(b->certs);
  mp_dsse_free(b->env);
  free(b);
}
