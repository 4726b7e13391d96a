/* report.c — see report.h. Loading and verifying the entries, the page
 * skeleton (head, verdict banner, contents, footer) and the helpers the
 * section renderers share.
 *
 * Verification order per envelope is lib/attest.c's: payloadType, a signature
 * by a trusted key over the exact payload bytes, then the statement. Each
 * trusted key is also tried alone so the page can say *which* keys signed.
 * Without keys (or after a refusal) the payload is parsed unauthenticated with
 * the same statement checks, so what is displayed is always a well-formed
 * Statement or nothing.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "digest.h"
#include "dsse.h"
#include "encoding.h"
#include "fileio.h"
#include "report_assets.h" /* generated: mp_report_css, mp_report_js */
#include "report_internal.h"
#include "statement.h"

int mp_report_new(const mp_report_opts *o, mp_report **out, mp_err *e) {
  mp_report *r = calloc(1, sizeof *r);
  if (!r) return mp_err_set(e, MP_ENOMEM, "out of memory");
  r->o = *o;
  r->title = o->title ? strdup(o->title) : NULL;
  r->generated = o->generated ? strdup(o->generated) : NULL;
  if ((o->title && !r->title) || (o->generated && !r->generated)) {
    mp_report_free(r);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  r->o.title = r->title;
  r->o.generated = r->generated;
  *out = r;
  return 0;
}

void mp_report_free(mp_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->entries[i].source);
    json_decref(r->entries[i].statement);
    json_decref(r->entries[i].signers);
  }
  free(r->entries);
  free(r->title);
  free(r->generated);
  free(r);
}

static mp_report_entry *new_entry(mp_report *r, const char *what, int line, mp_err *e) {
  mp_report_entry *ne = realloc(r->entries, (r->n + 1) * sizeof *ne);
  if (!ne) {
    mp_err_set(e, MP_ENOMEM, "out of memory");
    return NULL;
  }
  r->entries = ne;
  mp_report_entry *ent = &ne[r->n];
  memset(ent, 0, sizeof *ent);
  ent->source = strdup(what);
  ent->signers = json_array();
  if (!ent->source || !ent->signers) {
    free(ent->source);
    json_decref(ent->signers);
    mp_err_set(e, MP_ENOMEM, "out of memory");
    return NULL;
  }
  ent->line = line;
  r->n++;
  snprintf(ent->anchor, sizeof ent->anchor, "p%zu", r->n);
  return ent;
}

/* Which trusted keys signed, and the key ids the envelope claims (an
 * unauthenticated hint) that no trusted key accounts for. */
static void list_signers(const mp_report *r, const mp_dsse *env, json_t *out) {
  for (size_t k = 0; k < r->o.nkeys; k++) {
    const mp_key *key = r->o.keys[k];
    if (mp_dsse_verify(env, &key, 1, 1, NULL, NULL) == 0)
      json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "keyid", mp_key_id(key), "keyType",
                                           mp_key_type_name(mp_key_get_type(key)), "trusted", 1));
  }
  for (size_t s = 0; s < env->nsigs; s++) {
    const char *hint = env->sigs[s].keyid;
    int known = 0;
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) if (hint && strcmp(json_string_value(json_object_get(v, "keyid")), hint) == 0) known = 1;
    if (!known) json_array_append_new(out, json_pack("{s:s, s:b}", "keyid", hint && *hint ? hint : "(no key id)", "trusted", 0));
  }
}

static int add_envelope(mp_report *r, const char *what, const mp_attest_entry *ae, mp_err *e) {
  mp_report_entry *ent = new_entry(r, what, ae->line, e);
  if (!ent) return MP_ENOMEM;
  list_signers(r, ae->env, ent->signers);
  mp_err ve;
  mp_err_clear(&ve);
  if (r->o.nkeys) {
    json_t *st = NULL;
    if (mp_attest_verify(ae, r->o.keys, r->o.nkeys, 1, &st, NULL, &ve) == 0) {
      ent->status = MP_REPORT_VERIFIED;
      ent->statement = st;
      return 0;
    }
    if (ve.code == MP_ENOMEM) return mp_err_set(e, MP_ENOMEM, "out of memory");
    ent->status = MP_REPORT_FAILED;
    snprintf(ent->reason, sizeof ent->reason, "%s", ve.msg);
  } else {
    ent->status = MP_REPORT_UNVERIFIED;
    snprintf(ent->reason, sizeof ent->reason, "no trusted key was given: the signature was not checked");
  }
  if (strcmp(ae->env->payload_type, MP_INTOTO_PAYLOAD_TYPE) != 0) {
    ent->status = MP_REPORT_INVALID;
    snprintf(ent->reason, sizeof ent->reason, "payloadType is \"%.200s\", not an in-toto statement",
             ae->env->payload_type);
    return 0;
  }
  mp_err pe;
  mp_err_clear(&pe);
  if (mp_statement_parse(ae->env->payload, ae->env->payload_len, &ent->statement, &pe) != 0) {
    if (pe.code == MP_ENOMEM) return mp_err_set(e, MP_ENOMEM, "out of memory");
    if (ent->status == MP_REPORT_FAILED) /* keep the first reason: it is why trust failed */
      snprintf(ent->reason, sizeof ent->reason, "%.480s; and the payload is not a valid statement: %.480s", ve.msg, pe.msg);
    else
      snprintf(ent->reason, sizeof ent->reason, "payload is not a valid statement: %.900s", pe.msg);
    ent->status = MP_REPORT_INVALID;
  }
  return 0;
}

