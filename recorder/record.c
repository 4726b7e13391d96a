/* record.c — see record.h. Tables are jansson objects used as hash maps;
 * their insertion order is kept so the provenance lists things in the order
 * the job did them. Each table holds at most max_entries entries; past that,
 * events are counted in stats.limited (never silently dropped). */
#include "record.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsrecord.h"
#include "encoding.h"
#include "filebatch.h"
#include "fileio.h"
#include "hashpool.h"
#include "merkle.h"
#include "statement.h"

#include <stddef.h>

#define MAX_UNKNOWN_KEPT 100
/* What a table entry costs beyond its bytes (jansson object, hash slot). */
#define ENTRY_OVERHEAD 128

#define STAT(n, f) {n, offsetof(mp_record_stats, f)}
const mp_record_stat_def mp_record_stat_defs[] = {
    STAT("connections", connections),
    STAT("refusedConnections", refused),
    STAT("refusedWrongUser", refused_wrong_user),
    STAT("refusedOverConnectionLimit", refused_conn_limit),
    STAT("events", events),
    STAT("badFrames", bad_frames),
    STAT("oversizeFrames", oversize_frames),
    STAT("tornFrames", torn_frames),
    STAT("closedOverMemoryLimit", memory_closed),
    STAT("unknownEvents", unknown_events),
    STAT("unknownFields", unknown_fields),
    STAT("redactedEvents", redacted_events),
    STAT("eventsDroppedByHooks", dropped_by_hooks),
    STAT("eventsOverLimit", limited),
    {NULL, 0},
};
#undef STAT

uint64_t *mp_record_stat(mp_record_stats *s, const char *name) {
  for (const mp_record_stat_def *d = mp_record_stat_defs; name && d->name; d++)
    if (strcmp(d->name, name) == 0) return (uint64_t *)((char *)s + d->offset);
  return NULL;
}

void mp_record_incomplete(mp_record *r, const char *reason) {
  if (!r->incomplete) r->incomplete = json_array();
  if (r->incomplete) json_array_append_new(r->incomplete, json_string(reason));
}
#define DEFAULT_MAX_ENTRIES 1000000

static json_t *digest_json(size_t n, char **keys, char **values) {
  json_t *d = json_object();
  for (size_t i = 0; i < n; i++) {
    /* Normalise to lowercase hex as in-toto requires; drop non-hex values. */
    char *v = strdup(values[i] ? values[i] : "");
    if (!v) continue;
    for (char *p = v; *p; p++)
      if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
    if (mp_is_lower_hex(v) && keys[i] && *keys[i]) json_object_set_new(d, keys[i], json_string(v));
    free(v);
  }
  return d;
}

#define DIGEST_OF(msg) \
  digest_json_entries((msg)->n_digest, (void **)(msg)->digest)

/* Every generated DigestEntry type starts with base, key, value. */
typedef struct any_entry {
  ProtobufCMessage base;
  char *key;
  char *value;
} any_entry;

static json_t *digest_json_entries(size_t n, void **entries) {
  char *keys[16], *values[16];
  if (n > 16) n = 16;
  for (size_t i = 0; i < n; i++) {
    keys[i] = ((any_entry *)entries[i])->key;
    values[i] = ((any_entry *)entries[i])->value;
  }
  return digest_json(n, keys, values);
}

