/* dsclaim.c — see dsclaim.h. Everything read from the statement is checked
 * for type and form: a signed statement can still be malformed, and a
 * malformed commitment must never let a proof pass. */
#include "dsclaim.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "statement.h"

int mp_dsclaim_annotate(json_t *rd, const mp_dscommit *c, mp_dsformat fmt) {
  char root[2 * MP_SHA256_LEN + 1], sorted[2 * MP_SHA256_LEN + 1];
  mp_hex_encode(c->root, MP_SHA256_LEN, root);
  mp_hex_encode(c->sorted_root, MP_SHA256_LEN, sorted);
  int rc = mp_rd_annotate(rd, "recordsTreeType", json_string(MP_DSCLAIM_TREE_TYPE));
  rc |= mp_rd_annotate(rd, "recordsMerkleRoot", json_string(root));
  rc |= mp_rd_annotate(rd, "recordsTreeSize", json_integer((json_int_t)c->size));
  rc |= mp_rd_annotate(rd, "recordsSortedMerkleRoot", json_string(sorted));
  rc |= mp_rd_annotate(rd, "recordsSortedTreeSize", json_integer((json_int_t)c->distinct));
  rc |= mp_rd_annotate(rd, "recordFormat", json_string(mp_dsformat_name(fmt)));
  return rc ? MP_ENOMEM : 0;
}

/* The dataset descriptors of a statement, wherever the statement keeps them. */
static const json_t *dataset_list(const json_t *st, int *from_subject) {
  const char *ptype = json_string_value(json_object_get(st, "predicateType"));
  *from_subject = ptype && strcmp(ptype, MP_DSCLAIM_PREDICATE) == 0;
  if (*from_subject) return json_object_get(st, "subject");
  json_t *bd = json_object_get(json_object_get(st, "predicate"), "buildDefinition");
  return json_object_get(bd, "resolvedDependencies");
}

static int is_dataset(const json_t *rd, int from_subject) {
  json_t *kind = json_object_get(json_object_get(rd, "annotations"), "kind");
  return from_subject || (json_is_string(kind) && strcmp(json_string_value(kind), "dataset") == 0);
}

static int get_root(const json_t *ann, const char *key, uint8_t out[MP_SHA256_LEN]) {
  const char *s = json_string_value(json_object_get(ann, key));
  return s && strlen(s) == 2 * MP_SHA256_LEN && mp_is_lower_hex(s) &&
                 mp_hex_decode(s, 2 * MP_SHA256_LEN, out, MP_SHA256_LEN) == 0
             ? 0
             : -1;
}