/* Adds the envelopes of a parsed file, or one invalid entry for a file that
 * is not a provenance (parse_rc MP_EPARSE, reason in pe). */
static int add_parsed(mp_report *r, const char *what, int parse_rc, mp_attest_file *f, const mp_err *pe,
                      mp_err *e) {
  if (parse_rc == MP_EPARSE) {
    mp_report_entry *ent = new_entry(r, what, 0, e);
    if (!ent) return MP_ENOMEM;
    ent->status = MP_REPORT_INVALID;
    snprintf(ent->reason, sizeof ent->reason, "%s", pe->msg);
    return 0;
  }
  if (parse_rc) {
    if (e) *e = *pe;
    return parse_rc;
  }
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < f->n; i++) rc = add_envelope(r, what, &f->entries[i], e);
  mp_attest_file_free(f);
  return rc;
}

int mp_report_add_data(mp_report *r, const char *what, const uint8_t *data, size_t len, mp_err *e) {
  mp_attest_file *f = NULL;
  mp_err pe;
  mp_err_clear(&pe);
  int rc = mp_attest_parse(what, data, len, &f, &pe);
  return add_parsed(r, what, rc, f, &pe, e);
}

int mp_report_add_file(mp_report *r, const char *path, mp_err *e) {
  mp_attest_file *f = NULL;
  mp_err pe;
  mp_err_clear(&pe);
  int rc = mp_attest_load(path, &f, &pe);
  return add_parsed(r, path, rc, f, &pe, e);
}

size_t mp_report_count(const mp_report *r) { return r->n; }

size_t mp_report_unverified(const mp_report *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->n; i++) {
    mp_report_status s = r->entries[i].status;
    if (s == MP_REPORT_FAILED || s == MP_REPORT_INVALID || (r->o.nkeys && s != MP_REPORT_VERIFIED)) n++;
  }
  return n;
}

/* --- helpers shared by the renderers ------------------------------------- */

const char *mp_report_ann(const json_t *rd, const char *key) {
  return json_string_value(json_object_get(json_object_get(rd, "annotations"), key));
}

const json_t *mp_report_primary(const mp_report_entry *ent) {
  json_t *subjects = json_object_get(ent->statement, "subject");
  size_t i;
  json_t *s;
  json_array_foreach(subjects, i, s) {
    const char *role = mp_report_ann(s, "role");
    if (role && strcmp(role, "model") == 0) return s;
  }
  return json_array_get(subjects, 0);
}

const char *mp_report_status_word(mp_report_status s) {
  switch (s) {
    case MP_REPORT_VERIFIED: return "VERIFIED";
    case MP_REPORT_UNVERIFIED: return "UNVERIFIED";
    case MP_REPORT_FAILED: return "NOT VERIFIED";
    case MP_REPORT_INVALID: return "INVALID";
  }
  return "?";
}

const char *mp_report_status_class(mp_report_status s) {
  switch (s) {
    case MP_REPORT_VERIFIED: return "ok";
    case MP_REPORT_UNVERIFIED: return "warn";
    default: return "bad";
  }
}

const mp_report_entry *mp_report_find_subject(const mp_report *r, const char *sha256, const json_t **subject) {
  if (!sha256) return NULL;
  for (size_t i = 0; i < r->n; i++) {
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(r->entries[i].statement, "subject"), k, s) {
      const char *d = json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
      if (d && strcmp(d, sha256) == 0) {
        if (subject) *subject = s;
        return &r->entries[i];
      }
    }
  }
  return NULL;
}

