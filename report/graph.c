/* graph.c — the lineage graph as inline SVG: each provenance's model with its
 * inputs (datasets, base models, source) on its left, and a model that is the
 * base model of another given provenance (same sha256) linked to it.
 *
 * Layout is layered left to right: a model's generation is 0 without a given
 * parent, else 1 + its parents' maximum (a cycle of base-model links — possible
 * in forged input — is cut at the link that closes it and reported). Model of
 * generation g sits in column 2g+1, its own inputs in column 2g. Node sizes
 * are fixed; long names are shortened with "…" and given in full in the
 * node's <title> tooltip. Links only ever point inside the page (#pN…). */
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define NODE_W 210
#define NODE_H 48
#define HGAP 50
#define VGAP 12
#define GROUP_GAP 28
#define PAD 16
#define MAX_INPUTS 8

typedef struct gnode {
  int col;
  int y;
  const char *cls;  /* CSS class: model ok|warn|bad, dataset, base, source, more */
  char href[40];
  mp_html label, sub, title; /* escaped markup */
} gnode;

typedef struct gedge {
  size_t from, to;
  int lineage;
  int via, vy; /* lineage edges pass through a free slot at vy in the column left of `to` */
} gedge;

typedef struct graph {
  gnode *nodes;
  size_t n, cap;
  gedge *edges;
  size_t ne, ecap;
  int oom;
} graph;

static size_t add_node(graph *g, int col, const char *cls) {
  if (g->n == g->cap) {
    size_t nc = g->cap ? 2 * g->cap : 32;
    gnode *nn = realloc(g->nodes, nc * sizeof *nn);
    if (!nn) {
      g->oom = 1;
      return SIZE_MAX;
    }
    g->nodes = nn;
    g->cap = nc;
  }
  gnode *n = &g->nodes[g->n];
  memset(n, 0, sizeof *n);
  n->col = col;
  n->cls = cls;
  return g->n++;
}

static void add_edge(graph *g, size_t from, size_t to, int lineage, int via, int vy) {
  if (from == SIZE_MAX || to == SIZE_MAX) return;
  if (g->ne == g->ecap) {
    size_t nc = g->ecap ? 2 * g->ecap : 32;
    gedge *ne = realloc(g->edges, nc * sizeof *ne);
    if (!ne) {
      g->oom = 1;
      return;
    }
    g->edges = ne;
    g->ecap = nc;
  }
  g->edges[g->ne++] = (gedge){from, to, lineage, via, vy};
}

static const char *base_name(const char *p) {
  if (!p) return "";
  const char *s = strrchr(p, '/');
  return s && s[1] ? s + 1 : p;
}

static const char *sha256_of(const json_t *rd) {
  return json_string_value(json_object_get(json_object_get(rd, "digest"), "sha256"));
}

/* The entry index of the provenance whose subject is this base model. */
static long parent_of(const mp_report *r, const json_t *base, size_t self) {
  const mp_report_entry *p = mp_report_find_subject(r, sha256_of(base), NULL);
  if (!p || (size_t)(p - r->entries) == self) return -1;
  return (long)(p - r->entries);
}

/* Generation of entry i; state: 0 new, 1 on the stack, 2 done. */
static int generation(const mp_report *r, size_t i, int *gen, int *state, int *cycle) {
  if (state[i] == 2) return gen[i];
  if (state[i] == 1) {
    *cycle = 1;
    return -1;
  }
  state[i] = 1;
  int g = 0;
  json_t *bases = r->entries[i].statement ? mp_report_deps_of_kind(&r->entries[i], "base-model") : NULL;
  size_t k;
  json_t *b;
  json_array_foreach(bases, k, b) {
    long p = parent_of(r, b, i);
    if (p < 0) continue;
    int pg = generation(r, (size_t)p, gen, state, cycle);
    if (pg >= 0 && pg + 1 > g) g = pg + 1;
  }
  json_decref(bases);
  state[i] = 2;
  gen[i] = g;
  return g;
}

static void short_digest(mp_html *m, const char *hex) {
  if (hex) mp_html_text_trunc(m, hex, 10);
}

