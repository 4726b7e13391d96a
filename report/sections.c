/* sections.c — one provenance entry as a page section: status banner,
 * signer/build/run/source cards, subjects, datasets, base models, parameters,
 * timeline, environment, and every field the renderers do not know (shown as
 * JSON so a newer recorder's data is never hidden). Dependencies are in
 * deps.c. Every value from the statement goes through mp_html_text. */
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "statement.h"

static const json_t *pred_get(const mp_report_entry *ent, const char *a, const char *b) {
  json_t *v = json_object_get(json_object_get(ent->statement, "predicate"), a);
  return b ? json_object_get(v, b) : v;
}

static const json_t *byproduct(const mp_report_entry *ent, const char *name) {
  size_t i;
  json_t *b;
  json_array_foreach(pred_get(ent, "runDetails", "byproducts"), i, b) {
    const char *n = json_string_value(json_object_get(b, "name"));
    if (n && strcmp(n, name) == 0) return json_object_get(b, "annotations");
  }
  return NULL;
}

static json_int_t ann_int(const json_t *ann, const char *key) {
  return json_integer_value(json_object_get(ann, key));
}

static void kv(mp_html *h, const char *key, const char *value) {
  if (!value) return;
  mp_html_raw(h, "<tr><th>");
  mp_html_text(h, key);
  mp_html_raw(h, "</th><td>");
  mp_html_text(h, value);
  mp_html_raw(h, "</td></tr>");
}

static void kv_json(mp_html *h, const char *key, const json_t *value) {
  if (!value) return;
  mp_html_raw(h, "<tr><th>");
  mp_html_text(h, key);
  mp_html_raw(h, "</th><td>");
  mp_report_json_value(h, value);
  mp_html_raw(h, "</td></tr>");
}

/* Rows "a.b.c = value" for nested objects; arrays of scalars stay JSON. Keys
 * come from the file, so they are joined on the heap, never on the stack. */
static void flatten(mp_html *h, const char *prefix, const json_t *v, int depth) {
  if (json_is_object(v) && json_object_size(v) && depth < 8) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      size_t n = strlen(prefix) + strlen(k) + 2;
      char *key = malloc(n);
      if (!key) {
        h->oom = 1;
        return;
      }
      snprintf(key, n, "%s%s%s", prefix, *prefix ? "." : "", k);
      flatten(h, key, x, depth + 1);
      free(key);
    }
    return;
  }
  if (json_is_array(v) && depth < 8) {
    int objects = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (json_is_object(x)) objects = 1;
    if (objects) {
      json_array_foreach(v, i, x) {
        size_t n = strlen(prefix) + 24;
        char *key = malloc(n);
        if (!key) {
          h->oom = 1;
          return;
        }
        snprintf(key, n, "%s[%zu]", prefix, i);
        flatten(h, key, x, depth + 1);
        free(key);
      }
      return;
    }
  }
  kv_json(h, prefix, v);
}

/* --- header, cards ----------------------------------------------------- */

static void render_banner(mp_html *h, const mp_report_entry *ent) {
  if (ent->status == MP_REPORT_VERIFIED) return;
  mp_html_rawf(h, "<div class=\"banner %s\"><strong>%s</strong> ", mp_report_status_class(ent->status),
               mp_report_status_word(ent->status));
  mp_html_text(h, ent->reason);
  if (ent->status != MP_REPORT_INVALID)
    mp_html_raw(h, ". <em>Everything below comes from an unauthenticated payload.</em>");
  mp_html_raw(h, "</div>\n");
}

