/* test_report.c — the report page: the HTML escaper's known answers (markup,
 * controls, invalid UTF-8, bidi controls, truncation), then pages built from
 * envelopes signed here: verified / unverified / refused / invalid entries,
 * hostile names shown as text, the CSP hash matching the embedded script,
 * no external reference of any kind, lineage links and cycles, and the
 * Subjects / Parameters / Timeline / Environment sections with their values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "digest.h"
#include "dsse.h"
#include "encoding.h"
#include "html.h"
#include "keys.h"
#include "report.h"
#include "statement.h"
#include "unit.h"

static char *escaped(const char *in, size_t n) {
  mp_html h = {0};
  mp_html_textn(&h, in, n);
  char *s = mp_html_take(&h, NULL);
  assert_non_null(s);
  return s;
}

static void expect_escape(const char *in, size_t n, const char *want) {
  char *got = escaped(in, n);
  assert_string_equal(got, want);
  free(got);
}

static void escape_known_answers(void **state) {
  (void)state;
  expect_escape("plain text", 10, "plain text");
  expect_escape("<script>alert(\"x\")</script>", 27, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  expect_escape("a & b ' c", 9, "a &amp; b &#39; c");
  expect_escape("\"><img src=x onerror=alert(1)>", 30, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  expect_escape("tab\tnl\ncr\r", 10, "tab\tnl\ncr\r");
  /* C0 controls and DEL become U+FFFD; so does NUL inside a counted string */
  expect_escape("a\x01" "b\x1b" "c\x7f", 6, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
  expect_escape("x\0y", 3, "x\xef\xbf\xbdy");
  /* valid UTF-8 passes unchanged: 2, 3 and 4-byte forms */
  expect_escape("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 9, "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
  /* invalid UTF-8: stray continuation, overlong '<', surrogate, truncated, > U+10FFFF */
  expect_escape("\x80", 1, "\xef\xbf\xbd");
  expect_escape("\xc0\xbc", 2, "\xef\xbf\xbd\xef\xbf\xbd");
  expect_escape("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  expect_escape("\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd");
  expect_escape("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  expect_escape("\xff<", 2, "\xef\xbf\xbd&lt;");
  /* bidi controls are made visible ("exe.txt" cannot pose as "txt.exe") */
  expect_escape("evil\xe2\x80\xaetxt.exe", 14, "evil[U+202E]txt.exe");
  expect_escape("\xe2\x81\xa6x\xe2\x81\xa9\xe2\x80\x8f", 10, "[U+2066]x[U+2069][U+200F]");
}

static void escape_truncation(void **state) {
  (void)state;
  mp_html h = {0};
  mp_html_text_trunc(&h, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e<>", 2); /* 日本語<> */
  mp_html_raw(&h, "|");
  mp_html_text_trunc(&h, "<ab", 3);
  mp_html_raw(&h, "|");
  mp_html_text_trunc(&h, "<abc", 3);
  char *s = mp_html_take(&h, NULL);
  assert_string_equal(s, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6|&lt;ab|&lt;ab\xe2\x80\xa6");
  free(s);
  /* an empty buffer is an empty string, not NULL */
  mp_html empty = {0};
  s = mp_html_take(&empty, NULL);
  assert_string_equal(s, "");
  free(s);
}

/* --- pages ------------------------------------------------------------------ */

static json_t *statement(const char *model, const char *model_hex, const char *dataset, const char *base_hex) {
  json_t *deps = json_pack("[{s:s, s:s, s:{s:s}, s:{s:s, s:i, s:s}}, {s:s, s:s, s:{s:s, s:s}},"
                           " {s:s, s:s, s:{s:s, s:s}}, {s:s, s:s, s:{s:s}}]",
                           "name", dataset, "uri", "file:///data/train.csv", "digest", "sha256",
                           "0101010101010101010101010101010101010101010101010101010101010101", "annotations", "kind",
                           "dataset", "recordsTreeSize", 3, "recordsMerkleRoot",
                           "0202020202020202020202020202020202020202020202020202020202020202",
                           "name", "torch", "uri", "pkg:pypi/torch@2.1.0", "annotations", "kind", "package",
                           "version", "2.1.0", "name", "left-pad", "uri", "pkg:npm/left-pad@1.3.0", "annotations",
                           "kind", "package", "version", "1.3.0", "name", "<b>weird</b>", "uri",
                           "javascript:alert(1)", "annotations", "kind", "package");
  if (base_hex)
    json_array_append_new(deps, json_pack("{s:s, s:{s:s}, s:{s:s}}", "name", "base", "digest", "sha256", base_hex,
                                          "annotations", "kind", "base-model"));
  return json_pack("{s:s, s:[{s:s, s:{s:s}, s:{s:s}}], s:s, s:{s:{s:s, s:{s:[s], s:{s:s}}, s:o}, "
                   "s:{s:{s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:{s:[s]}}]}}}",
                   "_type", MP_STATEMENT_TYPE, "subject", "name", model, "digest", "sha256", model_hex, "annotations",
                   "role", "model", "predicateType", MP_SLSA_PROVENANCE_V1, "predicate", "buildDefinition",
                   "buildType", "https://mlprov.dev/buildtypes/training/v1", "externalParameters", "command",
                   "./train", "parameters", "note", "</td><script>alert(2)</script>", "resolvedDependencies", deps,
                   "runDetails", "builder", "id", "https://mlprov.dev/recorder/local", "metadata", "invocationId",
                   "inv-1", "startedOn", "2026-01-02T03:04:05Z", "finishedOn", "2026-01-02T03:05:05Z",
                   "byproducts", "name", "mlprov/warnings", "annotations", "items", "a <warning>");
}

static char *envelope(const json_t *st, mp_key *k) {
  mp_err e;
  mp_dsse *env = NULL;
  assert_int_equal(mp_attest_sign(st, (const mp_key *const *)&k, 1, &env, &e), 0);
  char *json = NULL;
  size_t len = 0;
  assert_int_equal(mp_dsse_to_json(env, &json, &len, &e), 0);
  mp_dsse_free(env);
  return json;
}

static char *render(const mp_key *const *keys, size_t nkeys, const char *const *docs, size_t ndocs,
                    size_t *unverified) {
  mp_err e;
  mp_report *r = NULL;
  mp_report_opts o = {.keys = keys, .nkeys = nkeys};
  assert_int_equal(mp_report_new(&o, &r, &e), 0);
  for (size_t i = 0; i < ndocs; i++) {
    char what[32];
    snprintf(what, sizeof what, "doc%zu.intoto.jsonl", i + 1);
    assert_int_equal(mp_report_add_data(r, what, (const uint8_t *)docs[i], strlen(docs[i]), &e), 0);
  }
  if (unverified) *unverified = mp_report_unverified(r);
  char *html = NULL;
  size_t len = 0;
  assert_int_equal(mp_report_render(r, &html, &len, &e), 0);
  assert_int_equal(strlen(html), len);
  mp_report_free(r);
  return html;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

static const char HEX_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char HEX_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

typedef struct fixture {
  mp_key *k, *other;
  char *doc;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  mp_err e;
  if (!f || mp_key_generate(MP_KEY_ECDSA_P256, &f->k, &e) || mp_key_generate(MP_KEY_ED25519, &f->other, &e)) return -1;
  json_t *st = statement("model.bin", HEX_A, "<script>alert(\"x\")</script>", NULL);
  f->doc = envelope(st, f->k);
  json_decref(st);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  mp_key_free(f->k);
  mp_key_free(f->other);
  free(f->doc);
  free(f);
  return 0;
}

/* Hostile strings from the statement appear only escaped; the only script
 * element is the page's own. */
static void hostile_names_are_text(void **state) {
  fixture *f = *state;
  const mp_key *keys[] = {f->k};
  const char *docs[] = {f->doc};
  size_t unv = 99;
  char *html = render(keys, 1, docs, 1, &unv);
  assert_int_equal(unv, 0);
  assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  assert_non_null(strstr(html, "&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
  assert_non_null(strstr(html, "&lt;b&gt;weird&lt;/b&gt;"));
  assert_non_null(strstr(html, "a &lt;warning&gt;"));
  assert_null(strstr(html, "<script>alert"));
  assert_null(strstr(html, "<b>weird"));
  assert_int_equal(count(html, "<script"), 1);
  assert_int_equal(count(html, "</script>"), 1);
  /* a URI from the file is text, never a link */
  assert_non_null(strstr(html, "javascript:alert(1)"));
  assert_null(strstr(html, "href=\"javascript"));
  free(html);
}

/* Nothing outside the page: every href is a fragment, no src/url()/import. */
static void self_contained(void **state) {
  fixture *f = *state;
  const mp_key *keys[] = {f->k};
  const char *docs[] = {f->doc};
  char *html = render(keys, 1, docs, 1, NULL);
  for (const char *p = html; (p = strstr(p, "href=\"")); p += 6) assert_int_equal(p[6], '#');
  for (const char *p = html; (p = strstr(p, "url(")); p += 4) assert_int_equal(p[4], '#');
  assert_null(strstr(html, " src="));
  assert_null(strstr(html, "@import"));
  assert_null(strstr(html, "<link"));
  assert_null(strstr(html, "<img"));
  assert_null(strstr(html, "<iframe"));
  assert_non_null(strstr(html, "default-src 'none'"));
  free(html);
}

/* The CSP admits the embedded script and style by their SHA-256: if the
 * hashes were wrong, browsers would refuse to run the page's own code. */
static void csp_hashes_match(void **state) {
  fixture *f = *state;
  const char *docs[] = {f->doc};
  char *html = render(NULL, 0, docs, 1, NULL);
  const char *tags[][3] = {{"<script>", "</script>", "script-src 'sha256-"}, {"<style>", "</style>", "style-src 'sha256-"}};
  for (int t = 0; t < 2; t++) {
    char *a = strstr(html, tags[t][0]);
    assert_non_null(a);
    a += strlen(tags[t][0]);
    char *b = strstr(a, tags[t][1]);
    assert_non_null(b);
    uint8_t d[MP_SHA256_LEN];
    mp_sha256(a, (size_t)(b - a), d);
    char *want = mp_b64_encode(d, sizeof d);
    char *csp = strstr(html, tags[t][2]);
    assert_non_null(csp);
    assert_memory_equal(csp + strlen(tags[t][2]), want, strlen(want));
    assert_int_equal(csp[strlen(tags[t][2]) + strlen(want)], '\'');
    free(want);
  }
  free(html);
}

static void statuses(void **state) {
  fixture *f = *state;
  const char *docs[] = {f->doc};
  size_t unv;
  /* no key: unverified, shown, not counted as refused */
  char *html = render(NULL, 0, docs, 1, &unv);
  assert_int_equal(unv, 0);
  assert_non_null(strstr(html, "class=\"verdict warn\""));
  assert_non_null(strstr(html, "UNVERIFIED"));
  assert_non_null(strstr(html, "signature not checked"));
  assert_non_null(strstr(html, "&lt;script&gt;alert"));
  free(html);
  /* an untrusted key: refused, but still shown, loudly */
  const mp_key *wrong[] = {f->other};
  html = render(wrong, 1, docs, 1, &unv);
  assert_int_equal(unv, 1);
  assert_non_null(strstr(html, "class=\"verdict bad\""));
  assert_non_null(strstr(html, "NOT VERIFIED"));
  assert_non_null(strstr(html, "unauthenticated payload"));
  assert_non_null(strstr(html, "&lt;script&gt;alert"));
  free(html);
  /* the right key: verified, and the signer is named */
  const mp_key *right[] = {f->other, f->k};
  html = render(right, 2, docs, 1, &unv);
  assert_int_equal(unv, 0);
  assert_non_null(strstr(html, "class=\"verdict ok\""));
  assert_non_null(strstr(html, mp_key_id(f->k)));
  assert_non_null(strstr(html, "signed by trusted ecdsa-p256 key"));
  free(html);
}

static void tampered_and_invalid(void **state) {
  fixture *f = *state;
  /* flip one payload byte: the signature no longer verifies */
  json_t *env = json_loads(f->doc, 0, NULL);
  const char *p64 = json_string_value(json_object_get(env, "payload"));
  uint8_t *payload;
  size_t plen;
  assert_int_equal(mp_b64_decode(p64, strlen(p64), &payload, &plen), 0);
  char *where = strstr((char *)payload, "train.csv");
  assert_non_null(where);
  where[0] = 'T';
  char *b64 = mp_b64_encode(payload, plen);
  json_object_set_new(env, "payload", json_string(b64));
  char *tampered = json_dumps(env, JSON_COMPACT);
  /* a signed envelope that is not an in-toto statement */
  mp_err e;
  mp_dsse *plain = NULL;
  assert_int_equal(mp_dsse_new("text/plain", (const uint8_t *)"hello", 5, &plain, &e), 0);
  assert_int_equal(mp_dsse_sign(plain, f->k, &e), 0);
  char *plain_json = NULL;
  size_t plain_len;
  assert_int_equal(mp_dsse_to_json(plain, &plain_json, &plain_len, &e), 0);
  mp_dsse_free(plain);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {tampered, "this is not JSON", plain_json};
  size_t unv;
  char *html = render(keys, 1, docs, 3, &unv);
  assert_int_equal(unv, 3);
  /* each status chip appears in the contents list and the section head */
  assert_int_equal(count(html, "<span class=\"chip bad\">NOT VERIFIED</span>"), 2);
  assert_int_equal(count(html, "<span class=\"chip bad\">INVALID</span>"), 4);
  assert_non_null(strstr(html, "file:///data/Train.csv"));
  assert_non_null(strstr(html, "neither a JSON envelope"));
  assert_non_null(strstr(html, "not an in-toto statement"));
  free(html);
  free(plain_json);
  free(tampered);
  free(b64);
  free(payload);
  json_decref(env);
}

/* Two envelopes in one JSON Lines file are two entries. */
static void json_lines(void **state) {
  fixture *f = *state;
  json_t *st = statement("second.bin", HEX_B, "other-data", NULL);
  char *second = envelope(st, f->k);
  json_decref(st);
  size_t n = strlen(f->doc) + strlen(second) + 3;
  char *both = malloc(n);
  snprintf(both, n, "%s\n%s\n", f->doc, second);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {both};
  char *html = render(keys, 1, docs, 1, NULL);
  assert_non_null(strstr(html, "id=\"p1\""));
  assert_non_null(strstr(html, "id=\"p2\""));
  assert_non_null(strstr(html, "doc1.intoto.jsonl</code> line 2"));
  free(html);
  free(both);
  free(second);
}

/* Grouping: packages by package-URL type, then sorted by name. */
static void dependency_groups(void **state) {
  fixture *f = *state;
  const char *docs[] = {f->doc};
  char *html = render(NULL, 0, docs, 1, NULL);
  char *npm = strstr(html, "Packages \xc2\xb7 npm"), *pypi = strstr(html, "Packages \xc2\xb7 pypi");
  char *none = strstr(html, "Packages \xc2\xb7 no package URL");
  assert_non_null(npm);
  assert_non_null(pypi);
  assert_non_null(none); /* "javascript:..." is not a package URL */
  assert_true(npm < pypi);
  assert_non_null(strstr(html, "id=\"filter-p1\""));
  /* 3 packages; the dataset has its own table, not a dependency row */
  assert_non_null(strstr(html, "3 of 3 shown"));
  assert_int_equal(count(html, "class=\"dep-row\""), 3);
  assert_non_null(strstr(html, "recordsMerkleRoot"));
  free(html);
}

/* A base model whose digest is another entry's subject is linked to it. */
static void lineage_links_and_cycles(void **state) {
  fixture *f = *state;
  json_t *child = statement("child.bin", HEX_B, "tune-data", HEX_A);
  char *cdoc = envelope(child, f->k);
  json_decref(child);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {cdoc, f->doc};
  char *html = render(keys, 1, docs, 2, NULL);
  assert_int_equal(count(html, "class=\"edge lineage\""), 1);
  assert_non_null(strstr(html, "<a href=\"#p2\">given: provenance 2</a>"));
  assert_non_null(strstr(html, "<h1>child.bin</h1>")); /* the end of the lineage titles the page */
  assert_null(strstr(html, "Cycle"));
  free(html);
  /* alone, the same base model is an input without provenance */
  const char *alone[] = {cdoc};
  html = render(keys, 1, alone, 1, NULL);
  assert_int_equal(count(html, "class=\"edge lineage\""), 0);
  assert_non_null(strstr(html, "not among the files given"));
  assert_non_null(strstr(html, "class=\"node base\""));
  free(html);
  /* two models each claiming the other as base: reported, not looped on */
  json_t *a = statement("a.bin", HEX_A, "d1", HEX_B), *b = statement("b.bin", HEX_B, "d2", HEX_A);
  char *ad = envelope(a, f->k), *bd = envelope(b, f->k);
  const char *cyc[] = {ad, bd};
  html = render(keys, 1, cyc, 2, NULL);
  assert_non_null(strstr(html, "Cycle"));
  assert_int_equal(count(html, "class=\"edge lineage\""), 1);
  free(html);
  json_decref(a);
  json_decref(b);
  free(ad);
  free(bd);
  free(cdoc);
}

/* Ten datasets and a dirty git source: the graph shows eight inputs and a
 * "+N more" node; the source card and node say DIRTY; warnings and lost
 * events are raised at the top of the entry. */
static void many_inputs_source_and_alerts(void **state) {
  fixture *f = *state;
  json_t *st = statement("big.bin", HEX_A, "d0", NULL);
  json_t *pred = json_object_get(st, "predicate");
  json_t *deps = json_object_get(json_object_get(pred, "buildDefinition"), "resolvedDependencies");
  for (int i = 1; i < 10; i++) {
    char name[16];
    snprintf(name, sizeof name, "d%d", i);
    json_array_append_new(deps, json_pack("{s:s, s:{s:s}}", "name", name, "annotations", "kind", "dataset"));
  }
  json_array_append_new(deps, json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:b}}", "name", "source", "uri",
                                        "git+https://git.example/ml/job@1111111111111111111111111111111111111111",
                                        "digest", "gitCommit", "1111111111111111111111111111111111111111",
                                        "annotations", "kind", "source", "branch", "main", "dirty", 1));
  json_array_append_new(json_object_get(json_object_get(pred, "runDetails"), "byproducts"),
                        json_pack("{s:s, s:{s:i, s:i, s:i}}", "name", "mlprov/hooks", "annotations", "connections", 2,
                                  "events", 40, "eventsDroppedByHooks", 7));
  char *doc = envelope(st, f->k);
  json_decref(st);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {doc};
  char *html = render(keys, 1, docs, 1, NULL);
  /* 10 datasets and the source: the source first, then 7 datasets, then "+3" */
  assert_int_equal(count(html, "class=\"node source dirty\""), 1);
  assert_int_equal(count(html, "class=\"node dataset\""), 7);
  assert_int_equal(count(html, "class=\"node more\""), 1);
  assert_non_null(strstr(html, "+3 more inputs"));
  assert_non_null(strstr(html, "DIRTY: uncommitted changes were trained on"));
  assert_non_null(strstr(html, "source @ 1111111111"));
  assert_non_null(strstr(html, "<li>7 events dropped by hooks</li>"));
  assert_non_null(strstr(html, "<li>a &lt;warning&gt;</li>"));
  assert_non_null(strstr(html, "<strong>7 refused, malformed or dropped</strong>"));
  free(html);
  free(doc);
}

/* The part of the page between a section heading and the next heading or
 * the end of the entry, as a new string; NULL when the heading is missing. */
static char *section_body(const char *html, const char *heading) {
  const char *a = strstr(html, heading);
  if (!a) return NULL;
  a += strlen(heading);
  const char *h3 = strstr(a, "<h3"), *end = strstr(a, "</section>");
  const char *b = h3 && (!end || h3 < end) ? h3 : end;
  size_t n = b ? (size_t)(b - a) : strlen(a);
  char *s = malloc(n + 1);
  assert_non_null(s);
  memcpy(s, a, n);
  s[n] = '\0';
  return s;
}

static void expect_in_section(const char *html, const char *heading, const char *const *wants) {
  char *body = section_body(html, heading);
  if (!body) fail_msg("section %s is missing", heading);
  for (const char *const *w = wants; *w; w++)
    if (!strstr(body, *w)) fail_msg("section %s lacks %s; it holds: %.600s", heading, *w, body);
  free(body);
}

static const char HEX_C[] = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

/* Subjects, Parameters, Timeline and Environment each show the values of the
 * statement under their own heading: a section that disappears, or a value
 * rendered under another heading, fails here. */
static void sections_show_their_values(void **state) {
  fixture *f = *state;
  json_t *st = statement("sections.bin", HEX_C, "d", NULL);
  json_t *pred = json_object_get(st, "predicate");
  json_t *bd = json_object_get(pred, "buildDefinition");
  json_object_set_new(json_array_get(json_object_get(st, "subject"), 0), "annotations",
                      json_pack("{s:s, s:i, s:s, s:i}", "role", "model", "size", 48213, "digestMethod",
                                "oms-files-sha256", "fileCount", 17));
  json_object_set_new(bd, "externalParameters",
                      json_pack("{s:[s,s,s], s:s, s:{s:s, s:i, s:{s:s, s:[i,i]}}, s:{s:i}}", "command", "python",
                                "train.py", "--fast", "workingDirectory", "/srv/jobs/run-7", "parameters",
                                "learning_rate", "0.0003", "epochs", 12, "optimizer", "name", "adamw", "betas", 9, 95,
                                "config", "seed", 4242));
  json_object_set_new(bd, "internalParameters",
                      json_pack("{s:{s:{s:s}, s:{s:i}}, s:{s:s}, s:{s:s, s:s}}", "host", "os", "kernelRelease",
                                "6.1.0-test", "cpu", "count", 96, "recorder", "version", "9.8.7", "environment",
                                "CUDA_VISIBLE_DEVICES", "0,3", "HF_TOKEN", "[REDACTED]"));
  json_t *meta = json_object_get(json_object_get(pred, "runDetails"), "metadata");
  json_object_set_new(meta, "startedOn", json_string("2026-03-04T05:06:07Z"));
  json_object_set_new(meta, "finishedOn", json_string("2026-03-04T06:07:08Z"));
  json_t *byp = json_object_get(json_object_get(pred, "runDetails"), "byproducts");
  json_array_append_new(byp, json_pack("{s:s, s:{s:i, s:f, s:b}}", "name", "mlprov/run", "annotations", "exitCode", 3,
                                       "durationSeconds", 12.5, "complete", 1));
  json_array_append_new(byp, json_pack("{s:s, s:{s:[{s:s, s:s}]}}", "name", "mlprov/annotations", "annotations",
                                       "items", "key", "checkpoint", "text", "epoch 1 saved"));
  json_array_append_new(byp, json_pack("{s:s, s:{s:i}}", "name", "mlprov/files-written", "annotations", "count", 41));
  char *doc = envelope(st, f->k);
  json_decref(st);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {doc};
  char *html = render(keys, 1, docs, 1, NULL);

  assert_int_equal(count(html, "<h3>Subjects "), 1);
  assert_int_equal(count(html, "<h3>Parameters</h3>"), 1);
  assert_int_equal(count(html, "<h3>Timeline</h3>"), 1);
  assert_int_equal(count(html, "<h3>Environment</h3>"), 1);
  const char *subjects[] = {"<span class=\"n\">1</span>", "<td>sections.bin</td><td>model</td>",
                            "<span class=\"alg\">sha256:</span>c0ffee0123456789", HEX_C, "oms-files-sha256, 17 files",
                            "<td class=\"num\">48213</td>", NULL};
  expect_in_section(html, "<h3>Subjects ", subjects);
  const char *params[] = {"<span class=\"arg\">python</span> <span class=\"arg\">train.py</span> <span "
                          "class=\"arg\">--fast</span>",
                          "<tr><th>working directory</th><td>/srv/jobs/run-7</td></tr>",
                          "<tr><th>learning_rate</th><td>0.0003</td></tr>",
                          "<tr><th>epochs</th><td><code>12</code></td></tr>",
                          "<tr><th>optimizer.name</th><td>adamw</td></tr>",
                          "<tr><th>optimizer.betas</th><td><code>[9,95]</code></td></tr>",
                          "<tr><th>config.seed</th><td><code>4242</code></td></tr>", NULL};
  expect_in_section(html, "<h3>Parameters</h3>", params);
  const char *timeline[] = {"<li class=\"start\"><span class=\"when\">2026-03-04T05:06:07Z</span>",
                            "job started: <code>python train.py --fast</code>",
                            "annotation <strong>checkpoint</strong>: epoch 1 saved", "41 file(s) written",
                            "warning: a &lt;warning&gt;",
                            "<li class=\"end bad\"><span class=\"when\">2026-03-04T06:07:08Z</span>",
                            "job exited with status 3 after 12.500 s", NULL};
  expect_in_section(html, "<h3>Timeline</h3>", timeline);
  const char *environment[] = {"<tr><th>host.os.kernelRelease</th><td>6.1.0-test</td></tr>",
                               "<tr><th>host.cpu.count</th><td><code>96</code></td></tr>",
                               "<tr><th>recorder.version</th><td>9.8.7</td></tr>",
                               "Environment variables <span class=\"n\">2</span>",
                               "<tr><th>CUDA_VISIBLE_DEVICES</th><td>0,3</td></tr>",
                               "<tr><th>HF_TOKEN</th><td>[REDACTED]</td></tr>", NULL};
  expect_in_section(html, "<h3>Environment</h3>", environment);
  /* values stay under their own heading: nothing of the environment among
   * the parameters, no parameter in the environment */
  char *p = section_body(html, "<h3>Parameters</h3>"), *env = section_body(html, "<h3>Environment</h3>");
  assert_null(strstr(p, "CUDA_VISIBLE_DEVICES"));
  assert_null(strstr(p, "kernelRelease"));
  assert_null(strstr(env, "learning_rate"));
  free(p);
  free(env);
  /* the order a reader expects: parameters, then the timeline, then the environment */
  assert_true(strstr(html, "<h3>Subjects ") < strstr(html, "<h3>Parameters</h3>"));
  assert_true(strstr(html, "<h3>Parameters</h3>") < strstr(html, "<h3>Timeline</h3>"));
  assert_true(strstr(html, "<h3>Timeline</h3>") < strstr(html, "<h3>Environment</h3>"));
  free(html);
  free(doc);
}

/* A statement that is not an SLSA provenance is shown as its predicate. */
static void other_predicates(void **state) {
  fixture *f = *state;
  json_t *st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s}}", "_type", MP_STATEMENT_TYPE, "subject", "name",
                         "model", "digest", "sha256", HEX_A, "predicateType", "https://model_signing/signature/v1.0",
                         "predicate", "note", "<i>x</i>");
  char *doc = envelope(st, f->k);
  json_decref(st);
  const mp_key *keys[] = {f->k};
  const char *docs[] = {doc};
  char *html = render(keys, 1, docs, 1, NULL);
  assert_non_null(strstr(html, "https://model_signing/signature/v1.0"));
  assert_non_null(strstr(html, "&lt;i&gt;x&lt;/i&gt;"));
  assert_non_null(strstr(html, "class=\"verdict ok\""));
  free(html);
  free(doc);
}

static void write_and_errors(void **state) {
  fixture *f = *state;
  mp_err e;
  mp_report *r = NULL;
  mp_report_opts o = {.title = "<T>", .generated = "2026-01-01T00:00:00Z"};
  assert_int_equal(mp_report_new(&o, &r, &e), 0);
  assert_int_equal(mp_report_add_file(r, "/nonexistent/p.intoto.jsonl", &e), MP_EIO);
  assert_non_null(strstr(e.msg, "reading provenance"));
  assert_non_null(strstr(e.msg, "/nonexistent/p.intoto.jsonl"));
  assert_int_equal(mp_report_count(r), 0);
  assert_int_equal(mp_report_add_data(r, "x", (const uint8_t *)f->doc, strlen(f->doc), &e), 0);
  char path[] = "/tmp/mlprov-report-XXXXXX";
  assert_non_null(mkdtemp(path));
  char file[64];
  snprintf(file, sizeof file, "%s/r.html", path);
  assert_int_equal(mp_report_write(r, file, &e), 0);
  uint8_t *data = NULL;
  size_t len;
  FILE *fp = fopen(file, "r");
  assert_non_null(fp);
  data = malloc(1 << 20);
  len = fread(data, 1, (1 << 20) - 1, fp);
  data[len] = 0;
  fclose(fp);
  assert_non_null(strstr((char *)data, "<h1>&lt;T&gt;</h1>"));
  assert_non_null(strstr((char *)data, "at 2026-01-01T00:00:00Z"));
  free(data);
  snprintf(file, sizeof file, "%s/missing/r.html", path);
  assert_int_equal(mp_report_write(r, file, &e), MP_EIO);
  assert_non_null(strstr(e.msg, "writing report"));
  assert_non_null(strstr(e.msg, "missing/r.html"));
  snprintf(file, sizeof file, "%s/r.html", path);
  remove(file);
  rmdir(path);
  mp_report_free(r);
  mp_report_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(escape_known_answers),
      cmocka_unit_test(escape_truncation),
      cmocka_unit_test_setup_teardown(hostile_names_are_text, setup, teardown),
      cmocka_unit_test_setup_teardown(self_contained, setup, teardown),
      cmocka_unit_test_setup_teardown(csp_hashes_match, setup, teardown),
      cmocka_unit_test_setup_teardown(statuses, setup, teardown),
      cmocka_unit_test_setup_teardown(tampered_and_invalid, setup, teardown),
      cmocka_unit_test_setup_teardown(json_lines, setup, teardown),
      cmocka_unit_test_setup_teardown(dependency_groups, setup, teardown),
      cmocka_unit_test_setup_teardown(lineage_links_and_cycles, setup, teardown),
      cmocka_unit_test_setup_teardown(many_inputs_source_and_alerts, setup, teardown),
      cmocka_unit_test_setup_teardown(sections_show_their_values, setup, teardown),
      cmocka_unit_test_setup_teardown(other_predicates, setup, teardown),
      cmocka_unit_test_setup_teardown(write_and_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
