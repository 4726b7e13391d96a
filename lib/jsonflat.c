/* jsonflat.c — the flat strict JSON reader (jsonflat.h).
 *
 * One pass over a private copy of the text: strings are unescaped in place
 * (an escape is never shorter than what it stands for, so the write position
 * never overtakes the read position) and NUL-terminated where their closing
 * quote was; nodes go into one growing array; containers being filled are on
 * an explicit stack, so depth costs no C stack. Rules follow jansson's
 * decoder (load.c) so both parsers accept the same documents: see the header. */
#include "jsonflat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

typedef struct node {
  const char *key; /* member key (NULL for array elements and the root) */
  union {
    const char *s;
    int64_t i;
    double r;
  } v;
  uint32_t end;    /* index one past this value's subtree */
  uint32_t next;   /* the next member or element of the same container, 0 after the last */
  uint32_t count;  /* members or elements; bytes of a string */
  uint32_t keylen;
  uint8_t type;
} node;

struct mp_jflat {
  char *text;  /* the copy every string points into */
  node *nodes; /* nodes[0] is "none" */
  uint32_t n, cap;
};

typedef struct parser {
  mp_jflat *d;
  char *p, *end;
  const char *what;
  mp_err *e;
  int failed;
} parser;

static int fail_at(parser *ps, const char *at, const char *msg) {
  if (ps->failed) return -1;
  ps->failed = 1;
  int line = 1, col = 1;
  for (const char *q = ps->d->text; q < at && q < ps->end; q++) {
    if (*q == '\n') line++, col = 1;
    else col++;
  }
  mp_err_set(ps->e, MP_EPARSE, "%s: invalid JSON at line %d column %d: %s", ps->what, line, col, msg);
  return -1;
}

static void skip_ws(parser *ps) {
  char *p = ps->p;
  while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  ps->p = p;
}