static size_t input_node(graph *g, int col, const char *cls, const char *href, const char *label,
                         const char *sub, const char *title) {
  size_t id = add_node(g, col, cls);
  if (id == SIZE_MAX) return id;
  gnode *n = &g->nodes[id];
  snprintf(n->href, sizeof n->href, "%s", href);
  mp_html_text_trunc(&n->label, label, 26);
  mp_html_text_trunc(&n->sub, sub, 32);
  mp_html_text(&n->title, title);
  return id;
}

/* Inputs of one entry (source, base models without a given provenance,
 * datasets: at most MAX_INPUTS, in that order of importance, then a "+N more"
 * node) in column 2*gen; the model node right of them. The input column
 * first gets one free slot per linked base model, level with that parent when
 * it can, for the link to pass through without crossing an input. */
static size_t place_entry(graph *g, const mp_report *r, size_t i, const int *gens, int *col_y, size_t *model_of) {
  const mp_report_entry *ent = &r->entries[i];
  int gen = gens[i], incol = 2 * gen, mcol = incol + 1;
  size_t parents[MAX_INPUTS], nparents = 0;
  size_t ins[MAX_INPUTS + 1], nin = 0, skipped = 0;
  char href[40];
  if (ent->statement) {
    json_t *ds = mp_report_deps_of_kind(ent, "dataset"), *src = mp_report_deps_of_kind(ent, "source");
    json_t *bm = mp_report_deps_of_kind(ent, "base-model");
    size_t k;
    json_t *d;
    snprintf(href, sizeof href, "#%s", ent->anchor);
    json_array_foreach(src, k, d) {
      if (nin == MAX_INPUTS) {
        skipped++;
        continue;
      }
      const char *uri = json_string_value(json_object_get(d, "uri"));
      const char *commit = json_string_value(json_object_get(json_object_get(d, "digest"), "gitCommit"));
      char sub[96];
      int is_dirty = json_is_true(json_object_get(json_object_get(d, "annotations"), "dirty"));
      snprintf(sub, sizeof sub, "source @ %.10s%s", commit ? commit : "?", is_dirty ? " \xc2\xb7 DIRTY" : "");
      char label[160];
      snprintf(label, sizeof label, "%.150s", base_name(uri));
      char *at = strrchr(label, '@');
      if (at) *at = '\0';
      ins[nin++] = input_node(g, incol, is_dirty ? "source dirty" : "source", href, label, sub, uri ? uri : "source");
    }
    snprintf(href, sizeof href, "#%s-base-models", ent->anchor);
    json_array_foreach(bm, k, d) {
      long p = parent_of(r, d, i);
      if (p >= 0 && gens[p] < gen && model_of[p] != SIZE_MAX) { /* drawn as a link between models */
        if (nparents < MAX_INPUTS) parents[nparents++] = model_of[p];
        continue;
      }
      if (p >= 0) continue; /* the link that closes a cycle: not drawn */
      if (nin == MAX_INPUTS) {
        skipped++;
        continue;
      }
      const char *name = json_string_value(json_object_get(d, "name"));
      ins[nin++] = input_node(g, incol, "base", href, name ? name : "base model", "base model \xc2\xb7 provenance not given",
                              name ? name : "base model");
    }
    snprintf(href, sizeof href, "#%s-datasets", ent->anchor);
    json_array_foreach(ds, k, d) {
      if (nin == MAX_INPUTS) {
        skipped++;
        continue;
      }
      const char *name = json_string_value(json_object_get(d, "name"));
      json_t *tree = json_object_get(json_object_get(d, "annotations"), "recordsTreeSize");
      mp_html sub = {0};
      if (json_is_integer(tree)) mp_html_rawf(&sub, "dataset \xc2\xb7 %lld records", (long long)json_integer_value(tree));
      else mp_html_raw(&sub, "dataset");
      char *s = mp_html_take(&sub, NULL);
      ins[nin] = input_node(g, incol, "dataset", href, name ? name : "(unnamed)", s ? s : "dataset",
                            name ? name : "(unnamed)");
      free(s);
      if (ins[nin] != SIZE_MAX) {
        gnode *n = &g->nodes[ins[nin]];
        mp_html_raw(&n->title, "\n");
        mp_html_text(&n->title, sha256_of(d) ? sha256_of(d) : "no digest");
      }
      nin++;
    }
    json_decref(ds);
    json_decref(src);
    json_decref(bm);
  }
  if (skipped) {
    char more[64];
    snprintf(more, sizeof more, "+%zu more inputs", skipped);
    snprintf(href, sizeof href, "#%s", ent->anchor);
    ins[nin++] = input_node(g, incol, "more", href, more, "see the provenance", more);
  }
  int start = col_y[incol] > col_y[mcol] ? col_y[incol] : col_y[mcol];
  if (nparents && g->nodes[parents[0]].y > start) start = g->nodes[parents[0]].y;
  size_t slots = nparents + nin;
  int block = slots ? (int)slots * (NODE_H + VGAP) - VGAP : NODE_H;
  for (size_t k = 0; k < nin; k++)
    if (ins[k] != SIZE_MAX) g->nodes[ins[k]].y = start + (int)(nparents + k) * (NODE_H + VGAP);
  if (slots) col_y[incol] = start + block + GROUP_GAP;

  const json_t *p = ent->statement ? mp_report_primary(ent) : NULL;
  const char *name = json_string_value(json_object_get(p, "name"));
  size_t m = add_node(g, mcol, ent->status == MP_REPORT_VERIFIED ? "model ok"
                               : ent->status == MP_REPORT_UNVERIFIED ? "model warn" : "model bad");
  if (m == SIZE_MAX) return m;
  gnode *n = &g->nodes[m];
  snprintf(n->href, sizeof n->href, "#%s", ent->anchor);
  n->y = start + (block - NODE_H) / 2;
  mp_html_text_trunc(&n->label, base_name(name ? name : ent->source), 26);
  mp_html_raw(&n->sub, mp_report_status_word(ent->status));
  if (p) {
    mp_html_raw(&n->sub, " \xc2\xb7 ");
    short_digest(&n->sub, sha256_of(p));
  }
  mp_html_text(&n->title, name ? name : ent->source);
  mp_html_raw(&n->title, "\n");
  mp_html_text(&n->title, sha256_of(p) ? sha256_of(p) : ent->reason);
  col_y[mcol] = n->y + NODE_H + GROUP_GAP;
  if (col_y[incol] < col_y[mcol] - NODE_H) col_y[incol] = col_y[mcol] - NODE_H;
  for (size_t k = 0; k < nin; k++) add_edge(g, ins[k], m, 0, 0, 0);
  for (size_t k = 0; k < nparents; k++) add_edge(g, parents[k], m, 1, 1, start + (int)k * (NODE_H + VGAP));
  model_of[i] = m;
  return m;
}