/* Warnings the recorder signed, and hook counters that mean lost data. */
static void render_alerts(mp_html *h, const mp_report_entry *ent) {
  const json_t *warnings = json_object_get(byproduct(ent, "mlprov/warnings"), "items");
  const json_t *hooks = byproduct(ent, "mlprov/hooks");
  const json_t *run = byproduct(ent, "mlprov/run");
  static const char *const counters[][2] = {
      {"refusedConnections", "hook connections refused"}, {"badFrames", "undecodable event frames"},
      {"tornFrames", "connections ended inside a frame"}, {"oversizeFrames", "oversize frames"},
      {"eventsDroppedByHooks", "events dropped by hooks"}, {"eventsOverLimit", "events over the recorder's limits"},
      {"unknownEvents", "events of an unknown kind (kept as bytes)"},
  };
  size_t nalerts = json_array_size(warnings);
  for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) nalerts += ann_int(hooks, counters[i][0]) > 0;
  int incomplete = json_is_false(json_object_get(run, "complete"));
  if (!nalerts && !incomplete) return;
  mp_html_raw(h, "<div class=\"banner warn alerts\"><strong>Recorder warnings</strong><ul>");
  if (incomplete) mp_html_raw(h, "<li><strong>The run is marked incomplete</strong>: the provenance was not written by a normal end of the job.</li>");
  for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
    json_int_t n = ann_int(hooks, counters[i][0]);
    if (n > 0) mp_html_rawf(h, "<li>%lld %s</li>", (long long)n, counters[i][1]);
  }
  size_t i;
  json_t *w;
  json_array_foreach(warnings, i, w) {
    mp_html_raw(h, "<li>");
    mp_html_text(h, json_string_value(w));
    mp_html_raw(h, "</li>");
  }
  mp_html_raw(h, "</ul></div>\n");
}

static void render_signers(mp_html *h, const mp_report *r, const mp_report_entry *ent) {
  mp_html_raw(h, "<div class=\"card\"><h3>Signature</h3><ul class=\"plain\">");
  size_t i;
  json_t *s;
  json_array_foreach(ent->signers, i, s) {
    int trusted = json_is_true(json_object_get(s, "trusted"));
    mp_html_rawf(h, "<li class=\"%s\">", trusted ? "ok" : (r->o.nkeys ? "bad" : "warn"));
    if (trusted) {
      mp_html_raw(h, "&#10004; signed by trusted ");
      mp_html_text(h, json_string_value(json_object_get(s, "keyType")));
      mp_html_raw(h, " key");
    } else {
      mp_html_raw(h, r->o.nkeys ? "&#10006; signature by a key that is not trusted, claimed key id"
                                : "&#9888; signature not checked, claimed key id");
    }
    mp_html_raw(h, "<br><code class=\"digest\">");
    mp_html_text(h, json_string_value(json_object_get(s, "keyid")));
    mp_html_raw(h, "</code></li>");
  }
  if (!json_array_size(ent->signers)) mp_html_raw(h, "<li class=\"bad\">no signature</li>");
  mp_html_raw(h, "</ul></div>");
}

static void render_cards(mp_html *h, const mp_report *r, const mp_report_entry *ent) {
  mp_html_raw(h, "<div class=\"cards\">");
  render_signers(h, r, ent);
  const json_t *builder = pred_get(ent, "runDetails", "builder");
  const json_t *meta = pred_get(ent, "runDetails", "metadata");
  mp_html_raw(h, "<div class=\"card\"><h3>Build</h3><table class=\"kv\">");
  kv(h, "builder", json_string_value(json_object_get(builder, "id")));
  kv(h, "build type", json_string_value(pred_get(ent, "buildDefinition", "buildType")));
  kv(h, "predicate", json_string_value(json_object_get(ent->statement, "predicateType")));
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(builder, "version"), k, v) kv(h, k, json_string_value(v));
  kv(h, "invocation", json_string_value(json_object_get(meta, "invocationId")));
  mp_html_raw(h, "</table></div>");

  const json_t *run = byproduct(ent, "mlprov/run");
  mp_html_raw(h, "<div class=\"card\"><h3>Run</h3><table class=\"kv\">");
  kv(h, "started", json_string_value(json_object_get(meta, "startedOn")));
  kv(h, "finished", json_string_value(json_object_get(meta, "finishedOn")));
  json_t *dur = json_object_get(run, "durationSeconds");
  if (json_is_number(dur)) mp_html_rawf(h, "<tr><th>duration</th><td>%.3f s</td></tr>", json_number_value(dur));
  json_t *code = json_object_get(run, "exitCode"), *sig = json_object_get(run, "termSignal");
  if (code)
    mp_html_rawf(h, "<tr><th>exit</th><td class=\"%s\">status %lld%s</td></tr>",
                 json_integer_value(code) || sig ? "bad" : "ok", (long long)json_integer_value(code),
                 sig ? " (killed by a signal)" : "");
  mp_html_raw(h, "</table></div>");

  json_t *src = mp_report_deps_of_kind(ent, "source");
  json_t *s0 = json_array_get(src, 0);
  if (s0) {
    mp_html_raw(h, "<div class=\"card\"><h3>Source</h3><table class=\"kv\">");
    kv(h, "repository", json_string_value(json_object_get(s0, "uri")));
    kv(h, "commit", json_string_value(json_object_get(json_object_get(s0, "digest"), "gitCommit")));
    kv(h, "branch", mp_report_ann(s0, "branch"));
    json_t *dirty = json_object_get(json_object_get(s0, "annotations"), "dirty");
    if (json_is_boolean(dirty))
      mp_html_rawf(h, "<tr><th>work tree</th><td class=\"%s\">%s</td></tr>", json_is_true(dirty) ? "bad" : "ok",
                   json_is_true(dirty) ? "DIRTY: uncommitted changes were trained on" : "clean");
    mp_html_raw(h, "</table></div>");
  }
  json_decref(src);
  mp_html_raw(h, "</div>\n");
}