int mp_record_new(char *const *argv, mp_record **out, mp_err *e) {
  mp_record *r = calloc(1, sizeof *r);
  if (!r) return mp_err_set(e, MP_ENOMEM, "out of memory");
  size_t n = 0;
  while (argv && argv[n]) n++;
  r->argv = calloc(n + 1, sizeof *r->argv);
  char cwd[PATH_MAX];
  r->cwd = strdup(getcwd(cwd, sizeof cwd) ? cwd : "/");
  int ok = r->argv && r->cwd;
  for (size_t i = 0; ok && i < n; i++) ok = (r->argv[i] = strdup(argv[i])) != NULL;
  r->files_read = json_object();
  r->files_written = json_object();
  r->datasets = json_object();
  r->dependencies = json_object();
  r->parameters = json_object();
  r->artifacts = json_object();
  r->base_models = json_array();
  r->annotations = json_array();
  r->execs = json_array();
  r->hooks = json_array();
  r->unknown = json_array();
  r->leafsets_index = json_object();
  r->max_entries = DEFAULT_MAX_ENTRIES;
  if (!ok || !r->files_read || !r->files_written || !r->datasets || !r->dependencies ||
      !r->parameters || !r->artifacts || !r->base_models || !r->annotations || !r->execs ||
      !r->hooks || !r->unknown || !r->leafsets_index) {
    mp_record_free(r);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  *out = r;
  return 0;
}

void mp_record_free(mp_record *r) {
  if (!r) return;
  for (char **p = r->argv; p && *p; p++) free(*p);
  free(r->argv);
  free(r->cwd);
  free(r->invocation_id);
  free(r->preload);
  free(r->job_id);
  json_decref(r->host);
  json_decref(r->source);
  json_decref(r->environment);
  json_decref(r->incomplete);
  json_decref(r->files_read);
  json_decref(r->files_written);
  json_decref(r->datasets);
  json_decref(r->dependencies);
  json_decref(r->parameters);
  json_decref(r->artifacts);
  json_decref(r->base_models);
  json_decref(r->annotations);
  json_decref(r->execs);
  json_decref(r->hooks);
  json_decref(r->unknown);
  json_decref(r->leafsets_index);
  for (size_t i = 0; i < r->nleafsets; i++) free(r->leafsets[i].leaves);
  free(r->leafsets);
  free(r);
}

char *mp_record_abspath(const mp_record *r, const char *path) {
  if (!path) return NULL;
  if (path[0] == '/') return mp_path_normalize(path);
  size_t n = strlen(r->cwd) + strlen(path) + 2;
  char *joined = malloc(n);
  if (!joined) return NULL;
  snprintf(joined, n, "%s/%s", r->cwd, path);
  char *out = mp_path_normalize(joined);
  free(joined);
  return out;
}

static const char *hook_kind_name(int k) {
  switch (k) {
    case MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_C: return "c";
    case MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_PYTHON: return "python";
    case MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_PRELOAD: return "preload";
    case MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_CLI: return "cli";
    default: return "unknown";
  }
}

void mp_record_hello(mp_record *r, const Mlprov__Event__V1__Hello *h, int64_t peer_pid) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:I}", "pid", (json_int_t)h->pid, "kind",
                        hook_kind_name(h->hook_kind), "version", h->hook_version ? h->hook_version : "",
                        "peerPid", (json_int_t)peer_pid);
  if (!o) return;
  if (h->rank)
    json_object_set_new(o, "rank",
                        json_pack("{s:i, s:i, s:i, s:s, s:s}", "rank", h->rank->rank, "localRank",
                                  h->rank->local_rank, "worldSize", h->rank->world_size, "node",
                                  h->rank->node ? h->rank->node : "", "jobId",
                                  h->rank->job_id ? h->rank->job_id : ""));
  if (json_array_size(r->hooks) < 10000) {
    json_array_append_new(r->hooks, o);
    r->mem += ENTRY_OVERHEAD * 2;
  } else {
    json_decref(o);
    r->stats.limited++;
  }
}

/* Inserts or updates obj[key]; enforces the table limit for new keys. */
static int table_put(mp_record *r, json_t *table, const char *key, json_t *value) {
  int fresh = json_object_get(table, key) == NULL;
  if (fresh && json_object_size(table) >= r->max_entries) {
    json_decref(value);
    r->stats.limited++;
    return 0;
  }
  /* a replaced value frees about what the new one takes */
  if (fresh) r->mem += strlen(key) + r->cur_raw + ENTRY_OVERHEAD;
  return json_object_set_new(table, key, value) ? -1 : 0;
}

static int array_put(mp_record *r, json_t *arr, json_t *value) {
  if (json_array_size(arr) >= r->max_entries) {
    json_decref(value);
    r->stats.limited++;
    return 0;
  }
  r->mem += r->cur_raw + ENTRY_OVERHEAD;
  return json_array_append_new(arr, value) ? -1 : 0;
}

/* A file known by its path alone: the first report is kept (null, jansson's
 * singleton: no allocation), later ones change nothing. */
