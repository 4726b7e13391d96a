/* merge.c — see merge.h. Three passes: load and verify every node
 * attestation, check that they agree (collecting every problem, never
 * stopping at the first), then build the job statement from what they
 * share. The reference for "the same" is the first node attestation given. */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "digest.h"
#include "encoding.h"
#include "fileio.h"
#include "provenance.h"
#include "statement.h"

#define MAX_WORLD (1 << 20)

typedef struct node {
  const char *path;
  json_t *st;                            /* verified statement, NULL if refused */
  json_t *job;                           /* borrowed: internalParameters.job */
  char label[300];                       /* "node NAME (FILE)" for messages */
  char file_hex[2 * MP_SHA256_LEN + 1];  /* SHA-256 of the file as given */
  char payload_hex[2 * MP_SHA256_LEN + 1];
  const char *keyid;                     /* the trusted key that verified it */
} node;

#define problem(problems, ...) json_array_append_new((problems), json_sprintf(__VA_ARGS__))

static json_t *get(json_t *v, const char *a, const char *b, const char *c) {
  v = json_object_get(v, a);
  if (b) v = json_object_get(v, b);
  if (c) v = json_object_get(v, c);
  return v;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Reads, digests and verifies one file. I/O errors are returned; a file that
 * is not a trusted node attestation is a problem. */
static int load_node(const mp_merge_opts *o, node *n, json_t *problems, mp_err *e) {
  uint8_t *data = NULL, d[MP_SHA256_LEN];
  size_t len = 0;
  int rc = mp_read_file(n->path, MP_ENVELOPE_MAX, &data, &len, e);
  if (rc) return mp_err_prefix(e, "reading node attestation");
  mp_sha256(data, len, d);
  mp_hex_encode(d, sizeof d, n->file_hex);
  snprintf(n->label, sizeof n->label, "%.290s", n->path);
  mp_attest_file *f = NULL;
  mp_err pe;
  mp_err_clear(&pe);
  rc = mp_attest_parse(n->path, data, len, &f, &pe);
  free(data);
  if (rc) {
    problem(problems, "%s", pe.msg);
    return rc == MP_ENOMEM ? mp_err_set(e, rc, "out of memory") : 0;
  }
  char why[MP_ERR_MSG_MAX] = "";
  for (size_t i = 0; i < f->n && !n->st; i++) {
    mp_dsse_result dr = {0};
    mp_err ve;
    mp_err_clear(&ve);
    if (mp_attest_verify(&f->entries[i], o->trusted, o->ntrusted, 1, &n->st, &dr, &ve) == 0) {
      n->keyid = mp_key_id(dr.first);
      mp_sha256(f->entries[i].env->payload, f->entries[i].env->payload_len, d);
      mp_hex_encode(d, sizeof d, n->payload_hex);
    } else if (!*why) {
      memcpy(why, ve.msg, sizeof why);
    }
  }
  mp_attest_file_free(f);
  if (!n->st) {
    problem(problems, "%s: not verified with the trusted node keys: %s", n->path, why);
    return 0;
  }
  const char *bt = json_string_value(get(n->st, "predicate", "buildDefinition", "buildType"));
  n->job = get(n->st, "predicate", "buildDefinition", "internalParameters");
  n->job = json_object_get(n->job, "job");
  if (!bt || strcmp(bt, MP_BUILD_TYPE) != 0 || !json_is_object(n->job)) {
    problem(problems, "%s: not a node attestation (an mlprov training provenance recorded with "
            "`mlprov run --job-id`)", n->path);
    json_decref(n->st);
    n->st = NULL;
    n->job = NULL;
    return 0;
  }
  const char *nn = json_string_value(json_object_get(n->job, "node"));
  snprintf(n->label, sizeof n->label, "node %s (%.200s)", nn && *nn ? nn : "?", n->path);
  return 0;
}

/* --- agreement ------------------------------------------------------------- */

static json_t *deps_of(const node *n) { return get(n->st, "predicate", "buildDefinition", "resolvedDependencies"); }

static const char *kind_of(json_t *rd) { return json_string_value(get(rd, "annotations", "kind", NULL)); }

/* First "alg:hex" of a digest object, for messages. */
static void digest_text(json_t *digest, char *out, size_t len) {
  const char *alg;
  json_t *v;
  snprintf(out, len, "no digest");
  json_object_foreach(digest, alg, v) {
    snprintf(out, len, "%s:%s", alg, json_string_value(v));
    return;
  }
}

static int is_code(json_t *rd) {
  static const char *const exts[] = {".py", ".pyc", ".pyx", ".pxd", ".so", ".sh", ".bash", ".c", ".cc", ".cpp",
                                     ".cxx", ".h", ".hpp", ".cu", ".cuh", ".js", ".ts", ".rb", ".pl", ".pm", ".lua",
                                     ".jl", ".r", ".R", ".java", ".jar", ".go", ".rs", ".ipynb", NULL};
  const char *k = kind_of(rd), *name = json_string_value(json_object_get(rd, "name"));
  if (!k || strcmp(k, "file") != 0 || !name) return 0;
  const char *dot = strrchr(name, '.');
  if (!dot || strchr(dot, '/')) return 0;
  for (const char *const *e = exts; *e; e++)
    if (strcmp(dot, *e) == 0) return 1;
  return strstr(name, ".so.") != NULL;
}

static int is_declared_dataset(json_t *rd) {
  const char *k = kind_of(rd);
  return k && strcmp(k, "dataset") == 0 && json_object_size(json_object_get(rd, "digest"));
}

static json_t *subjects_of(const node *n) { return json_object_get(n->st, "subject"); }

/* Descriptors (of list, picked by pick) that share a name must share their
 * digest. */
static void same_name_same_digest(node *nodes, size_t nn, json_t *(*list)(const node *), int (*pick)(json_t *),
                                  const char *what, json_t *problems) {
  json_t *seen = json_object(); /* name -> [digest, node index, reported] */
  for (size_t i = 0; i < nn; i++) {
    if (!nodes[i].st) continue;
    size_t k;
    json_t *rd;
    json_array_foreach(list(&nodes[i]), k, rd) {
      if (!pick(rd)) continue;
      const char *name = json_string_value(json_object_get(rd, "name"));
      if (!name) continue;
      json_t *digest = json_object_get(rd, "digest");
      json_t *prev = json_object_get(seen, name);
      if (!prev) {
        json_object_set_new(seen, name, json_pack("[O?, I, b]", digest, (json_int_t)i, 0));
        continue;
      }
      if (json_equal(json_array_get(prev, 0), digest) || json_is_true(json_array_get(prev, 2))) continue;
      char a[200], b[200];
      digest_text(json_array_get(prev, 0), a, sizeof a);
      digest_text(digest, b, sizeof b);
      problem(problems, "%s %s differs between nodes: %s has %s, %s has %s", what, name,
              nodes[json_integer_value(json_array_get(prev, 1))].label, a, nodes[i].label, b);
      json_array_set_new(prev, 2, json_true());
    }
  }
  json_decref(seen);
}

static const char *role_of(json_t *rd) { return json_string_value(get(rd, "annotations", "role", NULL)); }

static int is_model(json_t *rd) {
  const char *r = role_of(rd);
  return r && strcmp(r, "model") == 0;
}

static int is_output(json_t *rd) {
  const char *r = role_of(rd);
  return r && strcmp(r, "output") == 0;
}

static const char *source_commit(const node *n) {
  size_t k;
  json_t *rd;
  json_array_foreach(deps_of(n), k, rd) {
    const char *kind = kind_of(rd);
    if (kind && strcmp(kind, "source") == 0) {
      const char *c = json_string_value(get(rd, "digest", "gitCommit", NULL));
      return c ? c : "none";
    }
  }
  return "none";
}

static void check_ranks(const mp_merge_opts *o, node *nodes, size_t nn, json_t *problems, int *world) {
  int w = -1;
  const node *wref = NULL;
  for (size_t i = 0; i < nn; i++) {
    if (!nodes[i].job) continue;
    int ws = (int)json_integer_value(json_object_get(nodes[i].job, "worldSize"));
    if (w < 0) {
      w = ws;
      wref = &nodes[i];
    } else if (ws != w) {
      problem(problems, "world size differs: %s says %d, %s says %d", wref->label, w, nodes[i].label, ws);
    }
  }
  *world = w;
  if (w <= 0 || w > MAX_WORLD) {
    if (wref) problem(problems, "world size %d of %s is not usable: no rank can be checked", w, wref->label);
    return;
  }
  int *count = calloc((size_t)w, sizeof *count);
  if (!count) {
    problem(problems, "out of memory checking %d ranks", w);
    return;
  }
  for (size_t i = 0; i < nn; i++) {
    size_t k;
    json_t *r;
    if (nodes[i].job && json_array_size(json_object_get(nodes[i].job, "ranks")) == 0)
      problem(problems, "%s reported no rank", nodes[i].label);
    json_array_foreach(json_object_get(nodes[i].job, "ranks"), k, r) {
      json_int_t v = json_integer_value(r);
      if (v < 0 || v >= w) problem(problems, "%s has rank %lld, outside world size %d", nodes[i].label, (long long)v, w);
      else count[v]++;
    }
  }
  char missing[700] = "";
  size_t nmiss = 0, used = 0;
  for (int r = 0; r < w; r++) {
    if (count[r] == 0) {
      if (used < sizeof missing - 16) used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%d", nmiss ? ", " : "", r);
      nmiss++;
    }
    if (count[r] > 1) {
      char who[700] = "";
      size_t wu = 0;
      for (size_t i = 0; i < nn; i++) {
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(nodes[i].job, "ranks"), k, x) if (json_integer_value(x) == r && wu < sizeof who - 2)
            wu += (size_t)snprintf(who + wu, sizeof who - wu, "%s%s", wu ? ", " : "", nodes[i].label);
      }
      problem(problems, "rank %d is duplicated: it appears in %d node attestations (%s)", r, count[r], who);
    }
  }
  if (nmiss)
    problem(problems, "%zu rank(s) missing of world size %d in job %s: %s%s", nmiss, w, o->job_id, missing,
            used >= sizeof missing - 16 ? ", ..." : "");
  free(count);
}

