/* deps.c — an entry's resolvedDependencies as grouped, filterable tables:
 * source, packages (one group per package-URL type: pypi, npm, deb, generic…;
 * rows sorted by name), files read, and one group per other `kind` (a newer
 * recorder's kinds show up as their own group rather than disappearing).
 * Datasets and base models have their own sections (sections.c).
 *
 * The filter box (page.js) hides rows whose text does not contain the query;
 * rows carry class "dep-row", groups "dep-group", and the box names its
 * container by data-target. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

typedef struct group {
  char *key;      /* sort key: "0source", "1pkg:pypi", "2file", "3other:<kind>" */
  char *title;
  json_t *rows;   /* array of ResourceDescriptors */
} group;

/* "pkg:pypi/torch@2.1.0" -> "pypi"; "" when not a package URL. */
static void purl_type(const char *purl, char *out, size_t outlen) {
  out[0] = '\0';
  if (!purl || strncmp(purl, "pkg:", 4) != 0) return;
  const char *t = purl + 4;
  while (*t == '/') t++;
  size_t n = strcspn(t, "/@?#");
  if (n >= outlen) n = outlen - 1;
  for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)t[i]);
  out[n] = '\0';
}

static group *find_group(group **gs, size_t *ng, const char *key, const char *title) {
  for (size_t i = 0; i < *ng; i++)
    if (strcmp((*gs)[i].key, key) == 0) return &(*gs)[i];
  group *n = realloc(*gs, (*ng + 1) * sizeof *n);
  if (!n) return NULL;
  *gs = n;
  group *g = &n[(*ng)++];
  g->key = strdup(key);
  g->title = strdup(title);
  g->rows = json_array();
  if (!g->key || !g->title || !g->rows) return NULL;
  return g;
}

static int cmp_group(const void *a, const void *b) {
  return strcmp(((const group *)a)->key, ((const group *)b)->key);
}

static const char *rd_name(const json_t *rd) {
  const char *n = json_string_value(json_object_get(rd, "name"));
  return n ? n : json_string_value(json_object_get(rd, "uri"));
}

static int cmp_rd(const void *a, const void *b) {
  const char *x = rd_name(*(json_t *const *)a), *y = rd_name(*(json_t *const *)b);
  return strcmp(x ? x : "", y ? y : "");
}

static void row_package(mp_html *h, const json_t *d) {
  mp_report_cell(h, json_string_value(json_object_get(d, "name")));
  mp_report_cell(h, mp_report_ann(d, "version"));
  mp_html_raw(h, "<td><code>");
  mp_html_text(h, json_string_value(json_object_get(d, "uri")));
  mp_html_raw(h, "</code></td><td>");
  if (json_object_size(json_object_get(d, "digest"))) mp_report_digests(h, json_object_get(d, "digest"));
  static const char *const skip[] = {"kind", "version", NULL};
  mp_report_annotations(h, d, skip, 0);
  mp_html_raw(h, "</td>");
}

static void row_file(mp_html *h, const json_t *d) {
  mp_report_cell(h, json_string_value(json_object_get(d, "name")));
  mp_html_raw(h, "<td>");
  mp_report_digests(h, json_object_get(d, "digest"));
  mp_html_raw(h, "</td><td>");
  json_t *ann = json_object_get(d, "annotations");
  json_t *size = json_object_get(ann, "size");
  if (json_is_integer(size)) mp_html_rawf(h, "%lld bytes", (long long)json_integer_value(size));
  if (json_is_true(json_object_get(ann, "missing"))) mp_html_raw(h, "<div class=\"sub bad\">missing at the end of the run</div>");
  if (json_is_true(json_object_get(ann, "changedWhileHashed"))) mp_html_raw(h, "<div class=\"sub bad\">changed while hashed</div>");
  const char *from = mp_report_ann(d, "digestFrom");
  if (from) mp_report_note(h, "warn", "digest reported by the ", from, ", not computed by the recorder");
  mp_html_raw(h, "</td>");
}

static void row_generic(mp_html *h, const json_t *d) {
  mp_report_cell(h, json_string_value(json_object_get(d, "name")));
  mp_html_raw(h, "<td><code>");
  mp_html_text(h, json_string_value(json_object_get(d, "uri")));
  mp_html_raw(h, "</code></td><td>");
  mp_report_digests(h, json_object_get(d, "digest"));
  mp_html_raw(h, "</td><td>");
  static const char *const skip[] = {"kind", NULL};
  mp_report_annotations(h, d, skip, 0);
  mp_html_raw(h, "</td>");
}