static void emit_node(mp_html *h, const gnode *n) {
  int x = PAD + n->col * (NODE_W + HGAP), y = PAD + n->y;
  mp_html_rawf(h, "<g class=\"node %s\"><a href=\"%s\"><title>", n->cls, n->href);
  mp_html_raw(h, n->title.buf ? n->title.buf : "");
  mp_html_rawf(h, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"9\"></rect>", x, y, NODE_W, NODE_H);
  mp_html_rawf(h, "<text class=\"t1\" x=\"%d\" y=\"%d\">", x + 12, y + 20);
  mp_html_raw(h, n->label.buf ? n->label.buf : "");
  mp_html_rawf(h, "</text><text class=\"t2\" x=\"%d\" y=\"%d\">", x + 12, y + 38);
  mp_html_raw(h, n->sub.buf ? n->sub.buf : "");
  mp_html_raw(h, "</text></a></g>\n");
}

static void emit_edge(mp_html *h, const graph *g, const gedge *e) {
  const gnode *a = &g->nodes[e->from], *b = &g->nodes[e->to];
  int x1 = PAD + a->col * (NODE_W + HGAP) + NODE_W, y1 = PAD + a->y + NODE_H / 2;
  int x2 = PAD + b->col * (NODE_W + HGAP) - 4, y2 = PAD + b->y + NODE_H / 2;
  mp_html_rawf(h, "<path class=\"edge%s\" d=\"M%d %d ", e->lineage ? " lineage" : "", x1, y1);
  if (e->via) { /* into the free slot, straight across it, then into the model */
    int s1 = PAD + (b->col - 1) * (NODE_W + HGAP), s2 = s1 + NODE_W, ys = PAD + e->vy + NODE_H / 2;
    int d1 = (s1 - x1) / 2, d2 = (x2 - s2) / 2;
    mp_html_rawf(h, "C%d %d, %d %d, %d %d L%d %d C%d %d, %d %d, %d %d", x1 + d1, y1, s1 - d1, ys, s1, ys, s2, ys,
                 s2 + d2, ys, x2 - d2, y2, x2, y2);
  } else {
    int dx = (x2 - x1) / 2;
    mp_html_rawf(h, "C%d %d, %d %d, %d %d", x1 + dx, y1, x2 - dx, y2, x2, y2);
  }
  mp_html_rawf(h, "\" marker-end=\"url(#arrow%s)\"></path>\n", e->lineage ? "-l" : "");
}