static void check_nodes(const mp_merge_opts *o, node *nodes, size_t nn, json_t *problems, int *world) {
  const node *ref = NULL;
  for (size_t i = 0; i < nn; i++) {
    node *n = &nodes[i];
    if (!n->st) continue;
    const char *id = json_string_value(json_object_get(n->job, "id"));
    if (!id || strcmp(id, o->job_id) != 0)
      problem(problems, "%s belongs to job \"%s\", not \"%s\"", n->label, id ? id : "", o->job_id);
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(n->job, "conflicts"), k, c)
        problem(problems, "%s recorded a rank conflict: %s", n->label, json_string_value(c));
    json_array_foreach(get(n->st, "predicate", "runDetails", "byproducts"), k, c) {
      const char *bn = json_string_value(json_object_get(c, "name"));
      if (!bn || strcmp(bn, "mlprov/run") != 0) continue;
      json_int_t code = json_integer_value(get(c, "annotations", "exitCode", NULL));
      json_int_t sig = json_integer_value(get(c, "annotations", "termSignal", NULL));
      if (code || sig) problem(problems, "%s did not finish cleanly (exit status %lld, signal %lld)", n->label,
                               (long long)code, (long long)sig);
    }
    for (size_t j = 0; j < i; j++)
      if (nodes[j].st && strcmp(nodes[j].payload_hex, n->payload_hex) == 0)
        problem(problems, "%s and %s are the same node attestation", nodes[j].label, n->label);
    if (!ref) {
      ref = n;
      continue;
    }
    json_t *rc = get(ref->st, "predicate", "buildDefinition", "externalParameters");
    json_t *nc = get(n->st, "predicate", "buildDefinition", "externalParameters");
    if (!json_equal(json_object_get(rc, "command"), json_object_get(nc, "command"))) {
      char *a = json_dumps(json_object_get(rc, "command"), JSON_COMPACT | JSON_ENCODE_ANY);
      char *b = json_dumps(json_object_get(nc, "command"), JSON_COMPACT | JSON_ENCODE_ANY);
      problem(problems, "command differs: %s ran %.300s, %s ran %.300s", ref->label, a ? a : "?", n->label, b ? b : "?");
      free(a);
      free(b);
    }
    if (strcmp(source_commit(ref), source_commit(n)) != 0)
      problem(problems, "source commit differs: %s has %s, %s has %s", ref->label, source_commit(ref), n->label,
              source_commit(n));
  }
  check_ranks(o, nodes, nn, problems, world);
  same_name_same_digest(nodes, nn, deps_of, is_code, "code file", problems);
  same_name_same_digest(nodes, nn, deps_of, is_declared_dataset, "dataset", problems);
  same_name_same_digest(nodes, nn, subjects_of, is_model, "model artifact", problems);
}