/* --- tables -------------------------------------------------------------- */

static void render_subjects(mp_html *h, const mp_report_entry *ent) {
  json_t *subjects = json_object_get(ent->statement, "subject");
  mp_html_rawf(h, "<h3>Subjects <span class=\"n\">%zu</span></h3><table class=\"grid\"><thead><tr><th>name</th>"
                  "<th>role</th><th>digest</th><th>size</th></tr></thead><tbody>",
               json_array_size(subjects));
  size_t i;
  json_t *s;
  json_array_foreach(subjects, i, s) {
    const char *role = mp_report_ann(s, "role");
    mp_html_rawf(h, "<tr class=\"%s\"><td>", role && strcmp(role, "model") == 0 ? "model" : "");
    mp_html_text(h, json_string_value(json_object_get(s, "name")));
    mp_html_raw(h, "</td><td>");
    mp_html_text(h, role ? role : "");
    mp_html_raw(h, "</td><td>");
    mp_report_digests(h, json_object_get(s, "digest"));
    const char *method = mp_report_ann(s, "digestMethod");
    if (method) {
      mp_html_raw(h, "<div class=\"sub\">");
      mp_html_text(h, method);
      json_t *fc = json_object_get(json_object_get(s, "annotations"), "fileCount");
      if (fc) mp_html_rawf(h, ", %lld files", (long long)json_integer_value(fc));
      mp_html_raw(h, "</div>");
    }
    mp_html_raw(h, "</td><td class=\"num\">");
    json_t *size = json_object_get(json_object_get(s, "annotations"), "size");
    if (json_is_integer(size)) mp_html_rawf(h, "%lld", (long long)json_integer_value(size));
    mp_html_raw(h, "</td></tr>");
  }
  mp_html_raw(h, "</tbody></table>\n");
}