void mp_report_render_lineage(mp_html *h, const mp_report *r) {
  graph g = {0};
  int *gen = calloc(r->n + 1, sizeof *gen), *state = calloc(r->n + 1, sizeof *state);
  size_t *order = calloc(r->n + 1, sizeof *order), *model_of = calloc(r->n + 1, sizeof *model_of);
  int cycle = 0, maxgen = 0;
  if (!gen || !state || !order || !model_of) g.oom = 1;
  for (size_t i = 0; !g.oom && i < r->n; i++) {
    generation(r, i, gen, state, &cycle);
    if (gen[i] > maxgen) maxgen = gen[i];
    model_of[i] = SIZE_MAX;
  }
  int ncols = 2 * maxgen + 2;
  int *col_y = calloc((size_t)ncols, sizeof *col_y);
  if (!col_y) g.oom = 1;
  size_t no = 0;
  for (int gi = 0; !g.oom && gi <= maxgen; gi++)
    for (size_t i = 0; i < r->n; i++)
      if (gen[i] == gi) order[no++] = i;
  for (size_t k = 0; !g.oom && k < no; k++) place_entry(&g, r, order[k], gen, col_y, model_of);
  int height = 0;
  for (int c = 0; col_y && c < ncols; c++)
    if (col_y[c] > height) height = col_y[c];
  height = height - GROUP_GAP + 2 * PAD;
  if (height < NODE_H + 2 * PAD) height = NODE_H + 2 * PAD;
  int width = 2 * PAD + ncols * NODE_W + (ncols - 1) * HGAP;

  mp_html_raw(h, "<section class=\"lineage\" id=\"lineage\"><h2>Lineage</h2>\n<p class=\"hint\">Inputs on the left, "
                 "models on the right; an arrow between two models means the left one is the base model of the right "
                 "one (matched by sha256). Click a node to jump to its provenance.</p>\n");
  if (cycle)
    mp_html_raw(h, "<div class=\"banner bad\"><strong>Cycle</strong> the base-model links of these provenance records "
                   "form a cycle; the link that closes it is not drawn.</div>\n");
  mp_html_rawf(h, "<div class=\"graph\"><svg id=\"lineage-graph\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                  "aria-label=\"lineage graph\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                  "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                  "markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" class=\"arrowhead\"></path></marker>"
                  "<marker id=\"arrow-l\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
                  "orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" class=\"arrowhead lineage\"></path></marker></defs>\n",
               width, height, width, height);
  for (size_t k = 0; !g.oom && k < g.ne; k++) emit_edge(h, &g, &g.edges[k]);
  for (size_t k = 0; !g.oom && k < g.n; k++) emit_node(h, &g.nodes[k]);
  mp_html_raw(h, "</svg></div>\n<div class=\"legend\"><span class=\"sw model ok\"></span>model, verified "
                 "<span class=\"sw model warn\"></span>model, unverified <span class=\"sw model bad\"></span>model, "
                 "not verified <span class=\"sw dataset\"></span>dataset <span class=\"sw base\"></span>base model "
                 "without provenance <span class=\"sw source\"></span>source</div>\n</section>\n");
  if (g.oom) h->oom = 1;
  for (size_t k = 0; k < g.n; k++) {
    if (g.nodes[k].label.oom || g.nodes[k].sub.oom || g.nodes[k].title.oom) h->oom = 1;
    mp_html_free(&g.nodes[k].label);
    mp_html_free(&g.nodes[k].sub);
    mp_html_free(&g.nodes[k].title);
  }
  free(g.nodes);
  free(g.edges);
  free(gen);
  free(state);
  free(order);
  free(model_of);
  free(col_y);
}