static uint32_t new_node(parser *ps, uint8_t type) {
  mp_jflat *d = ps->d;
  if (d->n == d->cap) {
    if (d->cap >= UINT32_MAX / 2) return 0;
    uint32_t cap = d->cap * 2;
    node *nn = realloc(d->nodes, (size_t)cap * sizeof *nn);
    if (!nn) return 0;
    d->nodes = nn;
    d->cap = cap;
  }
  node *nd = &d->nodes[d->n];
  memset(nd, 0, sizeof *nd);
  nd->type = type;
  return d->n++;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_u4(const char *p, const char *end) {
  if (end - p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval((unsigned char)p[i]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 when it is not well formed:
 * overlong forms, surrogates and code points above U+10FFFF are refused. */
static int utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0], n;
  uint32_t cp, min;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f, min = 0x80;
  else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f, min = 0x800;
  else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (end - p <= (long)n) return 0;
  for (unsigned i = 1; i <= n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return (int)n + 1;
}

static char *put_utf8(char *w, uint32_t cp) {
  if (cp < 0x80) *w++ = (char)cp;
  else if (cp < 0x800) *w++ = (char)(0xc0 | cp >> 6), *w++ = (char)(0x80 | (cp & 0x3f));
  else if (cp < 0x10000)
    *w++ = (char)(0xe0 | cp >> 12), *w++ = (char)(0x80 | (cp >> 6 & 0x3f)), *w++ = (char)(0x80 | (cp & 0x3f));
  else
    *w++ = (char)(0xf0 | cp >> 18), *w++ = (char)(0x80 | (cp >> 12 & 0x3f)),
    *w++ = (char)(0x80 | (cp >> 6 & 0x3f)), *w++ = (char)(0x80 | (cp & 0x3f));
  return w;
}

/* The string whose opening quote is at ps->p: unescaped in place. */
static int read_string(parser *ps, const char **out, uint32_t *len) {
  char *r = ps->p + 1, *end = ps->end;
  char *start = r;
  r += mp_json_plain_span(r, (size_t)(end - r)); /* fast path: no escape, ASCII */
  char *w = r;
  for (;;) {
    if (r >= end) return fail_at(ps, ps->p, "premature end of input in a string");
    unsigned char c = (unsigned char)*r;
    if (c == '"') break;
    if (c < 0x20) return fail_at(ps, r, "control character in a string");
    if (c >= 0x80) {
      int n = utf8_seq((const unsigned char *)r, (const unsigned char *)end);
      if (!n) return fail_at(ps, r, "invalid UTF-8 in a string");
      memmove(w, r, (size_t)n);
      w += n, r += n;
      continue;
    }
    if (c != '\\') {
      *w++ = *r++;
      continue;
    }
    if (r + 1 >= end) return fail_at(ps, r, "premature end of input in a string");
    char x = r[1];
    r += 2;
    switch (x) {
    case '"': *w++ = '"'; break;
    case '\\': *w++ = '\\'; break;
    case '/': *w++ = '/'; break;
    case 'b': *w++ = '\b'; break;
    case 'f': *w++ = '\f'; break;
    case 'n': *w++ = '\n'; break;
    case 'r': *w++ = '\r'; break;
    case 't': *w++ = '\t'; break;
    case 'u': {
      int u = read_u4(r, end);
      if (u < 0) return fail_at(ps, r - 2, "invalid \\u escape");
      r += 4;
      uint32_t cp = (uint32_t)u;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo = (end - r >= 6 && r[0] == '\\' && r[1] == 'u') ? read_u4(r + 2, end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) return fail_at(ps, r - 6, "invalid Unicode escape (lone surrogate)");
        cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
        r += 6;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return fail_at(ps, r - 6, "invalid Unicode escape (lone surrogate)");
      } else if (cp == 0) {
        return fail_at(ps, r - 6, "\\u0000 is not allowed");
      }
      w = put_utf8(w, cp);
      break;
    }
    default: return fail_at(ps, r - 2, "invalid escape");
    }
  }
  *w = '\0'; /* w <= r: at most where the closing quote was */
  ps->p = r + 1;
  *out = start;
  *len = (uint32_t)(w - start);
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int read_number(parser *ps, node *nd) {
  char *p = ps->p, *end = ps->end, *start = p;
  int real = 0;
  if (p < end && *p == '-') p++;
  if (p >= end || !is_digit(*p)) return fail_at(ps, start, "invalid number");
  if (*p == '0') {
    p++;
    if (p < end && is_digit(*p)) return fail_at(ps, start, "invalid number (leading zero)");
  } else {
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && *p == '.') {
    real = 1;
    p++;
    if (p >= end || !is_digit(*p)) return fail_at(ps, start, "invalid number");
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    real = 1;
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !is_digit(*p)) return fail_at(ps, start, "invalid number");
    while (p < end && is_digit(*p)) p++;
  }
  /* strtoll/strtod need a terminator: the byte after the number is ours */
  char saved = *p;
  *p = '\0';
  char *stop = NULL;
  errno = 0;
  if (real) {
    double r = strtod(start, &stop);
    if ((r == HUGE_VAL || r == -HUGE_VAL) && errno == ERANGE) {
      *p = saved;
      return fail_at(ps, start, "real number overflow");
    }
    nd->type = MP_JF_REAL;
    nd->v.r = r;
  } else {
    long long i = strtoll(start, &stop, 10);
    if (errno == ERANGE) {
      *p = saved;
      return fail_at(ps, start, "too big integer");
    }
    nd->type = MP_JF_INTEGER;
    nd->v.i = i;
  }
  *p = saved;
  if (stop != p) return fail_at(ps, start, "invalid number");
  ps->p = p;
  return 0;
}

typedef struct keyref {
  const char *s;
  uint32_t n;
} keyref;

static int cmp_keyref(const void *a, const void *b) {
  const keyref *x = a, *y = b;
  uint32_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, n);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Duplicate keys of the object at index o (complete); the duplicate or NULL. */
static const char *duplicate_key(const mp_jflat *d, uint32_t o, int *nomem) {
  const node *obj = &d->nodes[o];
  *nomem = 0;
  if (obj->count < 2) return NULL;
  if (obj->count <= 16) {
    for (uint32_t a = o + 1; a < obj->end; a = d->nodes[a].end)
      for (uint32_t b = d->nodes[a].end; b < obj->end; b = d->nodes[b].end)
        if (d->nodes[a].keylen == d->nodes[b].keylen &&
            memcmp(d->nodes[a].key, d->nodes[b].key, d->nodes[a].keylen) == 0)
          return d->nodes[a].key;
    return NULL;
  }
  keyref *k = malloc(obj->count * sizeof *k);
  if (!k) {
    *nomem = 1;
    return NULL;
  }
  uint32_t n = 0;
  for (uint32_t a = o + 1; a < obj->end; a = d->nodes[a].end) k[n++] = (keyref){d->nodes[a].key, d->nodes[a].keylen};
  qsort(k, n, sizeof *k, cmp_keyref);
  const char *dup = NULL;
  for (uint32_t i = 1; i < n && !dup; i++)
    if (cmp_keyref(&k[i - 1], &k[i]) == 0) dup = k[i].s;
  free(k);
  return dup;
}

/* Reads `"key" :` of an object member. */
static int read_key(parser *ps, const char **key, uint32_t *keylen) {
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != '"') return fail_at(ps, ps->p, "string or '}' expected");
  if (read_string(ps, key, keylen)) return -1;
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != ':') return fail_at(ps, ps->p, "':' expected");
  ps->p++;
  return 0;
}

