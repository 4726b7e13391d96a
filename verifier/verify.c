/* verify.c — see verify.h. Order of checks: envelope shape, payloadType,
 * signature over the exact payload bytes, statement shape (typed SLSA check),
 * then artifacts: each is re-hashed and must equal the digest of a subject.
 * An artifact matches a subject by digest; when a subject of the same name
 * has another digest the reason is "digest mismatch", when no subject has its
 * digest or name it is "unknown subject". */
#include "verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest.h"
#include "digest.h"
#include "modeldir.h"
#include "statement.h"

int mp_artifact_digest(const char *path, unsigned threads, char *hex, int *is_dir, mp_err *e) {
  struct stat st;
  if (stat(path, &st) != 0) return mp_err_errno(e, MP_EIO, errno, "reading artifact %s", path);
  *is_dir = S_ISDIR(st.st_mode);
  if (*is_dir) {
    mp_model *m = NULL;
    mp_model_opts mo = {.threads = threads};
    int rc = mp_model_digest(path, &mo, &m, e);
    if (rc) return rc;
    memcpy(hex, m->root_hex, 2 * MP_SHA256_LEN + 1);
    mp_model_free(m);
    return 0;
  }
  mp_file_digest d;
  int rc = mp_digest_file(path, "sha256", &d, e);
  if (rc) return rc;
  if (d.changed) return mp_err_set(e, MP_EIO, "artifact %s changed while it was being hashed", path);
  memcpy(hex, d.hex, 2 * MP_SHA256_LEN + 1);
  return 0;
}

static const char *base_name(const char *p) {
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/') n--;
  const char *s = p + n;
  while (s > p && s[-1] != '/') s--;
  return s;
}

/* Compares names ignoring "./" prefixes and trailing slashes. */
static int same_name(const char *a, const char *b) {
  while (a[0] == '.' && a[1] == '/') a += 2;
  while (b[0] == '.' && b[1] == '/') b += 2;
  size_t la = strlen(a), lb = strlen(b);
  while (la > 1 && a[la - 1] == '/') la--;
  while (lb > 1 && b[lb - 1] == '/') lb--;
  return la == lb && strncmp(a, b, la) == 0;
}

static int same_base(const char *a, const char *b) {
  const char *x = base_name(a), *y = base_name(b);
  size_t lx = strcspn(x, "/"), ly = strcspn(y, "/");
  return lx == ly && strncmp(x, y, lx) == 0;
}

/* Checks artifacts against the statement's subjects; fills arr. */
static int check_artifacts(const mp_verify_opts *o, const json_t *st, const char (*hexes)[2 * MP_SHA256_LEN + 1],
                           json_t *arr, char *reason, size_t rlen) {
  json_t *subjects = json_object_get(st, "subject");
  int all_ok = 1;
  for (size_t i = 0; i < o->nartifacts; i++) {
    const char *path = o->artifacts[i];
    const char *hex = hexes[i];
    json_t *by_digest = NULL, *by_name = NULL;
    size_t k;
    json_t *s;
    json_array_foreach(subjects, k, s) {
      json_t *d = json_object_get(json_object_get(s, "digest"), "sha256");
      const char *name = json_string_value(json_object_get(s, "name"));
      if (d && strcmp(json_string_value(d), hex) == 0 && !by_digest) by_digest = s;
      if (name && !by_name && (same_name(name, path) || same_base(name, path))) by_name = s;
    }
    json_t *a = json_pack("{s:s, s:s}", "path", path, "sha256", hex);
    if (by_digest) {
      json_object_set_new(a, "ok", json_true());
      json_object_set(a, "subject", json_object_get(by_digest, "name"));
    } else {
      all_ok = 0;
      json_object_set_new(a, "ok", json_false());
      char why[768];
      if (by_name) {
        json_t *d = json_object_get(json_object_get(by_name, "digest"), "sha256");
        snprintf(why, sizeof why, "digest mismatch for %s: provenance says sha256:%s, file is sha256:%s", path,
                 d ? json_string_value(d) : "(none)", hex);
      } else {
        snprintf(why, sizeof why, "unknown subject: %s (sha256:%s) is not named in the provenance", path, hex);
      }
      json_object_set_new(a, "reason", json_string(why));
      if (!*reason) snprintf(reason, rlen, "%s", why);
    }
    json_array_append_new(arr, a);
  }
  return all_ok;
}