/* --- the job statement ------------------------------------------------------- */

static const char *node_name(const node *n) {
  const char *nn = json_string_value(json_object_get(n->job, "node"));
  return nn && *nn ? nn : n->label;
}

/* The union of descriptors (of list, picked by pick), one per distinct
 * content, each annotated with the nodes that had it. */
static json_t *union_of(node *nodes, size_t nn, json_t *(*list)(const node *), int (*pick)(json_t *)) {
  json_t *out = json_array(), *index = json_object();
  for (size_t i = 0; i < nn; i++) {
    size_t k;
    json_t *rd;
    json_array_foreach(list(&nodes[i]), k, rd) {
      if (pick && !pick(rd)) continue;
      char *key = mp_json_canonical(rd, NULL);
      if (!key) continue;
      json_t *at = json_object_get(index, key);
      json_t *copy;
      if (at) {
        copy = json_array_get(out, (size_t)json_integer_value(at));
      } else {
        copy = json_deep_copy(rd);
        json_object_set_new(index, key, json_integer((json_int_t)json_array_size(out)));
        json_array_append_new(out, copy);
        mp_rd_annotate(copy, "nodes", json_array());
      }
      json_t *names = get(copy, "annotations", "nodes", NULL);
      const char *me = node_name(&nodes[i]);
      size_t x;
      json_t *v;
      int have = 0;
      json_array_foreach(names, x, v) have |= strcmp(json_string_value(v), me) == 0;
      if (!have) json_array_append_new(names, json_string(me));
      free(key);
    }
  }
  json_decref(index);
  return out;
}

