/* lineage.c — see lineage.h. */
#include "lineage.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest.h"
#include "fileio.h"
#include "statement.h"
#include "verify.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *mp_lineage_local_path(const mp_pbs *rd) {
  const char *uri = mp_pbs_str(rd, "uri");
  if (!uri || strncmp(uri, "file://", 7) != 0) return NULL;
  const char *p = uri + 7;
  char *out = malloc(strlen(p) + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (; *p; p++) {
    if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
      out[o++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
      p += 2;
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
  return out;
}

/* Does any envelope of file (unverified) name digest_hex as a subject? */
static int names_digest(const char *file, const char *digest_hex) {
  mp_attest_file *f = NULL;
  if (mp_attest_load(file, &f, NULL) != 0) return 0;
  int found = 0;
  for (size_t i = 0; i < f->n && !found; i++) {
    json_t *st = NULL;
    if (mp_json_parse("candidate", f->entries[i].env->payload, f->entries[i].env->payload_len, &st, NULL) != 0) continue;
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(st, "subject"), k, s) {
      const char *d = json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
      if (d && strcmp(d, digest_hex) == 0) found = 1;
    }
    json_decref(st);
  }
  mp_attest_file_free(f);
  return found;
}

static int has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

static char *search_dir(const char *dir, const char *digest_hex, int depth) {
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char *found = NULL;
  struct dirent *de;
  while (!found && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    size_t n = strlen(dir) + strlen(de->d_name) + 2;
    char *path = malloc(n);
    if (!path) break;
    snprintf(path, n, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode) && depth < 2) found = search_dir(path, digest_hex, depth + 1);
      else if (S_ISREG(st.st_mode) && (has_suffix(path, ".intoto.jsonl") || has_suffix(path, ".intoto.json")) &&
               names_digest(path, digest_hex))
        found = strdup(path);
    }
    free(path);
  }
  closedir(d);
  return found;
}

char *mp_lineage_find(const char *hint, const char *digest_hex, const char *const *dirs, size_t ndirs) {
  if (hint && *hint && access(hint, R_OK) == 0) return strdup(hint);
  if (!digest_hex) return NULL;
  for (size_t i = 0; i < ndirs; i++) {
    char *f = search_dir(dirs[i], digest_hex, 0);
    if (f) return f;
  }
  return NULL;
}

void mp_verified_clear(mp_verified *v) {
  mp_pb_doc_free(v->doc);
  free(v->file);
  memset(v, 0, sizeof *v);
}

/* X.pb when it exists and its JSON envelope is exactly the one in
 * X.intoto.jsonl: its loaded entries (so it is read once), else NULL. */
static mp_attest_file *pb_twin_of(const char *file, char **pb_path) {
  size_t n = strlen(file), sl = strlen(MP_ATTEST_JSONL_SUFFIX);
  *pb_path = NULL;
  if (n <= sl || strcmp(file + n - sl, MP_ATTEST_JSONL_SUFFIX) != 0) return NULL;
  char *pb = malloc(n + 4);
  if (!pb) return NULL;
  snprintf(pb, n + 4, "%.*s%s", (int)(n - sl), file, MP_ATTEST_PB_SUFFIX);
  mp_file_buf text = {0};
  mp_attest_file *f = NULL;
  int same = access(pb, R_OK) == 0 && mp_attest_load(pb, &f, NULL) == 0 && f->n == 1 &&
             f->entries[0].env->companion && mp_file_buf_read(file, MP_ENVELOPE_MAX, &text, NULL) == 0 &&
             text.len > 0 && text.data[text.len - 1] == '\n' &&
             mp_dsse_json_equal(f->entries[0].env, text.data, text.len - 1);
  mp_file_buf_free(&text);
  if (!same) {
    mp_attest_file_free(f);
    free(pb);
    return NULL;
  }
  *pb_path = pb;
  return f;
}

int mp_lineage_verify_file(const char *file, const mp_key *const *keys, size_t nkeys, size_t min_sigs,
                           const char *digest_hex, mp_verified *out, mp_err *e) {
  memset(out, 0, sizeof *out);
  char *twin = NULL;
  mp_attest_file *f = pb_twin_of(file, &twin);
  const char *use = twin ? twin : file;
  if (!f) {
    int rc = mp_attest_load(use, &f, e);
    if (rc) return rc == MP_EPARSE ? MP_EVERIFY : rc;
  }
  char last[MP_ERR_MSG_MAX] = "";
  int subject_miss = 0;
  for (size_t i = 0; i < f->n; i++) {
    mp_pb_doc *doc = NULL;
    mp_dsse_result dr = {0};
    mp_err ve;
    mp_err_clear(&ve);
    if (mp_attest_verify_pb(&f->entries[i], keys, nkeys, min_sigs, &doc, &dr, &ve) != 0) {
      memcpy(last, ve.msg, sizeof last);
      continue;
    }
    if (digest_hex && !mp_pb_has_subject(mp_pb_doc_statement(doc), digest_hex)) {
      subject_miss = 1;
      mp_pb_doc_free(doc);
      continue;
    }
    out->doc = doc;
    out->statement = mp_pb_doc_statement(doc);
    out->file = strdup(use);
    snprintf(out->keyid, sizeof out->keyid, "%s", mp_key_id(dr.first));
    out->valid = dr.valid;
    out->line = f->entries[i].line;
    mp_attest_file_free(f);
    free(twin);
    return 0;
  }
  mp_attest_file_free(f);
  free(twin);
  if (subject_miss)
    return mp_err_set(e, MP_EVERIFY, "%s is signed by a trusted key but does not name sha256:%s as a subject", file,
                      digest_hex);
  return mp_err_set(e, MP_EVERIFY, "%s: %.900s", file, last);
}