static void render_datasets(mp_html *h, const mp_report_entry *ent) {
  json_t *ds = mp_report_deps_of_kind(ent, "dataset");
  mp_html_rawf(h, "<h3 id=\"%s-datasets\">Datasets <span class=\"n\">%zu</span></h3>", ent->anchor, json_array_size(ds));
  if (!json_array_size(ds)) {
    mp_html_raw(h, "<p class=\"none\">No dataset was reported by the job.</p>\n");
    json_decref(ds);
    return;
  }
  mp_html_raw(h, "<table class=\"grid\"><thead><tr><th>name</th><th>location</th><th>digest</th><th>records</th>"
                 "<th>Merkle roots</th></tr></thead><tbody>");
  size_t i;
  json_t *d;
  json_array_foreach(ds, i, d) {
    json_t *ann = json_object_get(d, "annotations");
    mp_html_raw(h, "<tr class=\"dataset\">");
    mp_report_cell(h, json_string_value(json_object_get(d, "name")));
    mp_report_cell(h, json_string_value(json_object_get(d, "uri")));
    mp_html_raw(h, "<td>");
    mp_report_digests(h, json_object_get(d, "digest"));
    const char *observed = mp_report_ann(d, "observedSha256");
    if (observed) mp_report_note(h, "bad", "declared digest differs from the file: sha256:", observed, "");
    mp_html_raw(h, "</td><td class=\"num\">");
    json_t *rc = json_object_get(ann, "recordCount"), *ts = json_object_get(ann, "recordsTreeSize");
    if (json_is_integer(rc)) mp_html_rawf(h, "%lld declared", (long long)json_integer_value(rc));
    if (json_is_integer(ts)) mp_html_rawf(h, "%s%lld committed", rc ? "<br>" : "", (long long)json_integer_value(ts));
    mp_html_raw(h, "</td><td>");
    const char *k;
    json_t *v;
    int roots = 0;
    json_object_foreach(ann, k, v) {
      if (!mp_report_is_root_key(k) || !json_is_string(v)) continue;
      roots++;
      mp_html_raw(h, "<div><span class=\"alg\">");
      mp_html_text(h, k);
      mp_html_raw(h, "</span> <code class=\"digest\">");
      mp_html_text(h, json_string_value(v));
      mp_html_raw(h, "</code></div>");
    }
    if (!roots) mp_html_raw(h, "<span class=\"none\">none recorded</span>");
    static const char *const skip[] = {"kind", "recordCount", "recordsTreeSize", "observedSha256", NULL};
    mp_report_annotations(h, d, skip, 1);
    mp_html_raw(h, "</td></tr>");
  }
  mp_html_raw(h, "</tbody></table>\n");
  json_decref(ds);
}

static void render_base_models(mp_html *h, const mp_report *r, const mp_report_entry *ent) {
  json_t *bm = mp_report_deps_of_kind(ent, "base-model");
  if (!json_array_size(bm)) {
    json_decref(bm);
    return;
  }
  mp_html_rawf(h, "<h3 id=\"%s-base-models\">Base models <span class=\"n\">%zu</span></h3><table class=\"grid\">"
                  "<thead><tr><th>name</th><th>location</th><th>digest</th><th>its provenance</th></tr></thead><tbody>",
               ent->anchor, json_array_size(bm));
  size_t i;
  json_t *b;
  json_array_foreach(bm, i, b) {
    mp_html_raw(h, "<tr class=\"base-model\">");
    mp_report_cell(h, json_string_value(json_object_get(b, "name")));
    mp_report_cell(h, json_string_value(json_object_get(b, "uri")));
    mp_html_raw(h, "<td>");
    mp_report_digests(h, json_object_get(b, "digest"));
    mp_html_raw(h, "</td><td>");
    const char *sha = json_string_value(json_object_get(json_object_get(b, "digest"), "sha256"));
    const mp_report_entry *parent = mp_report_find_subject(r, sha, NULL);
    if (parent && parent != ent)
      mp_html_rawf(h, "<a href=\"#%s\">given: provenance %s</a> <span class=\"chip %s\">%s</span>", parent->anchor,
                   parent->anchor + 1, mp_report_status_class(parent->status), mp_report_status_word(parent->status));
    else
      mp_html_raw(h, "<span class=\"warn\">not among the files given to this report</span>");
    const char *p = mp_report_ann(b, "provenance");
    if (p) mp_report_note(h, NULL, "declared: ", p, "");
    mp_html_raw(h, "</td></tr>");
  }
  mp_html_raw(h, "</tbody></table>\n");
  json_decref(bm);
}