static int keep_all(json_t *rd) {
  (void)rd;
  return 1;
}

/* Earliest start and latest end over the nodes (RFC 3339 strings). */
static void time_span(node *nodes, size_t nn, const char **start, const char **end) {
  struct timespec s = {0}, e = {0}, t;
  *start = *end = NULL;
  for (size_t i = 0; i < nn; i++) {
    json_t *md = get(nodes[i].st, "predicate", "runDetails", "metadata");
    const char *a = json_string_value(json_object_get(md, "startedOn"));
    const char *b = json_string_value(json_object_get(md, "finishedOn"));
    if (a && mp_time_parse(a, &t) == 0 && (!*start || t.tv_sec < s.tv_sec || (t.tv_sec == s.tv_sec && t.tv_nsec < s.tv_nsec))) {
      s = t;
      *start = a;
    }
    if (b && mp_time_parse(b, &t) == 0 && (!*end || t.tv_sec > e.tv_sec || (t.tv_sec == e.tv_sec && t.tv_nsec > e.tv_nsec))) {
      e = t;
      *end = b;
    }
  }
}

static json_t *node_byproduct(const node *n) {
  char *abs = NULL;
  if (n->path[0] == '/') {
    abs = mp_path_normalize(n->path);
  } else {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) {
      size_t len = strlen(cwd) + strlen(n->path) + 2;
      char *joined = malloc(len);
      if (joined) {
        snprintf(joined, len, "%s/%s", cwd, n->path);
        abs = mp_path_normalize(joined);
        free(joined);
      }
    }
  }
  char *uri = abs ? mp_file_uri(abs) : NULL;
  json_t *rd = mp_rd_new(base_name(n->path), uri, "sha256", n->file_hex);
  free(uri);
  free(abs);
  mp_rd_annotate(rd, "kind", json_string("node-attestation"));
  mp_rd_annotate(rd, "node", json_string(node_name(n)));
  mp_rd_annotate(rd, "ranks", json_deep_copy(json_object_get(n->job, "ranks")));
  mp_rd_annotate(rd, "payloadSha256", json_string(n->payload_hex));
  mp_rd_annotate(rd, "signedBy", json_string(n->keyid));
  json_t *inv = get(n->st, "predicate", "runDetails", "metadata");
  inv = json_object_get(inv, "invocationId");
  if (inv) mp_rd_annotate(rd, "invocationId", json_deep_copy(inv));
  return rd;
}