json_t *mp_report_deps_of_kind(const mp_report_entry *ent, const char *kind) {
  json_t *out = json_array();
  json_t *deps = json_object_get(
      json_object_get(json_object_get(ent->statement, "predicate"), "buildDefinition"), "resolvedDependencies");
  size_t i;
  json_t *d;
  json_array_foreach(deps, i, d) {
    const char *k = mp_report_ann(d, "kind");
    if (k && strcmp(k, kind) == 0) json_array_append(out, d);
  }
  return out;
}

void mp_report_digests(mp_html *h, const json_t *digest) {
  const char *alg;
  json_t *v;
  int first = 1;
  json_object_foreach((json_t *)digest, alg, v) {
    if (!first) mp_html_raw(h, "<br>");
    first = 0;
    mp_html_raw(h, "<code class=\"digest\"><span class=\"alg\">");
    mp_html_text(h, alg);
    mp_html_raw(h, ":</span>");
    mp_html_text(h, json_string_value(v));
    mp_html_raw(h, "</code>");
  }
  if (first) mp_html_raw(h, "<span class=\"none\">none</span>");
}

int mp_report_is_root_key(const char *key) { return strstr(key, "Root") || strstr(key, "root"); }

void mp_report_annotations(mp_html *h, const json_t *rd, const char *const *skip, int skip_roots) {
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(rd, "annotations"), k, v) {
    int s = skip_roots && json_is_string(v) && mp_report_is_root_key(k);
    for (const char *const *p = skip; *p && !s; p++) s = strcmp(*p, k) == 0;
    if (s) continue;
    mp_html_raw(h, "<div class=\"sub\">");
    mp_html_text(h, k);
    mp_html_raw(h, ": ");
    mp_report_json_value(h, v);
    mp_html_raw(h, "</div>");
  }
}

void mp_report_note(mp_html *h, const char *cls, const char *before, const char *text, const char *after) {
  mp_html_rawf(h, "<div class=\"sub%s%s\">", cls ? " " : "", cls ? cls : "");
  mp_html_raw(h, before);
  mp_html_text(h, text);
  mp_html_raw(h, after);
  mp_html_raw(h, "</div>");
}

void mp_report_cell(mp_html *h, const char *text) {
  mp_html_raw(h, "<td>");
  mp_html_text(h, text);
  mp_html_raw(h, "</td>");
}

void mp_report_json_value(mp_html *h, const json_t *v) {
  if (json_is_string(v)) {
    mp_html_text(h, json_string_value(v));
    return;
  }
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
  if (!s) {
    h->oom = 1;
    return;
  }
  mp_html_raw(h, "<code>");
  mp_html_text(h, s);
  mp_html_raw(h, "</code>");
  free(s);
}

/* --- the page ------------------------------------------------------------ */

/* 'sha256-BASE64' of an inline script or style, for the CSP. */
static char *csp_hash(const char *text) {
  uint8_t d[MP_SHA256_LEN];
  mp_sha256(text, strlen(text), d);
  return mp_b64_encode(d, sizeof d);
}

static const char *entry_title(const mp_report_entry *ent) {
  const json_t *p = ent->statement ? mp_report_primary(ent) : NULL;
  const char *name = json_string_value(json_object_get(p, "name"));
  return name ? name : ent->source;
}

/* The page is about the model at the end of the lineage: the first entry
 * that is not the base model of another given entry. */
static const char *page_title(const mp_report *r) {
  if (r->o.title) return r->o.title;
  if (r->n == 0) return "no provenance";
  char *is_parent = calloc(r->n, 1);
  if (!is_parent) return entry_title(&r->entries[0]);
  for (size_t j = 0; j < r->n; j++) {
    json_t *bases = mp_report_deps_of_kind(&r->entries[j], "base-model");
    size_t k;
    json_t *b;
    json_array_foreach(bases, k, b) {
      const mp_report_entry *p =
          mp_report_find_subject(r, json_string_value(json_object_get(json_object_get(b, "digest"), "sha256")), NULL);
      if (p && p != &r->entries[j]) is_parent[p - r->entries] = 1;
    }
    json_decref(bases);
  }
  size_t pick = 0;
  while (pick < r->n && (is_parent[pick] || !r->entries[pick].statement)) pick++;
  free(is_parent);
  return entry_title(&r->entries[pick < r->n ? pick : 0]);
}