static int get_size(const json_t *ann, const char *key, uint64_t *out) {
  json_t *v = json_object_get(ann, key);
  if (!json_is_integer(v) || json_integer_value(v) < 1) return -1;
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

static int read_claim(const json_t *rd, const char *name, mp_dsclaim *out, mp_err *e) {
  json_t *ann = json_object_get(rd, "annotations");
  memset(out, 0, sizeof *out);
  out->name = name;
  json_t *type = json_object_get(ann, "recordsTreeType");
  if (type && (!json_is_string(type) || strcmp(json_string_value(type), MP_DSCLAIM_TREE_TYPE) != 0))
    return mp_err_set(e, MP_EVERIFY, "dataset %s: records tree type %s is not %s", name,
                      json_is_string(type) ? json_string_value(type) : "(not a string)", MP_DSCLAIM_TREE_TYPE);
  json_t *fmt = json_object_get(ann, "recordFormat");
  out->format = MP_DSFMT_RECORDS;
  if (fmt && mp_dsformat_parse(json_string_value(fmt), &out->format) != 0)
    return mp_err_set(e, MP_EVERIFY, "dataset %s: unknown record format %s", name,
                      json_is_string(fmt) ? json_string_value(fmt) : "(not a string)");
  if (get_root(ann, "recordsMerkleRoot", out->commit.root) || get_size(ann, "recordsTreeSize", &out->commit.size))
    return mp_err_set(e, MP_EVERIFY, "dataset %s: malformed recordsMerkleRoot/recordsTreeSize", name);
  json_t *sr = json_object_get(ann, "recordsSortedMerkleRoot"), *ss = json_object_get(ann, "recordsSortedTreeSize");
  if (sr || ss) {
    if (get_root(ann, "recordsSortedMerkleRoot", out->commit.sorted_root) ||
        get_size(ann, "recordsSortedTreeSize", &out->commit.distinct) || out->commit.distinct > out->commit.size)
      return mp_err_set(e, MP_EVERIFY, "dataset %s: malformed recordsSortedMerkleRoot/recordsSortedTreeSize", name);
    out->has_sorted = 1;
  }
  return 0;
}

int mp_dsclaim_find(const json_t *statement, const char *name, mp_dsclaim *out, mp_err *e) {
  int from_subject;
  const json_t *list = dataset_list(statement, &from_subject);
  char names[512] = "";
  size_t i, used = 0;
  json_t *rd;
  json_array_foreach(list, i, rd) {
    if (!is_dataset(rd, from_subject)) continue;
    const char *n = json_string_value(json_object_get(rd, "name"));
    if (!n) continue;
    int has = json_object_get(json_object_get(rd, "annotations"), "recordsMerkleRoot") != NULL;
    if (strcmp(n, name) == 0 && has) return read_claim(rd, n, out, e);
    if (has && used < sizeof names - 1)
      used += (size_t)snprintf(names + used, sizeof names - used, "%s\"%s\"", used ? ", " : "", n);
  }
  return mp_err_set(e, MP_EVERIFY, "the signed statement commits to no records of a dataset \"%s\" (%s%s)", name,
                    used ? "it has " : "it has no records commitment at all", names);
}

int mp_dsclaim_verify(const json_t *statement, const mp_dsproof *p,
                      const uint8_t record[MP_SHA256_LEN], mp_dsclaim *used, mp_err *e) {
  mp_dsclaim c;
  int rc = mp_dsclaim_find(statement, p->name, &c, e);
  if (rc) return rc;
  if (used) *used = c;
  if (p->format != c.format)
    return mp_err_set(e, MP_EVERIFY, "the proof is for %s records, the signed dataset %s has %s records",
                      mp_dsformat_name(p->format), c.name, mp_dsformat_name(c.format));
  if (p->kind == MP_DSPROOF_INCLUDED) return mp_dsproof_verify(p, record, c.commit.size, c.commit.root, e);
  if (!c.has_sorted)
    return mp_err_set(e, MP_EVERIFY, "dataset %s has no signed sorted-tree root (recordsSortedMerkleRoot): "
                      "absence cannot be proven against this statement", c.name);
  return mp_dsproof_verify(p, record, c.commit.distinct, c.commit.sorted_root, e);
}

json_t *mp_dsclaim_statement(const char *name, const char *uri, const char *sha256_hex, int is_dir,
                             const mp_dscommit *c, mp_dsformat fmt) {
  json_t *rd = mp_rd_new(name, uri, "sha256", sha256_hex);
  if (!rd) return NULL;
  int rc = mp_rd_annotate(rd, "kind", json_string("dataset"));
  if (is_dir) rc |= mp_rd_annotate(rd, "digestMethod", json_string("oms-files-sha256"));
  rc |= mp_dsclaim_annotate(rd, c, fmt);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char ts[64];
  mp_time_format(&now, ts, sizeof ts);
  json_t *st = rc ? NULL
                  : json_pack("{s:s, s:[o], s:s, s:{s:{s:s}, s:s}}", "_type", MP_STATEMENT_TYPE, "subject", rd,
                              "predicateType", MP_DSCLAIM_PREDICATE, "predicate", "recorder", "version",
                              MLPROV_VERSION, "committedOn", ts);
  if (!st && rc) json_decref(rd);
  return st;
}