static json_t *build_statement(const mp_merge_opts *o, node *nodes, size_t nn, int world, json_t *problems) {
  json_t *subjects = union_of(nodes, nn, subjects_of, is_model);
  if (json_array_size(subjects) == 0) {
    json_decref(subjects);
    subjects = union_of(nodes, nn, subjects_of, is_output);
  }
  if (json_array_size(subjects) == 0) {
    problem(problems, "no model artifact: no node attestation has a subject with role \"model\" or \"output\"");
    json_decref(subjects);
    return NULL;
  }
  json_t *names = json_array(), *keys = json_array();
  for (size_t i = 0; i < nn; i++) {
    json_array_append_new(names, json_string(node_name(&nodes[i])));
    size_t k;
    json_t *v;
    int seen = 0;
    json_array_foreach(keys, k, v) seen |= strcmp(json_string_value(v), nodes[i].keyid) == 0;
    if (!seen) json_array_append_new(keys, json_string(nodes[i].keyid));
  }
  json_t *ref = get(nodes[0].st, "predicate", "buildDefinition", "externalParameters");
  json_t *external = json_pack("{s:s, s:O, s:i, s:o}", "jobId", o->job_id, "command", json_object_get(ref, "command"),
                               "worldSize", world, "nodes", names);
  json_t *internal = json_pack("{s:{s:s}, s:o}", "recorder", "version", MLPROV_VERSION, "nodeKeys", keys);
  json_t *byproducts = json_array();
  for (size_t i = 0; i < nn; i++) json_array_append_new(byproducts, node_byproduct(&nodes[i]));
  json_t *summary = mp_rd_new("mlprov/job", NULL, NULL, NULL);
  json_object_set_new(summary, "annotations", json_pack("{s:s, s:i, s:I}", "jobId", o->job_id, "worldSize", world,
                                                        "nodeAttestations", (json_int_t)nn));
  json_array_append_new(byproducts, summary);
  const char *start, *end;
  time_span(nodes, nn, &start, &end);
  json_t *metadata = json_pack("{s:s}", "invocationId", o->job_id);
  if (start) json_object_set_new(metadata, "startedOn", json_string(start));
  if (end) json_object_set_new(metadata, "finishedOn", json_string(end));
  json_t *predicate = json_pack("{s:{s:s, s:o, s:o, s:o}, s:{s:{s:s, s:{s:s}}, s:o, s:o}}", "buildDefinition",
                                "buildType", MP_JOB_BUILD_TYPE, "externalParameters", external, "internalParameters",
                                internal, "resolvedDependencies", union_of(nodes, nn, deps_of, keep_all), "runDetails",
                                "builder", "id", o->builder_id ? o->builder_id : MP_DEFAULT_BUILDER_ID, "version",
                                "mlprov", MLPROV_VERSION, "metadata", metadata, "byproducts", byproducts);
  return json_pack("{s:s, s:o, s:s, s:o}", "_type", MP_STATEMENT_TYPE, "subject", subjects, "predicateType",
                   MP_SLSA_PROVENANCE_V1, "predicate", predicate);
}

int mp_merge_job(const mp_merge_opts *o, json_t **statement, json_t **problems, mp_err *e) {
  *statement = NULL;
  *problems = json_array();
  if (!*problems) return mp_err_set(e, MP_ENOMEM, "out of memory");
  if (!o->job_id || !*o->job_id) return mp_err_set(e, MP_EUSAGE, "no job id");
  if (o->ninputs == 0) return mp_err_set(e, MP_EUSAGE, "no node attestation to merge");
  if (o->ntrusted == 0) return mp_err_set(e, MP_EUSAGE, "no trusted node key");
  node *nodes = calloc(o->ninputs, sizeof *nodes);
  if (!nodes) return mp_err_set(e, MP_ENOMEM, "out of memory");
  int rc = 0, world = 0;
  for (size_t i = 0; i < o->ninputs && rc == 0; i++) {
    nodes[i].path = o->inputs[i];
    rc = load_node(o, &nodes[i], *problems, e);
  }
  if (rc == 0) check_nodes(o, nodes, o->ninputs, *problems, &world);
  if (rc == 0 && json_array_size(*problems) == 0) {
    json_t *st = build_statement(o, nodes, o->ninputs, world, *problems);
    if (st && (rc = mp_statement_check(st, e)) != 0) {
      mp_err_prefix(e, "internal: built an invalid job statement");
      json_decref(st);
      st = NULL;
    }
    *statement = st;
  }
  for (size_t i = 0; i < o->ninputs; i++) json_decref(nodes[i].st);
  free(nodes);
  if (rc) return rc;
  return json_array_size(*problems) ? MP_EVERIFY : 0;
}