static int lit(parser *ps, const char *word, size_t n) {
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return fail_at(ps, ps->p, "invalid token");
  ps->p += n;
  return 0;
}

static int parse(parser *ps) {
  mp_jflat *d = ps->d;
  uint32_t stack[MP_JF_MAX_DEPTH + 1], last[MP_JF_MAX_DEPTH + 1];
  int sp = 0;
  const char *key = NULL;
  uint32_t keylen = 0;
  skip_ws(ps);
  if (ps->p >= ps->end || (*ps->p != '{' && *ps->p != '[')) return fail_at(ps, ps->p, "'[' or '{' expected");
  for (;;) {
    /* a value, as the member `key` of the innermost container (if any) */
    skip_ws(ps);
    if (ps->p >= ps->end) return fail_at(ps, ps->p, "premature end of input");
    uint32_t idx = new_node(ps, MP_JF_NULL);
    if (!idx) return mp_err_set(ps->e, MP_ENOMEM, "%s: out of memory parsing JSON", ps->what);
    node *nd = &d->nodes[idx];
    nd->key = key;
    nd->keylen = keylen;
    key = NULL;
    if (sp) {
      d->nodes[stack[sp - 1]].count++;
      if (last[sp - 1]) d->nodes[last[sp - 1]].next = idx;
      last[sp - 1] = idx;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
      nd->type = c == '{' ? MP_JF_OBJECT : MP_JF_ARRAY;
      if (sp == MP_JF_MAX_DEPTH) return fail_at(ps, ps->p, "maximum parsing depth reached");
      last[sp] = 0;
      stack[sp++] = idx;
      ps->p++;
      skip_ws(ps);
      char close = c == '{' ? '}' : ']';
      if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        d->nodes[idx].end = d->n;
        sp--;
      } else {
        if (c == '{' && read_key(ps, &key, &keylen)) return -1;
        continue;
      }
    } else if (c == '"') {
      const char *s;
      uint32_t n;
      if (read_string(ps, &s, &n)) return -1;
      nd = &d->nodes[idx];
      nd->type = MP_JF_STRING;
      nd->v.s = s;
      nd->count = n;
      nd->end = idx + 1;
    } else if (c == '-' || is_digit(c)) {
      if (read_number(ps, nd)) return -1;
      nd->end = idx + 1;
    } else {
      int rc = c == 't'   ? (nd->type = MP_JF_TRUE, lit(ps, "true", 4))
               : c == 'f' ? (nd->type = MP_JF_FALSE, lit(ps, "false", 5))
               : c == 'n' ? (nd->type = MP_JF_NULL, lit(ps, "null", 4))
                          : fail_at(ps, ps->p, "invalid token");
      if (rc) return -1;
      nd->end = idx + 1;
    }
    /* after a value: close containers until one wants another member */
    for (;;) {
      if (sp == 0) {
        skip_ws(ps);
        if (ps->p != ps->end) return fail_at(ps, ps->p, "end of file expected");
        return 0;
      }
      uint32_t top = stack[sp - 1];
      int is_obj = d->nodes[top].type == MP_JF_OBJECT;
      skip_ws(ps);
      if (ps->p >= ps->end) return fail_at(ps, ps->p, "premature end of input");
      if (*ps->p == ',') {
        ps->p++;
        if (is_obj && read_key(ps, &key, &keylen)) return -1;
        break;
      }
      if (*ps->p != (is_obj ? '}' : ']')) return fail_at(ps, ps->p, is_obj ? "'}' expected" : "']' expected");
      ps->p++;
      d->nodes[top].end = d->n;
      sp--;
      if (is_obj) {
        int nomem;
        const char *dup = duplicate_key(d, top, &nomem);
        if (nomem) return mp_err_set(ps->e, MP_ENOMEM, "%s: out of memory parsing JSON", ps->what);
        if (dup) {
          char msg[160];
          snprintf(msg, sizeof msg, "duplicate object key \"%.100s\"", dup);
          return fail_at(ps, ps->p - 1, msg);
        }
      }
    }
  }
}