static void render_parameters(mp_html *h, const mp_report_entry *ent) {
  const json_t *ext = pred_get(ent, "buildDefinition", "externalParameters");
  mp_html_raw(h, "<h3>Parameters</h3><table class=\"kv wide\">");
  const json_t *cmd = json_object_get(ext, "command");
  if (json_is_array(cmd)) {
    mp_html_raw(h, "<tr><th>command</th><td><code class=\"cmd\">");
    size_t i;
    json_t *a;
    json_array_foreach(cmd, i, a) {
      if (i) mp_html_raw(h, " ");
      mp_html_raw(h, "<span class=\"arg\">");
      mp_html_text(h, json_string_value(a));
      mp_html_raw(h, "</span>");
    }
    mp_html_raw(h, "</code></td></tr>");
  }
  kv(h, "working directory", json_string_value(json_object_get(ext, "workingDirectory")));
  const json_t *params = json_object_get(ext, "parameters");
  if (json_object_size(params)) flatten(h, "", params, 0);
  else mp_html_raw(h, "<tr><th>parameters</th><td class=\"none\">none reported</td></tr>");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)ext, k, v) {
    if (strcmp(k, "command") && strcmp(k, "workingDirectory") && strcmp(k, "parameters")) flatten(h, k, v, 1);
  }
  mp_html_raw(h, "</table>\n");
}

static void tl_item(mp_html *h, const char *cls, const char *when, const char *what) {
  mp_html_rawf(h, "<li class=\"%s\"><span class=\"when\">", cls);
  mp_html_text(h, when ? when : "");
  mp_html_raw(h, "</span><span class=\"what\">");
  mp_html_raw(h, what); /* markup built by the caller */
  mp_html_raw(h, "</span></li>");
}

