/* attest.c — see attest.h. */
#include "attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attestation.pb-c.h"
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
  rc = mp_dsse_new(MP_INTOTO_PAYLOAD_TYPE, (const uint8_t *)payload, len, &d, e);
  free(payload);
  for (size_t i = 0; rc == 0 && i < nkeys; i++) rc = mp_dsse_sign(d, keys[i], e);
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
  if ((rc = mp_backup_existing(paths->jsonl, &paths->jsonl_backup, e))) goto out;
  const void *parts[2] = {json, "\n"};
  size_t lens[2] = {jlen, 1};
  if ((rc = mp_write_file_parts(paths->jsonl, parts, lens, 2, 0644, 0, e))) goto out;
  if (with_pb) {
    json_t *st = NULL;
    uint8_t *stpb = NULL, *envpb = NULL;
    size_t stlen = 0, envlen = 0;
    if ((rc = mp_statement_parse(env->payload, env->payload_len, &st, e)) ||
        (rc = mp_statement_to_pb(st, &stpb, &stlen, e)) || (rc = mp_dsse_to_pb(env, &envpb, &envlen, e))) {
      json_decref(st);
      free(stpb);
      goto out;
    }
    json_decref(st);
    /* Attestation{envelope=1, statement=2}: both fields are length-delimited
     * messages already serialized, so the wrapper is written directly. */
    Io__Intoto__Envelope *envmsg = io__intoto__envelope__unpack(NULL, envlen, envpb);
    InTotoAttestation__V1__Statement *stmsg = in_toto_attestation__v1__statement__unpack(NULL, stlen, stpb);
    free(envpb);
    free(stpb);
    if (!envmsg || !stmsg) {
      io__intoto__envelope__free_unpacked(envmsg, NULL);
      in_toto_attestation__v1__statement__free_unpacked(stmsg, NULL);
      rc = mp_err_set(e, MP_EINTERNAL, "re-reading protobuf attestation");
      goto out;
    }
    Mlprov__V1__Attestation att = MLPROV__V1__ATTESTATION__INIT;
    att.envelope = envmsg;
    att.statement = stmsg;
    size_t n = mlprov__v1__attestation__get_packed_size(&att);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf) mlprov__v1__attestation__pack(&att, buf);
    io__intoto__envelope__free_unpacked(envmsg, NULL);
    in_toto_attestation__v1__statement__free_unpacked(stmsg, NULL);
    if (!buf) {
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      goto out;
    }
    if ((rc = mp_backup_existing(paths->pb, &paths->pb_backup, e)) == 0)
      rc = mp_write_file(paths->pb, buf, n, 0644, 0, e);
    free(buf);
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

int mp_attest_parse(const char *what, const uint8_t *data, size_t len, mp_attest_file **out,
                    mp_err *e) {
  mp_attest_file *f = calloc(1, sizeof *f);
  if (!f) return mp_err_set(e, MP_ENOMEM, "out of memory");
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
  int rc = 0;
  if (i == len) {
    rc = mp_err_set(e, MP_EPARSE, "%s: empty file", what);
  } else if (data[i] == '{') {
    /* a single JSON document (possibly pretty-printed), else JSON Lines */
    json_error_t je;
    json_t *v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (v) {
      rc = parse_json_value(what, v, f, 0, e);
      json_decref(v);
    } else {
      int line = 0;
      for (size_t s = 0; rc == 0 && s < len;) {
        const uint8_t *nl = memchr(data + s, '\n', len - s);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        size_t a = s;
        while (a < end && (data[a] == ' ' || data[a] == '\r' || data[a] == '\t')) a++;
        if (a < end) {
          json_t *lv = json_loadb((const char *)data + s, end - s, JSON_REJECT_DUPLICATES, &je);
          if (!lv) rc = mp_err_set(e, MP_EPARSE, "%s line %d: invalid JSON: %s", what, line, je.text);
          else {
            rc = parse_json_value(what, lv, f, line, e);
            json_decref(lv);
          }
        }
        s = end + 1;
      }
    }
  } else {
    Mlprov__V1__Attestation *att = mlprov__v1__attestation__unpack(NULL, len, data);
    if (!att || !att->envelope) {
      rc = mp_err_set(e, MP_EPARSE, "%s: neither a JSON envelope nor an mlprov protobuf attestation", what);
    } else {
      mp_dsse *env = NULL;
      size_t n = io__intoto__envelope__get_packed_size(att->envelope);
      uint8_t *buf = malloc(n ? n : 1);
      if (!buf) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      else {
        io__intoto__envelope__pack(att->envelope, buf);
        rc = mp_dsse_from_pb(buf, n, &env, e);
        free(buf);
      }
      if (rc == 0 && (rc = add_entry(f, env, 0, e)) == 0 && att->statement) {
        mp_attest_entry *ent = &f->entries[f->n - 1];
        ent->pb_statement_len = in_toto_attestation__v1__statement__get_packed_size(att->statement);
        ent->pb_statement = malloc(ent->pb_statement_len ? ent->pb_statement_len : 1);
        if (!ent->pb_statement) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        else in_toto_attestation__v1__statement__pack(att->statement, ent->pb_statement);
      }
    }
    if (att) mlprov__v1__attestation__free_unpacked(att, NULL);
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
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = mp_read_file(path, MP_ENVELOPE_MAX, &data, &len, e);
  if (rc) return mp_err_prefix(e, "reading provenance");
  rc = mp_attest_parse(path, data, len, out, e);
  free(data);
  return rc;
}

void mp_attest_file_free(mp_attest_file *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) {
    mp_dsse_free(f->entries[i].env);
    free(f->entries[i].pb_statement);
  }
  free(f->entries);
  free(f);
}

int mp_attest_verify(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                     size_t min_sigs, json_t **statement, mp_dsse_result *res, mp_err *e) {
  const mp_dsse *env = ent->env;
  if (strcmp(env->payload_type, MP_INTOTO_PAYLOAD_TYPE) != 0)
    return mp_err_set(e, MP_EVERIFY, "payloadType is \"%s\", expected %s", env->payload_type,
                      MP_INTOTO_PAYLOAD_TYPE);
  int rc = mp_dsse_verify(env, keys, nkeys, min_sigs, res, e);
  if (rc) return rc;
  json_t *st = NULL;
  rc = mp_statement_parse(env->payload, env->payload_len, &st, e);
  if (rc) {
    /* signed but malformed: the signer vouched for garbage; still refuse */
    if (e) {
      char why[MP_ERR_MSG_MAX];
      memcpy(why, e->msg, sizeof why);
      return mp_err_set(e, MP_EVERIFY, "signed payload is not a valid statement: %.900s", why);
    }
    return MP_EVERIFY;
  }
  if (ent->pb_statement) {
    uint8_t *mine = NULL;
    size_t mlen = 0;
    rc = mp_statement_to_pb(st, &mine, &mlen, e);
    if (rc == 0 && (mlen != ent->pb_statement_len || memcmp(mine, ent->pb_statement, mlen) != 0))
      rc = mp_err_set(e, MP_EVERIFY, "protobuf statement differs from the signed JSON payload");
    free(mine);
    if (rc) {
      json_decref(st);
      return rc;
    }
  }
  *statement = st;
  return 0;
}
