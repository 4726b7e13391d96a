/* html.h — an append-only HTML buffer with the one escaping rule the report
 * page relies on.
 *
 * Two kinds of writes: mp_html_raw/mp_html_rawf append markup the report code
 * wrote itself (tags, class names, numbers, ids it generated); mp_html_text and
 * mp_html_textf append *data* (anything read from a provenance file or given on
 * the command line) and escape it so it can only ever be text: & < > " ' become
 * entities (safe in element content and in quoted attribute values alike), C0
 * controls and DEL become U+FFFD, invalid UTF-8 becomes U+FFFD, and Unicode
 * bidirectional controls (U+061C, U+200E/F, U+202A..E, U+2066..9) are shown as
 * visible "[U+202E]" markers so a name cannot be made to read backwards.
 * Data never goes into a <script>, a <style>, an event handler or a URL.
 *
 * Out of memory is sticky: later writes are ignored and mp_html_take returns
 * NULL.
 */
#ifndef MP_HTML_H
#define MP_HTML_H

#include <stddef.h>

typedef struct mp_html {
  char *buf;
  size_t len, cap;
  int oom;
} mp_html;

void mp_html_raw(mp_html *h, const char *markup);
void mp_html_rawf(mp_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_html_text(mp_html *h, const char *data);
void mp_html_textn(mp_html *h, const char *data, size_t n);
void mp_html_textf(mp_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* At most max_chars code points of data, then "…" when it was longer. */
void mp_html_text_trunc(mp_html *h, const char *data, size_t max_chars);

/* The NUL-terminated contents (ownership passes to the caller; h is reset),
 * or NULL after an allocation failure. */
char *mp_html_take(mp_html *h, size_t *len);
void mp_html_free(mp_html *h);

#endif