static void render_timeline(mp_html *h, const mp_report_entry *ent) {
  const json_t *meta = pred_get(ent, "runDetails", "metadata");
  const json_t *run = byproduct(ent, "mlprov/run"), *hooks = byproduct(ent, "mlprov/hooks");
  mp_html_raw(h, "<h3>Timeline</h3><ol class=\"timeline\">");
  mp_html part = {0};
  mp_html_raw(&part, "job started: <code>");
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(pred_get(ent, "buildDefinition", "externalParameters"), "command"), i, a) {
    if (i) mp_html_raw(&part, " ");
    mp_html_text(&part, json_string_value(a));
  }
  mp_html_raw(&part, "</code>");
  char *s = mp_html_take(&part, NULL);
  tl_item(h, "start", json_string_value(json_object_get(meta, "startedOn")), s ? s : "job started");
  free(s);
  /* hook connections, one line per (kind, version): a shell job opens one
   * connection per `mlprov event` */
  json_t *hooklist = json_object_get(hooks, "hooks");
  json_t *seen = json_object();
  json_t *hk;
  json_array_foreach(hooklist, i, hk) {
    const char *kind = json_string_value(json_object_get(hk, "kind"));
    const char *ver = json_string_value(json_object_get(hk, "version"));
    char key[256];
    snprintf(key, sizeof key, "%.100s %.100s", kind ? kind : "?", ver ? ver : "");
    if (json_object_get(seen, key)) continue;
    json_object_set_new(seen, key, json_true());
    size_t count = 0, k;
    json_t *o, *ranked = NULL;
    mp_html pids = {0};
    json_array_foreach(hooklist, k, o) {
      const char *ok = json_string_value(json_object_get(o, "kind")), *ov = json_string_value(json_object_get(o, "version"));
      if (strcmp(ok ? ok : "?", kind ? kind : "?") || strcmp(ov ? ov : "", ver ? ver : "")) continue;
      if (json_object_get(o, "rank")) ranked = o;
      if (count < 8) mp_html_rawf(&pids, "%s%lld", count ? ", " : "", (long long)json_integer_value(json_object_get(o, "pid")));
      else if (count == 8) mp_html_raw(&pids, ", \xe2\x80\xa6");
      count++;
    }
    mp_html_rawf(&part, "%zu ", count);
    mp_html_text(&part, kind ? kind : "?");
    mp_html_rawf(&part, " hook connection%s", count == 1 ? "" : "s");
    if (ver && *ver) {
      mp_html_raw(&part, " (version ");
      mp_html_text(&part, ver);
      mp_html_raw(&part, ")");
    }
    char *p = mp_html_take(&pids, NULL);
    mp_html_rawf(&part, ", pid%s %s", count == 1 ? "" : "s", p ? p : "");
    free(p);
    if (ranked) {
      json_t *rank = json_object_get(ranked, "rank");
      mp_html_rawf(&part, ", ranked (world size %lld)", (long long)json_integer_value(json_object_get(rank, "worldSize")));
    }
    s = mp_html_take(&part, NULL);
    tl_item(h, "hook", "during the run", s ? s : "");
    free(s);
  }
  json_decref(seen);
  if (hooks) {
    mp_html_rawf(&part, "%lld event(s) received over %lld connection(s)", (long long)ann_int(hooks, "events"),
                 (long long)ann_int(hooks, "connections"));
    json_int_t lost = ann_int(hooks, "refusedConnections") + ann_int(hooks, "badFrames") + ann_int(hooks, "tornFrames") +
                      ann_int(hooks, "oversizeFrames") + ann_int(hooks, "eventsDroppedByHooks") +
                      ann_int(hooks, "eventsOverLimit");
    if (lost) mp_html_rawf(&part, "; <strong>%lld refused, malformed or dropped</strong>", (long long)lost);
    s = mp_html_take(&part, NULL);
    tl_item(h, lost ? "events warn" : "events", "during the run", s ? s : "");
    free(s);
  }
  const json_t *ann = json_object_get(byproduct(ent, "mlprov/annotations"), "items");
  json_array_foreach((json_t *)ann, i, a) {
    mp_html_raw(&part, "annotation <strong>");
    mp_html_text(&part, json_string_value(json_object_get(a, "key")));
    mp_html_raw(&part, "</strong>: ");
    mp_html_text(&part, json_string_value(json_object_get(a, "text")));
    s = mp_html_take(&part, NULL);
    tl_item(h, "note", "during the run", s ? s : "");
    free(s);
  }
  const json_t *execs = json_object_get(byproduct(ent, "mlprov/execs"), "items");
  if (json_array_size(execs)) {
    mp_html_rawf(&part, "%zu program(s) executed", json_array_size(execs));
    s = mp_html_take(&part, NULL);
    tl_item(h, "note", "during the run", s ? s : "");
    free(s);
  }
  const json_t *fw = byproduct(ent, "mlprov/files-written");
  if (fw) {
    mp_html_rawf(&part, "%lld file(s) written", (long long)ann_int(fw, "count"));
    s = mp_html_take(&part, NULL);
    tl_item(h, "note", "during the run", s ? s : "");
    free(s);
  }
  json_t *w;
  json_array_foreach(json_object_get(byproduct(ent, "mlprov/warnings"), "items"), i, w) {
    mp_html_raw(&part, "warning: ");
    mp_html_text(&part, json_string_value(w));
    s = mp_html_take(&part, NULL);
    tl_item(h, "warn", "at the end", s ? s : "");
    free(s);
  }
  json_t *code = json_object_get(run, "exitCode");
  json_t *dur = json_object_get(run, "durationSeconds");
  if (code) mp_html_rawf(&part, "job exited with status %lld", (long long)json_integer_value(code));
  else mp_html_raw(&part, "job finished");
  if (json_is_number(dur)) mp_html_rawf(&part, " after %.3f s", json_number_value(dur));
  if (json_is_false(json_object_get(run, "complete"))) mp_html_raw(&part, " &mdash; <strong>run incomplete</strong>");
  s = mp_html_take(&part, NULL);
  tl_item(h, code && json_integer_value(code) ? "end bad" : "end", json_string_value(json_object_get(meta, "finishedOn")),
          s ? s : "");
  free(s);
  mp_html_free(&part);
  mp_html_raw(h, "</ol>\n");
}

static void render_environment(mp_html *h, const mp_report_entry *ent) {
  const json_t *internal = pred_get(ent, "buildDefinition", "internalParameters");
  mp_html_raw(h, "<h3>Environment</h3><table class=\"kv wide\">");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)internal, k, v) {
    if (strcmp(k, "environment") != 0) flatten(h, k, v, 1);
  }
  mp_html_raw(h, "</table>\n");
  const json_t *env = json_object_get(internal, "environment");
  if (json_object_size(env)) {
    mp_html_rawf(h, "<details class=\"env\"><summary>Environment variables <span class=\"n\">%zu</span> "
                    "(secrets redacted by the recorder)</summary><table class=\"kv wide\">",
                 json_object_size(env));
    json_object_foreach((json_t *)env, k, v) kv_json(h, k, v);
    mp_html_raw(h, "</table></details>\n");
  }
}