/* --- the tree ------------------------------------------------------------- */

typedef struct walk {
  const mp_lineage_opts *o;
  json_t *visiting;  /* digests on the current path */
} walk;

static json_t *datasets_of(const mp_pb_statement *st) {
  json_t *out = json_array();
  const Google__Protobuf__ListValue *deps = mp_pb_dependencies(st);
  for (size_t i = 0; deps && i < deps->n_values; i++) {
    const mp_pbs *d = mp_pbl_obj(deps, i);
    const char *kind = mp_pb_rd_kind(d);
    if (!kind || strcmp(kind, "dataset") != 0) continue;
    json_t *x = json_pack("{s:s?, s:s?}", "name", mp_pbs_str(d, "name"), "uri", mp_pbs_str(d, "uri"));
    const char *dg = mp_pb_rd_digest(d, "sha256");
    if (dg) json_object_set_new(x, "sha256", json_string(dg));
    const char *root = mp_pbs_str(mp_pbs_obj(d, "annotations"), "recordsMerkleRoot");
    if (root) json_object_set_new(x, "merkleRoot", json_string(root));
    json_array_append_new(out, x);
  }
  return out;
}

static json_t *node(walk *w, const char *label, const char *prov_hint, const char *digest, const char *local,
                    int depth) {
  json_t *n = json_pack("{s:s, s:s?}", "model", label, "sha256", digest);
  if (local) json_object_set_new(n, "path", json_string(local));
  if (digest && json_object_get(w->visiting, digest)) {
    json_object_set_new(n, "verified", json_false());
    json_object_set_new(n, "reason", json_string("cycle: this model is its own ancestor"));
    json_object_set_new(n, "cycle", json_true());
    return n;
  }
  if (depth > w->o->max_depth) {
    json_object_set_new(n, "verified", json_false());
    json_object_set_new(n, "reason", json_string("lineage deeper than the limit; not followed"));
    return n;
  }
  /* a base model file that is still around must still hash to the recorded digest */
  if (local && digest && depth > 0 && access(local, F_OK) == 0) {
    char hex[2 * 32 + 1];
    int is_dir;
    mp_err he;
    if (mp_artifact_digest(local, w->o->threads, hex, &is_dir, &he) == 0 && strcmp(hex, digest) != 0) {
      json_object_set_new(n, "verified", json_false());
      json_object_set_new(n, "reason", json_sprintf("base model file %s now hashes to sha256:%s", local, hex));
      json_object_set_new(n, "fileChanged", json_true());
    }
  }
  char *prov = mp_lineage_find(prov_hint, digest, w->o->search_dirs, w->o->nsearch);
  if (!prov) {
    json_object_set_new(n, "verified", json_false());
    json_object_set_new(n, "missing", json_true());
    if (!json_object_get(n, "reason"))
      json_object_set_new(n, "reason", json_string("no provenance found (missing link)"));
    return n;
  }
  json_object_set_new(n, "provenance", json_string(prov));
  mp_verified v;
  mp_err e;
  mp_err_clear(&e);
  int rc = mp_lineage_verify_file(prov, w->o->keys, w->o->nkeys, 1, digest, &v, &e);
  free(prov);
  if (rc) {
    json_object_set_new(n, "verified", json_false());
    json_object_set_new(n, "reason", json_string(e.msg));
    return n;
  }
  if (!json_object_get(n, "verified")) json_object_set_new(n, "verified", json_true());
  json_object_set_new(n, "signer", json_string(v.keyid));
  json_object_set_new(n, "datasets", datasets_of(v.statement));
  json_t *children = json_array();
  if (digest) json_object_set_new(w->visiting, digest, json_true());
  const Google__Protobuf__ListValue *deps = mp_pb_dependencies(v.statement);
  for (size_t i = 0; deps && i < deps->n_values; i++) {
    const mp_pbs *b = mp_pbl_obj(deps, i);
    const char *kind = mp_pb_rd_kind(b);
    if (!kind || strcmp(kind, "base-model") != 0) continue;
    const char *bd = mp_pb_rd_digest(b, "sha256");
    const char *bp = mp_pbs_str(mp_pbs_obj(b, "annotations"), "provenance");
    const char *bn = mp_pbs_str(b, "name");
    char *bl = mp_lineage_local_path(b);
    json_array_append_new(children, node(w, bn ? bn : "base-model", bp, bd, bl, depth + 1));
    free(bl);
  }
  if (digest) json_object_del(w->visiting, digest);
  json_object_set_new(n, "base_models", children);
  mp_verified_clear(&v);
  return n;
}

