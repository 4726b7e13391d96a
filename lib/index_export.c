/* index_export.c — `mlprov index export`: every attestation as one JSON Lines
 * record {"dsseEnvelope": ENVELOPE, "mlprovIndex": {...}}, oldest first, so
 * the index can be rebuilt (`mlprov index add` reads the file back, verifying
 * every envelope again: what the export says about verification is
 * informational) or loaded elsewhere.
 *
 * The envelope is rebuilt from the stored payload and signatures and must hash
 * to the row's content address; a row that does not (the database was edited
 * behind mlprov's back) stops the export with an error rather than being
 * passed on. Rows are read in pages of 200 ids so memory stays flat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "index_int.h"

/* The stored parts -> envelope; checks the content address. */
static int rebuild(const char *what, const char *type, const uint8_t *payload, size_t len, const char *sigs,
                   const char *want_sha, mp_dsse **out, mp_err *e) {
  mp_dsse *d = NULL;
  int rc = mp_dsse_new(type, payload, len, &d, e);
  if (rc) return rc;
  json_t *arr = json_loads(sigs, 0, NULL);
  size_t n = json_array_size(arr);
  if (!json_is_array(arr) || !(d->sigs = calloc(n ? n : 1, sizeof *d->sigs))) {
    rc = mp_err_set(e, arr ? MP_ENOMEM : MP_EPARSE, "index row %s: unreadable signatures", what);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    json_t *s = json_array_get(arr, i);
    const char *k = json_string_value(json_object_get(s, "keyid"));
    const char *b = json_string_value(json_object_get(s, "sig"));
    mp_dsse_sig *g = &d->sigs[d->nsigs];
    if (!b || mp_b64_decode(b, strlen(b), &g->sig, &g->sig_len) || (k && !(g->keyid = strdup(k)))) {
      rc = mp_err_set(e, MP_EPARSE, "index row %s: unreadable signature %zu", what, i + 1);
      goto out;
    }
    d->nsigs++;
  }
  char hex[65];
  if ((rc = mp_index_envelope_sha256(d, hex, e))) goto out;
  if (strcmp(hex, want_sha) != 0)
    rc = mp_err_set(e, MP_EVERIFY,
                    "index row %s: the stored envelope hashes to %s, not to its content address: the database "
                    "was changed outside mlprov",
                    what, hex);
out:
  json_decref(arr);
  if (rc) {
    mp_dsse_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

static json_t *signers_of(mp_index *idx, const char *id, mp_err *e, int *rc) {
  const char *p[1] = {id};
  mp_idb_rows *r = NULL;
  json_t *arr = json_array();
  if ((*rc = mp_index_q(idx, "SELECT keyid, verified FROM signers WHERE att_id = CAST($1 AS BIGINT) ORDER BY keyid",
                        p, 1, &r, e)))
    return arr;
  int more;
  while ((more = idx->ops->next(r, e)) > 0)
    json_array_append_new(arr, json_pack("{s:s, s:b}", "keyid", idx->ops->col(r, 0), "verified",
                                         atoi(idx->ops->col(r, 1))));
  if (more < 0) *rc = more;
  idx->ops->rows_free(r);
  return arr;
}

int mp_index_export(mp_index *idx, mp_index_line_fn fn, void *ctx, size_t *count, mp_err *e) {
  char last[24] = "0";
  size_t total = 0;
  int rc = 0;
  for (;;) {
    const char *p[1] = {last};
    mp_idb_rows *r = NULL;
    if ((rc = mp_index_q(idx,
                         "SELECT a.id, a.envelope_sha256, a.verified, a.verify_error, v.payload_type, v.payload,"
                         " v.signatures, a.added_from, a.added_on FROM attestations a JOIN envelopes v ON v.att_id = a.id"
                         " WHERE a.id > CAST($1 AS BIGINT) ORDER BY a.id LIMIT 200",
                         p, 1, &r, e)))
      break;
    size_t page = 0;
    int more;
    /* rows are collected first: a second query on the same connection while
     * this one is being read is not something every backend allows */
    json_t *lines = json_array();
    while (rc == 0 && (more = idx->ops->next(r, e)) > 0) {
      page++;
      const char *(*c)(mp_idb_rows *, int) = idx->ops->col;
      snprintf(last, sizeof last, "%s", c(r, 0));
      size_t len = 0;
      const uint8_t *pl = idx->ops->col_blob(r, 5, &len);
      mp_dsse *d = NULL;
      if ((rc = rebuild(c(r, 1), c(r, 4), pl, len, c(r, 6), c(r, 1), &d, e))) break;
      char *ej = NULL;
      size_t ejl = 0;
      rc = mp_dsse_to_json(d, &ej, &ejl, e);
      mp_dsse_free(d);
      if (rc) break;
      json_t *env = json_loadb(ej, ejl, 0, NULL);
      free(ej);
      if (!env) {
        rc = mp_err_set(e, MP_ENOMEM, "out of memory");
        break;
      }
      char added[64];
      mp_index_time_format(strtoll(c(r, 8), NULL, 10), added, sizeof added);
      json_t *meta = json_pack("{s:s, s:b, s:s, s:s, s:s}", "envelopeSha256", c(r, 1), "verified", atoi(c(r, 2)),
                               "addedFrom", c(r, 7), "addedOn", added, "id", c(r, 0));
      if (c(r, 3)) json_object_set_new(meta, "verifyError", json_string(c(r, 3)));
      json_array_append_new(lines, json_pack("{s:o, s:o}", "dsseEnvelope", env, "mlprovIndex", meta));
    }
    if (more < 0 && rc == 0) rc = more;
    idx->ops->rows_free(r);
    size_t i;
    json_t *line;
    json_array_foreach(lines, i, line) {
      if (rc) break;
      json_t *meta = json_object_get(line, "mlprovIndex");
      json_object_set_new(meta, "signers", signers_of(idx, json_string_value(json_object_get(meta, "id")), e, &rc));
      json_object_del(meta, "id"); /* internal */
      char *s = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
      if (!s) rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      else if (fn(ctx, s, strlen(s))) rc = mp_err_set(e, MP_EIO, "writing the export");
      else total++;
      free(s);
    }
    json_decref(lines);
    if (rc || page == 0) break;
  }
  if (count) *count = total;
  return rc;
}
