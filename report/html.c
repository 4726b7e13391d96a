/* html.c — see html.h. The escaper decodes UTF-8 strictly (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) so that what the
 * browser shows is exactly what was checked here. */
#include "html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(mp_html *h, const char *s, size_t n) {
  if (h->oom || n == 0) return;
  if (h->len + n + 1 > h->cap) {
    size_t ncap = h->cap ? h->cap : 4096;
    while (ncap < h->len + n + 1) ncap *= 2;
    char *nb = realloc(h->buf, ncap);
    if (!nb) {
      h->oom = 1;
      return;
    }
    h->buf = nb;
    h->cap = ncap;
  }
  memcpy(h->buf + h->len, s, n);
  h->len += n;
  h->buf[h->len] = '\0';
}

void mp_html_raw(mp_html *h, const char *markup) { put(h, markup, strlen(markup)); }

static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *s = malloc((size_t)n + 1);
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

void mp_html_rawf(mp_html *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  if (!s) h->oom = 1;
  else put(h, s, strlen(s));
  free(s);
}

/* Length of the UTF-8 sequence at s (n bytes available) and its code point;
 * 0 when the bytes are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    len = 2, v = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, v = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

static int is_bidi_control(uint32_t cp) {
  return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Escapes up to max_chars code points; returns 1 when data was cut short. */
static int escape(mp_html *h, const char *data, size_t n, size_t max_chars) {
  const unsigned char *s = (const unsigned char *)data;
  size_t i = 0, start = 0, chars = 0;
  while (i < n) {
    if (chars == max_chars) {
      put(h, data + start, i - start);
      return 1;
    }
    uint32_t cp;
    size_t len = utf8_decode(s + i, n - i, &cp);
    const char *rep = NULL;
    char marker[16];
    if (len == 0) {
      rep = REPLACEMENT;
      len = 1;
    } else if (cp == '&') {
      rep = "&amp;";
    } else if (cp == '<') {
      rep = "&lt;";
    } else if (cp == '>') {
      rep = "&gt;";
    } else if (cp == '"') {
      rep = "&quot;";
    } else if (cp == '\'') {
      rep = "&#39;";
    } else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
      rep = REPLACEMENT;
    } else if (is_bidi_control(cp)) {
      snprintf(marker, sizeof marker, "[U+%04X]", (unsigned)cp);
      rep = marker;
    }
    if (rep) {
      put(h, data + start, i - start);
      put(h, rep, strlen(rep));
      start = i + len;
    }
    i += len;
    chars++;
  }
  put(h, data + start, n - start);
  return 0;
}

void mp_html_textn(mp_html *h, const char *data, size_t n) {
  if (data) escape(h, data, n, SIZE_MAX);
}

void mp_html_text(mp_html *h, const char *data) {
  if (data) escape(h, data, strlen(data), SIZE_MAX);
}

void mp_html_text_trunc(mp_html *h, const char *data, size_t max_chars) {
  if (data && escape(h, data, strlen(data), max_chars)) put(h, "\xe2\x80\xa6", 3); /* … */
}

void mp_html_textf(mp_html *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  if (!s) h->oom = 1;
  else mp_html_text(h, s);
  free(s);
}

char *mp_html_take(mp_html *h, size_t *len) {
  if (h->oom) {
    mp_html_free(h);
    return NULL;
  }
  if (!h->buf && !(h->buf = calloc(1, 1))) return NULL;
  char *out = h->buf;
  if (len) *len = h->len;
  memset(h, 0, sizeof *h);
  return out;
}

void mp_html_free(mp_html *h) {
  if (!h) return;
  free(h->buf);
  memset(h, 0, sizeof *h);
}