void mp_report_render_dependencies(mp_html *h, const mp_report_entry *ent) {
  const json_t *deps = json_object_get(
      json_object_get(json_object_get(ent->statement, "predicate"), "buildDefinition"), "resolvedDependencies");
  group *gs = NULL;
  size_t ng = 0, total = 0, i;
  json_t *d;
  json_array_foreach(deps, i, d) {
    const char *kind = mp_report_ann(d, "kind");
    if (kind && (strcmp(kind, "dataset") == 0 || strcmp(kind, "base-model") == 0)) continue;
    char key[160], title[200], eco[64];
    if (kind && strcmp(kind, "source") == 0) {
      snprintf(key, sizeof key, "0source");
      snprintf(title, sizeof title, "Source");
    } else if (kind && strcmp(kind, "package") == 0) {
      purl_type(json_string_value(json_object_get(d, "uri")), eco, sizeof eco);
      snprintf(key, sizeof key, "1pkg:%s", eco[0] ? eco : "~");
      snprintf(title, sizeof title, "Packages \xc2\xb7 %s", eco[0] ? eco : "no package URL");
    } else if (kind && strcmp(kind, "file") == 0) {
      snprintf(key, sizeof key, "2file");
      snprintf(title, sizeof title, "Files read");
    } else {
      snprintf(key, sizeof key, "3other:%.100s", kind ? kind : "");
      snprintf(title, sizeof title, "Other \xc2\xb7 %.100s", kind ? kind : "no kind");
    }
    group *g = find_group(&gs, &ng, key, title);
    if (!g) {
      h->oom = 1;
      break;
    }
    json_array_append(g->rows, d);
    total++;
  }
  mp_html_rawf(h, "<h3>Dependencies <span class=\"n\">%zu</span></h3>\n", total);
  if (total == 0 && !h->oom) mp_html_raw(h, "<p class=\"none\">No dependency was recorded.</p>\n");
  if (total && !h->oom) {
    qsort(gs, ng, sizeof *gs, cmp_group);
    mp_html_rawf(h, "<div class=\"deps\" id=\"deps-%s\"><div class=\"filterbar\">"
                    "<input type=\"search\" class=\"dep-filter\" id=\"filter-%s\" data-target=\"deps-%s\" "
                    "placeholder=\"Filter dependencies: name, version, package URL, digest, path\" "
                    "aria-label=\"Filter dependencies\" autocomplete=\"off\">"
                    "<span class=\"count\" id=\"count-deps-%s\">%zu of %zu shown</span></div>\n",
                 ent->anchor, ent->anchor, ent->anchor, ent->anchor, total, total);
    for (size_t k = 0; k < ng; k++) {
      group *g = &gs[k];
      size_t n = json_array_size(g->rows);
      json_t **rows = malloc((n ? n : 1) * sizeof *rows);
      if (!rows) {
        h->oom = 1;
        break;
      }
      for (size_t r = 0; r < n; r++) rows[r] = json_array_get(g->rows, r);
      qsort(rows, n, sizeof *rows, cmp_rd);
      char type = g->key[0];
      mp_html_raw(h, "<div class=\"dep-group\"><h4>");
      mp_html_text(h, g->title);
      mp_html_rawf(h, " <span class=\"n\">%zu</span></h4><table class=\"grid %s\"><thead><tr>", n,
                   type == '1' ? "pkg" : type == '2' ? "files" : "other");
      if (type == '1') mp_html_raw(h, "<th>name</th><th>version</th><th>package URL</th><th>digest</th>");
      else if (type == '2') mp_html_raw(h, "<th>path</th><th>digest</th><th>size</th>");
      else mp_html_raw(h, "<th>name</th><th>URI</th><th>digest</th><th>details</th>");
      mp_html_raw(h, "</tr></thead><tbody>");
      for (size_t r = 0; r < n; r++) {
        mp_html_raw(h, "<tr class=\"dep-row\">");
        if (type == '1') row_package(h, rows[r]);
        else if (type == '2') row_file(h, rows[r]);
        else row_generic(h, rows[r]);
        mp_html_raw(h, "</tr>");
      }
      mp_html_raw(h, "</tbody></table></div>\n");
      free(rows);
    }
    mp_html_raw(h, "<p class=\"nomatch\" hidden>No dependency matches the filter.</p></div>\n");
  }
  for (size_t k = 0; k < ng; k++) {
    free(gs[k].key);
    free(gs[k].title);
    json_decref(gs[k].rows);
  }
  free(gs);
}