/* Byproducts the renderers above do not use, as JSON. */
static void render_other(mp_html *h, const mp_report_entry *ent) {
  static const char *const known[] = {"mlprov/run", "mlprov/hooks", "mlprov/annotations", "mlprov/warnings",
                                      "mlprov/files-written", NULL};
  mp_html tmp = {0};
  size_t i, n = 0;
  json_t *b;
  json_array_foreach(pred_get(ent, "runDetails", "byproducts"), i, b) {
    const char *name = json_string_value(json_object_get(b, "name"));
    int skip = 0;
    for (const char *const *p = known; *p && name; p++) skip |= strcmp(*p, name) == 0;
    if (skip) continue;
    n++;
    char *s = json_dumps(b, JSON_INDENT(2) | JSON_SORT_KEYS);
    mp_html_raw(&tmp, "<pre class=\"json\">");
    mp_html_text(&tmp, s ? s : "");
    mp_html_raw(&tmp, "</pre>");
    free(s);
  }
  char *s = mp_html_take(&tmp, NULL);
  if (n) {
    mp_html_rawf(h, "<details class=\"other\"><summary>Other byproducts <span class=\"n\">%zu</span></summary>", n);
    mp_html_raw(h, s ? s : "");
    mp_html_raw(h, "</details>\n");
  }
  free(s);
}

void mp_report_render_entry(mp_html *h, const mp_report *r, const mp_report_entry *ent) {
  mp_html_rawf(h, "<section class=\"prov prov-%s\" id=\"%s\"><div class=\"prov-head\"><span class=\"chip %s\">%s</span><h2>",
               mp_report_status_class(ent->status), ent->anchor, mp_report_status_class(ent->status),
               mp_report_status_word(ent->status));
  const json_t *p = ent->statement ? mp_report_primary(ent) : NULL;
  const char *title = json_string_value(json_object_get(p, "name"));
  mp_html_text(h, title ? title : ent->source);
  mp_html_rawf(h, "</h2><span class=\"pn\">provenance %s</span></div><p class=\"src\">from <code>", ent->anchor + 1);
  mp_html_text(h, ent->source);
  mp_html_raw(h, "</code>");
  if (ent->line) mp_html_rawf(h, " line %d", ent->line);
  mp_html_raw(h, "</p>\n");
  render_banner(h, ent);
  if (ent->status == MP_REPORT_INVALID) {
    mp_html_raw(h, "</section>\n");
    return;
  }
  render_alerts(h, ent);
  const char *ptype = json_string_value(json_object_get(ent->statement, "predicateType"));
  int slsa = ptype && strcmp(ptype, MP_SLSA_PROVENANCE_V1) == 0;
  if (slsa) render_cards(h, r, ent);
  else {
    mp_html_raw(h, "<div class=\"cards\">");
    render_signers(h, r, ent);
    mp_html_raw(h, "</div>");
  }
  render_subjects(h, ent);
  if (!slsa) {
    char *s = json_dumps(json_object_get(ent->statement, "predicate"), JSON_INDENT(2) | JSON_SORT_KEYS);
    mp_html_raw(h, "<h3>Predicate <span class=\"n\">");
    mp_html_text(h, ptype ? ptype : "");
    mp_html_raw(h, "</span></h3><pre class=\"json\">");
    mp_html_text(h, s ? s : "(none)");
    mp_html_raw(h, "</pre>\n</section>\n");
    free(s);
    return;
  }
  render_datasets(h, ent);
  render_base_models(h, r, ent);
  mp_report_render_dependencies(h, ent);
  render_parameters(h, ent);
  render_timeline(h, ent);
  render_environment(h, ent);
  render_other(h, ent);
  mp_html_raw(h, "</section>\n");
}