static int put_file(mp_record *r, json_t *table, const char *path) {
  char *abs = mp_record_abspath(r, path);
  if (!abs) return -1;
  int rc = json_object_get(table, abs) ? 0 : table_put(r, table, abs, json_null());
  free(abs);
  return rc;
}

int mp_record_file(mp_record *r, int written, const char *path, size_t rawlen, mp_err *e) {
  r->stats.events++;
  r->cur_raw = rawlen;
  if (!path || !*path) return 0;
  if (put_file(r, written ? r->files_written : r->files_read, path) != 0)
    return mp_err_set(e, MP_ENOMEM, "out of memory recording event");
  return 0;
}

static json_t *param_value(const char *text) {
  json_error_t je;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
  return v ? v : json_string(text);
}

/* Appends n leaf hashes to the dataset's leafset; fmt is the format the
 * sender named ("" or NULL: none). -1 when out of memory. */
static int add_leaves(mp_record *r, const char *dataset, const uint8_t *leaves, size_t n, const char *fmt) {
  json_t *idx = json_object_get(r->leafsets_index, dataset);
  size_t i;
  if (idx) {
    i = (size_t)json_integer_value(idx);
  } else {
    mp_leafset *nl = realloc(r->leafsets, (r->nleafsets + 1) * sizeof *nl);
    if (!nl) return -1;
    r->leafsets = nl;
    memset(&nl[r->nleafsets], 0, sizeof *nl);
    nl[r->nleafsets].format = -1;
    i = r->nleafsets++;
    json_object_set_new(r->leafsets_index, dataset, json_integer((json_int_t)i));
  }
  mp_leafset *ls = &r->leafsets[i];
  if (fmt && *fmt) {
    mp_dsformat f;
    if (mp_dsformat_parse(fmt, &f) != 0) ls->format_conflict = 1;
    else if (ls->format < 0) ls->format = (int)f;
    else if (ls->format != (int)f) ls->format_conflict = 1;
  }
  if (ls->cap - ls->n < n) {
    size_t ncap = ls->cap ? ls->cap : 1024;
    while (ncap - ls->n < n) ncap *= 2;
    uint8_t *nb = realloc(ls->leaves, ncap * MP_SHA256_LEN);
    if (!nb) return -1;
    mp_hint_hugepages(nb + ls->n * MP_SHA256_LEN, (ncap - ls->n) * MP_SHA256_LEN);
    r->mem += (ncap - ls->cap) * MP_SHA256_LEN;
    ls->leaves = nb;
    ls->cap = ncap;
  }
  memcpy(ls->leaves + ls->n * MP_SHA256_LEN, leaves, n * MP_SHA256_LEN);
  ls->n += n;
  return 0;
}

static const char *role_name(int role) {
  switch (role) {
    case MLPROV__EVENT__V1__ARTIFACT_ROLE__ARTIFACT_ROLE_MODEL: return "model";
    case MLPROV__EVENT__V1__ARTIFACT_ROLE__ARTIFACT_ROLE_CHECKPOINT: return "checkpoint";
    default: return "other";
  }
}

/* True when msg or a message it holds carries fields this build does not know
 * (a newer hook): the raw frame is then kept so nothing is lost. */
static int has_unknown_fields(const ProtobufCMessage *msg, int depth) {
  if (!msg || depth > 8) return 0;
  if (msg->n_unknown_fields) return 1;
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
    const char *base = (const char *)msg;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
      if (which != f->id) continue;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      ProtobufCMessage *const *arr = *(ProtobufCMessage *const *const *)(base + f->offset);
      for (size_t k = 0; k < n; k++)
        if (has_unknown_fields(arr[k], depth + 1)) return 1;
    } else if (has_unknown_fields(*(ProtobufCMessage *const *)(base + f->offset), depth + 1)) {
      return 1;
    }
  }
  return 0;
}

static void keep_raw(mp_record *r, const uint8_t *raw, size_t rawlen) {
  if (json_array_size(r->unknown) >= MAX_UNKNOWN_KEPT) return;
  r->mem += rawlen * 4 / 3 + ENTRY_OVERHEAD;
  char *b = mp_b64_encode(raw, rawlen);
  if (b) json_array_append_new(r->unknown, json_string(b));
  free(b);
}