static void render_header(mp_html *h, const mp_report *r) {
  size_t bad = 0, unv = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (r->entries[i].status == MP_REPORT_FAILED || r->entries[i].status == MP_REPORT_INVALID) bad++;
    if (r->entries[i].status == MP_REPORT_UNVERIFIED) unv++;
  }
  mp_html_raw(h, "<header class=\"top\"><div class=\"brand\">mlprov &middot; provenance report</div><h1>");
  mp_html_text(h, page_title(r));
  mp_html_raw(h, "</h1>");
  if (bad) {
    mp_html_rawf(h, "<div class=\"verdict bad\" id=\"verdict\"><strong>&#10006; NOT VERIFIED</strong> %zu of %zu provenance "
                    "record(s) did not verify. Their contents are shown but are <em>not authenticated</em>.</div>",
                 bad, r->n);
  } else if (unv) {
    mp_html_rawf(h, "<div class=\"verdict warn\" id=\"verdict\"><strong>&#9888; UNVERIFIED</strong> no trusted key was "
                    "given: %zu provenance record(s) are shown without checking their signatures "
                    "(<code>mlprov report --key PUB</code>).</div>", unv);
  } else {
    mp_html_rawf(h, "<div class=\"verdict ok\" id=\"verdict\"><strong>&#10004; VERIFIED</strong> all %zu provenance "
                    "record(s) are signed by a trusted key.</div>", r->n);
  }
  mp_html_raw(h, "<p class=\"meta\">Generated by mlprov " MLPROV_VERSION);
  if (r->o.generated) {
    mp_html_raw(h, " at ");
    mp_html_text(h, r->o.generated);
  }
  mp_html_rawf(h, " with %zu trusted key(s).</p></header>\n", r->o.nkeys);
}

static void render_contents(mp_html *h, const mp_report *r) {
  mp_html_raw(h, "<nav class=\"toc\"><a href=\"#lineage\">Lineage</a>");
  for (size_t i = 0; i < r->n; i++) {
    const mp_report_entry *ent = &r->entries[i];
    mp_html_rawf(h, "<a href=\"#%s\"><span class=\"chip %s\">%s</span> ", ent->anchor,
                 mp_report_status_class(ent->status), mp_report_status_word(ent->status));
    mp_html_text_trunc(h, entry_title(ent), 60);
    mp_html_raw(h, "</a>");
  }
  mp_html_raw(h, "</nav>\n");
}

int mp_report_render(const mp_report *r, char **html, size_t *len, mp_err *e) {
  char *css_h = csp_hash(mp_report_css), *js_h = csp_hash(mp_report_js);
  mp_html h = {0};
  if (!css_h || !js_h) h.oom = 1;
  mp_html_raw(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  /* Nothing may be loaded or run but this page's own style and script. */
  mp_html_rawf(&h, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'sha256-%s'; script-src 'sha256-%s'; img-src 'none'; base-uri 'none'; "
                   "form-action 'none'\">\n",
               css_h ? css_h : "", js_h ? js_h : "");
  mp_html_raw(&h, "<meta name=\"generator\" content=\"mlprov " MLPROV_VERSION "\">\n<title>");
  mp_html_text(&h, page_title(r));
  mp_html_raw(&h, " &middot; mlprov report</title>\n<style>");
  mp_html_raw(&h, mp_report_css);
  mp_html_raw(&h, "</style>\n</head>\n<body>\n");
  render_header(&h, r);
  render_contents(&h, r);
  mp_html_raw(&h, "<main>\n");
  mp_report_render_lineage(&h, r);
  for (size_t i = 0; i < r->n; i++) mp_report_render_entry(&h, r, &r->entries[i]);
  mp_html_raw(&h, "</main>\n<footer>mlprov " MLPROV_VERSION
                  " &middot; SLSA Provenance v1 in in-toto Statement v1, DSSE envelopes &middot; "
                  "this page loads nothing from the network</footer>\n<script>");
  mp_html_raw(&h, mp_report_js);
  mp_html_raw(&h, "</script>\n</body></html>\n");
  free(css_h);
  free(js_h);
  *html = mp_html_take(&h, len);
  if (!*html) return mp_err_set(e, MP_ENOMEM, "out of memory rendering the report");
  return 0;
}

int mp_report_write(const mp_report *r, const char *path, mp_err *e) {
  char *html = NULL;
  size_t len = 0;
  int rc = mp_report_render(r, &html, &len, e);
  if (rc) return rc;
  rc = mp_write_file(path, html, len, 0644, 0, e);
  free(html);
  return rc ? mp_err_prefix(e, "writing report") : 0;
}