int mp_lineage_tree(const mp_lineage_opts *o, json_t **tree, mp_err *e) {
  char hex[2 * 32 + 1];
  int is_dir;
  int rc = mp_artifact_digest(o->model, o->threads, hex, &is_dir, e);
  if (rc) return rc;
  char *guess = NULL;
  if (!o->provenance) {
    size_t n = strlen(o->model) + sizeof MP_ATTEST_JSONL_SUFFIX;
    guess = malloc(n);
    if (!guess) return mp_err_set(e, MP_ENOMEM, "out of memory");
    size_t ml = strlen(o->model);
    while (ml > 1 && o->model[ml - 1] == '/') ml--;
    snprintf(guess, n, "%.*s%s", (int)ml, o->model, MP_ATTEST_JSONL_SUFFIX);
  }
  mp_lineage_opts oo = *o;
  if (oo.max_depth <= 0) oo.max_depth = 32;
  walk w = {.o = &oo, .visiting = json_object()};
  *tree = node(&w, o->model, o->provenance ? o->provenance : guess, hex, NULL, 0);
  json_decref(w.visiting);
  free(guess);
  return 0;
}

static void print_node(const json_t *n, FILE *out, const char *prefix, int last, int root) {
  const char *verified = json_is_true(json_object_get(n, "verified")) ? "verified" : "NOT VERIFIED";
  const char *sha = json_string_value(json_object_get(n, "sha256"));
  fprintf(out, "%s%s%s  sha256:%.16s  [%s]", prefix, root ? "" : (last ? "└─ " : "├─ "),
          json_string_value(json_object_get(n, "model")), sha ? sha : "?", verified);
  const char *reason = json_string_value(json_object_get(n, "reason"));
  if (reason) fprintf(out, " — %s", reason);
  fputc('\n', out);
  char child_prefix[512];
  snprintf(child_prefix, sizeof child_prefix, "%s%s", prefix, root ? "" : (last ? "   " : "│  "));
  json_t *ds = json_object_get(n, "datasets");
  json_t *bases = json_object_get(n, "base_models");
  size_t nd = json_array_size(ds), nb = json_array_size(bases), i;
  json_t *d;
  json_array_foreach(ds, i, d) {
    const char *dsha = json_string_value(json_object_get(d, "sha256"));
    const char *root_hex = json_string_value(json_object_get(d, "merkleRoot"));
    fprintf(out, "%s%sdataset %s", child_prefix, (i + 1 == nd && nb == 0) ? "└─ " : "├─ ",
            json_string_value(json_object_get(d, "name")) ? json_string_value(json_object_get(d, "name")) : "?");
    if (dsha) fprintf(out, "  sha256:%.16s", dsha);
    if (root_hex) fprintf(out, "  merkle:%.16s", root_hex);
    fputc('\n', out);
  }
  json_array_foreach(bases, i, d) print_node(d, out, child_prefix, i + 1 == nb, 0);
}

void mp_lineage_print(const json_t *tree, FILE *out) { print_node(tree, out, "", 1, 1); }

static void dot_escape(FILE *out, const char *s) {
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', out);
    fputc(*s, out);
  }
}

static void dot_node(const json_t *n, FILE *out, int *counter) {
  int me = (*counter)++;
  int ok = json_is_true(json_object_get(n, "verified"));
  fprintf(out, "  n%d [shape=box, color=%s, label=\"", me, ok ? "darkgreen" : "red");
  dot_escape(out, json_string_value(json_object_get(n, "model")));
  const char *sha = json_string_value(json_object_get(n, "sha256"));
  fprintf(out, "\\nsha256:%.12s\\n%s\"];\n", sha ? sha : "?", ok ? "verified" : "NOT verified");
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(n, "datasets"), i, d) {
    int id = (*counter)++;
    fprintf(out, "  n%d [shape=cylinder, label=\"", id);
    dot_escape(out, json_string_value(json_object_get(d, "name")));
    fprintf(out, "\"];\n  n%d -> n%d [label=\"trained on\"];\n", me, id);
  }
  json_array_foreach(json_object_get(n, "base_models"), i, d) {
    int child = *counter;
    dot_node(d, out, counter);
    fprintf(out, "  n%d -> n%d [label=\"fine-tuned from\"%s];\n", me, child,
            json_is_true(json_object_get(d, "verified")) ? "" : ", color=red, style=dashed");
  }
}

void mp_lineage_print_dot(const json_t *tree, FILE *out) {
  int counter = 0;
  fprintf(out, "digraph lineage {\n  rankdir=LR;\n");
  dot_node(tree, out, &counter);
  fprintf(out, "}\n");
}