/* Each path of a batch as its own file event (one event counted a path);
 * the batch was checked when ingested, so an invalid one is a newer or
 * broken writer's. */
static int record_batch(mp_record *r, const Mlprov__Event__V1__FileBatch *fb, mp_err *e) {
  mp_filebatch_iter it;
  mp_filebatch_begin(&it, fb->paths.data, fb->paths.len);
  int rc;
  while ((rc = mp_filebatch_next(&it)) == 1)
    if (mp_record_file(r, it.written, it.path, MP_FILEBATCH_RAWLEN(it.len), e) != 0) break;
  if (rc < 0) return mp_err_set(e, MP_EPARSE, "file batch event: its paths are not front-coded as the schema says");
  return rc == 0 ? 0 : -1;
}

int mp_record_event(mp_record *r, const Mlprov__Event__V1__Event *ev, const uint8_t *raw,
                    size_t rawlen, mp_err *e) {
  int rc = 0;
  char *abs = NULL;
  r->stats.events++;
  r->cur_raw = rawlen;
  if (ev->kind_case != MLPROV__EVENT__V1__EVENT__KIND__NOT_SET && has_unknown_fields(&ev->base, 0)) {
    r->stats.unknown_fields++;
    keep_raw(r, raw, rawlen);
  }
  switch (ev->kind_case) {
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_READ: {
      const Mlprov__Event__V1__FileRead *f = ev->file_read;
      if (!f->path || !*f->path) break;
      if (!f->n_digest && !f->size) {
        rc = put_file(r, r->files_read, f->path);
        break;
      }
      if (!(abs = mp_record_abspath(r, f->path))) goto nomem;
      if (json_object_get(r->files_read, abs)) break;
      json_t *o = json_object();
      if (f->n_digest) json_object_set_new(o, "digest", DIGEST_OF(f));
      if (f->size) json_object_set_new(o, "size", json_integer((json_int_t)f->size));
      rc = table_put(r, r->files_read, abs, o);
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN:
      if (ev->file_written->path && *ev->file_written->path) rc = put_file(r, r->files_written, ev->file_written->path);
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_DATASET: {
      const Mlprov__Event__V1__Dataset *d = ev->dataset;
      const char *name = d->name && *d->name ? d->name : d->uri;
      if (!name || !*name) break;
      json_t *o = json_object();
      if (d->uri && *d->uri) {
        /* a plain path becomes an absolute file path; URIs stay as given */
        if (strstr(d->uri, "://")) {
          json_object_set_new(o, "uri", json_string(d->uri));
        } else {
          if (!(abs = mp_record_abspath(r, d->uri))) goto nomem;
          json_object_set_new(o, "path", json_string(abs));
        }
      }
      if (d->n_digest) json_object_set_new(o, "digest", DIGEST_OF(d));
      if (d->record_count) json_object_set_new(o, "recordCount", json_integer((json_int_t)d->record_count));
      if (d->merkle_root && *d->merkle_root) json_object_set_new(o, "merkleRoot", json_string(d->merkle_root));
      if (d->record_format && *d->record_format)
        json_object_set_new(o, "recordFormat", json_string(d->record_format));
      rc = table_put(r, r->datasets, name, o);
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_DEPENDENCY: {
      const Mlprov__Event__V1__Dependency *d = ev->dependency;
      char key[1024];
      if (d->purl && *d->purl) snprintf(key, sizeof key, "%s", d->purl);
      else if (d->name && *d->name) snprintf(key, sizeof key, "%s@%s", d->name, d->version ? d->version : "");
      else break;
      json_t *o = json_object();
      if (d->name && *d->name) json_object_set_new(o, "name", json_string(d->name));
      if (d->version && *d->version) json_object_set_new(o, "version", json_string(d->version));
      if (d->purl && *d->purl) json_object_set_new(o, "purl", json_string(d->purl));
      if (d->n_digest) json_object_set_new(o, "digest", DIGEST_OF(d));
      /* "loaded" is sticky: a later report from a process that did not load
       * the package (another rank, a subprocess) must not clear it. */
      json_t *prev = json_object_get(r->dependencies, key);
      if (d->loaded || (prev && json_is_true(json_object_get(prev, "loaded"))))
        json_object_set_new(o, "loaded", json_true());
      rc = table_put(r, r->dependencies, key, o);
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_PARAMETER:
      if (!ev->parameter->key || !*ev->parameter->key) break;
      rc = table_put(r, r->parameters, ev->parameter->key, param_value(ev->parameter->value ? ev->parameter->value : ""));
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_ARTIFACT: {
      const Mlprov__Event__V1__Artifact *a = ev->artifact;
      if (!a->path || !*a->path) break;
      if (!(abs = mp_record_abspath(r, a->path))) goto nomem;
      json_t *o = json_pack("{s:s}", "role", role_name(a->role));
      if (a->name && *a->name) json_object_set_new(o, "name", json_string(a->name));
      rc = table_put(r, r->artifacts, abs, o);
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_BASE_MODEL: {
      const Mlprov__Event__V1__BaseModel *b = ev->base_model;
      json_t *o = json_object();
      if (b->name && *b->name) json_object_set_new(o, "name", json_string(b->name));
      if (b->n_digest) json_object_set_new(o, "digest", DIGEST_OF(b));
      if (b->uri && *b->uri) {
        if (strstr(b->uri, "://")) json_object_set_new(o, "uri", json_string(b->uri));
        else if ((abs = mp_record_abspath(r, b->uri))) json_object_set_new(o, "path", json_string(abs));
      }
      if (b->provenance && *b->provenance) {
        char *p = strstr(b->provenance, "://") ? strdup(b->provenance) : mp_record_abspath(r, b->provenance);
        if (p) json_object_set_new(o, "provenance", json_string(p));
        free(p);
      }
      rc = array_put(r, r->base_models, o);
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_ANNOTATION:
      rc = array_put(r, r->annotations,
                     json_pack("{s:s, s:s}", "key", ev->annotation->key ? ev->annotation->key : "",
                               "text", ev->annotation->text ? ev->annotation->text : ""));
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_RECORD: {
      const Mlprov__Event__V1__Record *rec = ev->record;
      const char *ds = rec->dataset && *rec->dataset ? rec->dataset : "default";
      if (rec->leaf_hashes.len) {
        if (rec->leaf_hashes.len % MP_SHA256_LEN)
          return mp_err_set(e, MP_EPARSE, "record event: leaf hashes of %zu bytes (want a multiple of 32)",
                            rec->leaf_hashes.len);
        if (add_leaves(r, ds, rec->leaf_hashes.data, rec->leaf_hashes.len / MP_SHA256_LEN, rec->record_format))
          goto nomem;
        break;
      }
      uint8_t leaf[MP_SHA256_LEN];
      if (rec->leaf_hash.len == MP_SHA256_LEN) memcpy(leaf, rec->leaf_hash.data, MP_SHA256_LEN);
      else if (rec->leaf_hash.len == 0) mp_merkle_leaf_hash(rec->data.data, rec->data.len, leaf);
      else return mp_err_set(e, MP_EPARSE, "record event: leaf hash of %zu bytes (want 32)", rec->leaf_hash.len);
      if (add_leaves(r, ds, leaf, 1, rec->record_format)) goto nomem;
      break;
    }
    case MLPROV__EVENT__V1__EVENT__KIND_HOOK_STATS:
      r->stats.dropped_by_hooks += ev->hook_stats->events_dropped;
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH:
      r->stats.events--; /* counted a path each, by mp_record_file */
      return record_batch(r, ev->file_batch, e);
    case MLPROV__EVENT__V1__EVENT__KIND_EXEC: {
      json_t *argv = json_array();
      for (size_t i = 0; i < ev->exec->n_argv; i++) json_array_append_new(argv, json_string(ev->exec->argv[i]));
      rc = array_put(r, r->execs, json_pack("{s:s, s:o}", "path", ev->exec->path ? ev->exec->path : "", "argv", argv));
      break;
    }
    default: {
      r->stats.unknown_events++;
      keep_raw(r, raw, rawlen);
      break;
    }
  }
  free(abs);
  if (rc) return mp_err_set(e, MP_ENOMEM, "out of memory recording event");
  return 0;
nomem:
  free(abs);
  return mp_err_set(e, MP_ENOMEM, "out of memory recording event");
}