int mp_verify_provenance(const mp_verify_opts *o, json_t **report, mp_err *e) {
  *report = NULL;
  if (o->nkeys == 0) return mp_err_set(e, MP_EUSAGE, "no trusted key given (--key PUB)");
  /* Hash artifacts first: an unreadable artifact is an I/O error, not a verdict. */
  char (*hexes)[2 * MP_SHA256_LEN + 1] = calloc(o->nartifacts + 1, sizeof *hexes);
  if (!hexes) return mp_err_set(e, MP_ENOMEM, "out of memory");
  for (size_t i = 0; i < o->nartifacts; i++) {
    int is_dir;
    int rc = mp_artifact_digest(o->artifacts[i], o->threads, hexes[i], &is_dir, e);
    if (rc) {
      free(hexes);
      return rc;
    }
  }
  mp_attest_file *f = NULL;
  int rc = mp_attest_load(o->provenance, &f, e);
  if (rc) {
    free(hexes);
    /* a file that is not an envelope at all cannot verify: say so as a verdict */
    if (rc == MP_EPARSE) {
      *report = json_pack("{s:b, s:s, s:s}", "verified", 0, "provenance", o->provenance, "reason", e->msg);
      return MP_EVERIFY;
    }
    return rc;
  }
  json_t *best = NULL;
  int best_stage = -1;
  int verified = 0;
  for (size_t i = 0; i < f->n && !verified; i++) {
    mp_attest_entry *ent = &f->entries[i];
    json_t *r = json_pack("{s:s, s:{s:i}}", "provenance", o->provenance, "envelope", "line", ent->line);
    json_t *st = NULL;
    mp_dsse_result dr = {0};
    mp_err ve;
    mp_err_clear(&ve);
    int stage = 0;
    char reason[1024] = "";
    int vrc = mp_attest_verify(ent, o->keys, o->nkeys, o->min_sigs, &st, &dr, &ve);
    if (vrc == 0) {
      stage = 2;
      json_object_set_new(r, "signature",
                          json_pack("{s:b, s:s, s:s, s:I}", "ok", 1, "keyid", mp_key_id(dr.first), "keyType",
                                    mp_key_type_name(mp_key_get_type(dr.first)), "validSignatures",
                                    (json_int_t)dr.valid));
      json_t *pred = json_object_get(st, "predicate");
      json_t *bd = json_object_get(pred, "buildDefinition");
      json_t *builder = json_object_get(json_object_get(pred, "runDetails"), "builder");
      json_t *names = json_array();
      size_t k;
      json_t *s;
      json_array_foreach(json_object_get(st, "subject"), k, s) json_array_append_new(names, json_deep_copy(s));
      json_object_set_new(r, "statement",
                          json_pack("{s:b, s:O, s:O?, s:O?, s:o}", "ok", 1, "predicateType",
                                    json_object_get(st, "predicateType"), "buildType", json_object_get(bd, "buildType"),
                                    "builderId", json_object_get(builder, "id"), "subjects", names));
      json_t *arts = json_array();
      verified = check_artifacts(o, st, (const char(*)[2 * MP_SHA256_LEN + 1])hexes, arts, reason, sizeof reason);
      json_object_set_new(r, "artifacts", arts);
      if (verified) stage = 3;
    } else {
      int sig_ok = dr.valid > 0 && (o->min_sigs <= 1 || dr.valid >= o->min_sigs);
      stage = sig_ok ? 1 : 0;
      json_object_set_new(r, "signature", json_pack("{s:b}", "ok", sig_ok));
      if (sig_ok) json_object_set_new(r, "statement", json_pack("{s:b, s:s}", "ok", 0, "reason", ve.msg));
      snprintf(reason, sizeof reason, "%s", ve.msg);
    }
    json_object_set_new(r, "verified", json_boolean(verified));
    json_object_set_new(r, "reason", verified ? json_null() : json_string(reason));
    json_t *stj = st;
    if (stage > best_stage) {
      json_decref(best);
      best = r;
      best_stage = stage;
    } else {
      json_decref(r);
    }
    json_decref(stj);
  }
  mp_attest_file_free(f);
  free(hexes);
  *report = best;
  return verified ? 0 : MP_EVERIFY;
}

void mp_verify_print(const json_t *r, FILE *out) {
  const char *prov = json_string_value(json_object_get(r, "provenance"));
  fprintf(out, "provenance  %s", prov ? prov : "?");
  json_int_t line = json_integer_value(json_object_get(json_object_get(r, "envelope"), "line"));
  if (line) fprintf(out, " (line %lld)", (long long)line);
  fputc('\n', out);
  json_t *sig = json_object_get(r, "signature");
  if (sig) {
    if (json_is_true(json_object_get(sig, "ok")))
      fprintf(out, "signature   ok    %s key %.16s (%lld valid)\n",
              json_string_value(json_object_get(sig, "keyType")), json_string_value(json_object_get(sig, "keyid")),
              (long long)json_integer_value(json_object_get(sig, "validSignatures")));
    else
      fprintf(out, "signature   FAIL\n");
  }
  json_t *st = json_object_get(r, "statement");
  if (st) {
    if (json_is_true(json_object_get(st, "ok")))
      fprintf(out, "statement   ok    %s, %zu subject(s), builder %s\n",
              json_string_value(json_object_get(st, "predicateType")),
              json_array_size(json_object_get(st, "subjects")),
              json_string_value(json_object_get(st, "builderId")) ? json_string_value(json_object_get(st, "builderId")) : "?");
    else
      fprintf(out, "statement   FAIL\n");
  }
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(r, "artifacts"), i, a) {
    if (json_is_true(json_object_get(a, "ok")))
      fprintf(out, "artifact    ok    %s sha256:%s\n", json_string_value(json_object_get(a, "path")),
              json_string_value(json_object_get(a, "sha256")));
    else
      fprintf(out, "artifact    FAIL  %s\n", json_string_value(json_object_get(a, "reason")));
  }
  if (json_is_true(json_object_get(r, "verified")))
    fprintf(out, "VERIFIED\n");
  else
    fprintf(out, "NOT VERIFIED: %s\n", json_string_value(json_object_get(r, "reason")));
}