int mp_jflat_parse(const char *what, const uint8_t *text, size_t len, mp_jflat **out, mp_err *e) {
  if (len >= UINT32_MAX / 2) return mp_err_set(e, MP_EPARSE, "%s: JSON text too large", what);
  mp_jflat *d = calloc(1, sizeof *d);
  if (!d) return mp_err_set(e, MP_ENOMEM, "out of memory");
  /* a statement has about one value per 10 bytes */
  d->cap = (uint32_t)(len / 8 + 16);
  d->nodes = malloc((size_t)d->cap * sizeof *d->nodes);
  d->text = malloc(len + 1);
  if (!d->nodes || !d->text) {
    mp_jflat_free(d);
    return mp_err_set(e, MP_ENOMEM, "out of memory");
  }
  memcpy(d->text, text, len);
  d->text[len] = '\0';
  memset(&d->nodes[0], 0, sizeof d->nodes[0]);
  d->n = 1;
  parser ps = {.d = d, .p = d->text, .end = d->text + len, .what = what, .e = e};
  if (parse(&ps)) {
    int rc = ps.failed ? MP_EPARSE : (e ? e->code : MP_ENOMEM);
    mp_jflat_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

void mp_jflat_free(mp_jflat *d) {
  if (!d) return;
  free(d->text);
  free(d->nodes);
  free(d);
}

static const node *at(const mp_jflat *d, mp_jv v) { return d && v && v < d->n ? &d->nodes[v] : NULL; }

mp_jv mp_jflat_root(const mp_jflat *d) { return d && d->n > 1 ? 1 : 0; }

mp_jf_type mp_jflat_type(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd ? (mp_jf_type)nd->type : MP_JF_NONE;
}

size_t mp_jflat_size(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd && (nd->type == MP_JF_OBJECT || nd->type == MP_JF_ARRAY) ? nd->count : 0;
}

mp_jv mp_jflat_first(const mp_jflat *d, mp_jv c) {
  const node *nd = at(d, c);
  if (!nd || (nd->type != MP_JF_OBJECT && nd->type != MP_JF_ARRAY) || nd->count == 0) return 0;
  return c + 1;
}

mp_jv mp_jflat_next(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd ? nd->next : 0;
}

mp_jv mp_jflat_get(const mp_jflat *d, mp_jv obj, const char *key) {
  const node *o = at(d, obj);
  if (!o || o->type != MP_JF_OBJECT) return 0;
  size_t n = strlen(key);
  for (uint32_t m = obj + 1; m < o->end; m = d->nodes[m].end)
    if (d->nodes[m].keylen == n && memcmp(d->nodes[m].key, key, n) == 0) return m;
  return 0;
}

const char *mp_jflat_key(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd ? nd->key : NULL;
}

const char *mp_jflat_str(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd && nd->type == MP_JF_STRING ? nd->v.s : NULL;
}

size_t mp_jflat_len(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd && nd->type == MP_JF_STRING ? nd->count : 0;
}

int64_t mp_jflat_int(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  return nd && nd->type == MP_JF_INTEGER ? nd->v.i : 0;
}

double mp_jflat_real(const mp_jflat *d, mp_jv v) {
  const node *nd = at(d, v);
  if (!nd) return 0;
  if (nd->type == MP_JF_REAL) return nd->v.r;
  return nd->type == MP_JF_INTEGER ? (double)nd->v.i : 0;
}
