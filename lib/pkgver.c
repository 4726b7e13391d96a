/* pkgver.c — PEP 440 version parsing, ordering and ranges (see pkgver.h).
 * The sort key follows packaging.version._cmpkey: epoch, release without
 * trailing zeros, pre (a dev-only release sorts before every pre-release),
 * post, dev, local. Numbers are capped at 18 digits so they fit an int64. */
#include "pkgver.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAXREL 32
#define MAXLOCAL 16

typedef struct pv {
  int64_t epoch;
  int64_t rel[MAXREL];
  int nrel;
  int pre; /* 0 none, 1 a, 2 b, 3 rc */
  int64_t pre_n;
  int has_post;
  int64_t post;
  int has_dev;
  int64_t dev;
  int nlocal;
  char local[MAXLOCAL][32]; /* lowercase segments */
} pv;

static int num(const char **p, int64_t *out) {
  const char *s = *p;
  int64_t v = 0;
  int n = 0;
  while (isdigit((unsigned char)*s)) {
    if (++n > 18) return -1;
    v = v * 10 + (*s - '0');
    s++;
  }
  if (n == 0) return -1;
  *out = v;
  *p = s;
  return 0;
}

/* Optional number after a pre/post/dev word: missing means 0. */
static int opt_num(const char **p, int64_t *out) {
  const char *s = *p;
  if (*s == '-' || *s == '_' || *s == '.') s++;
  if (isdigit((unsigned char)*s)) {
    *p = s;
    return num(p, out);
  }
  *out = 0;
  return 0;
}

static int word(const char **p, const char *w) {
  size_t n = strlen(w);
  if (strncasecmp(*p, w, n) != 0) return 0;
  *p += n;
  return 1;
}

static int sep(char c) { return c == '-' || c == '_' || c == '.'; }

static int parse(const char *in, pv *v) {
  memset(v, 0, sizeof *v);
  const char *s = in;
  while (isspace((unsigned char)*s)) s++;
  if (*s == 'v' || *s == 'V') s++;
  int64_t first;
  if (num(&s, &first)) return -1;
  if (*s == '!') {
    v->epoch = first;
    s++;
    if (num(&s, &first)) return -1;
  }
  v->rel[v->nrel++] = first;
  while (*s == '.' && isdigit((unsigned char)s[1])) {
    s++;
    if (v->nrel == MAXREL || num(&s, &v->rel[v->nrel])) return -1;
    v->nrel++;
  }
  /* pre-release */
  const char *t = sep(*s) ? s + 1 : s;
  static const struct { const char *w; int kind; } pres[] = {
      {"alpha", 1}, {"beta", 2}, {"preview", 3}, {"pre", 3}, {"rc", 3}, {"a", 1}, {"b", 2}, {"c", 3}};
  for (size_t i = 0; i < sizeof pres / sizeof pres[0]; i++) {
    const char *u = t;
    if (word(&u, pres[i].w)) {
      v->pre = pres[i].kind;
      if (opt_num(&u, &v->pre_n)) return -1;
      s = u;
      break;
    }
  }
  /* post-release: ".post1", "-r1", or the implicit "-1" */
  t = sep(*s) ? s + 1 : s;
  {
    const char *u = t;
    if (word(&u, "post") || word(&u, "rev") || word(&u, "r")) {
      v->has_post = 1;
      if (opt_num(&u, &v->post)) return -1;
      s = u;
    } else if (*s == '-' && isdigit((unsigned char)s[1])) {
      u = s + 1;
      v->has_post = 1;
      if (num(&u, &v->post)) return -1;
      s = u;
    }
  }
  t = sep(*s) ? s + 1 : s;
  {
    const char *u = t;
    if (word(&u, "dev")) {
      v->has_dev = 1;
      if (opt_num(&u, &v->dev)) return -1;
      s = u;
    }
  }
  if (*s == '+') {
    s++;
    for (;;) {
      size_t n = 0;
      while (isalnum((unsigned char)s[n])) n++;
      if (n == 0 || n >= sizeof v->local[0] || v->nlocal == MAXLOCAL) return -1;
      for (size_t i = 0; i < n; i++) v->local[v->nlocal][i] = (char)tolower((unsigned char)s[i]);
      v->local[v->nlocal][n] = '\0';
      v->nlocal++;
      s += n;
      if (!sep(*s)) break;
      s++;
    }
  }
  while (isspace((unsigned char)*s)) s++;
  return *s ? -1 : 0;
}

static int cmp64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int is_numeric(const char *s) {
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* Local segments: numbers compare numerically and sort after words. */
static int cmp_local(const pv *a, const pv *b) {
  for (int i = 0; i < a->nlocal && i < b->nlocal; i++) {
    int an = is_numeric(a->local[i]), bn = is_numeric(b->local[i]);
    int c;
    if (an && bn) {
      size_t la = strlen(a->local[i]), lb = strlen(b->local[i]);
      const char *x = a->local[i], *y = b->local[i];
      while (la > 1 && *x == '0') x++, la--;
      while (lb > 1 && *y == '0') y++, lb--;
      c = la != lb ? (la < lb ? -1 : 1) : strcmp(x, y);
    } else if (an != bn) {
      c = an ? 1 : -1;
    } else {
      c = strcmp(a->local[i], b->local[i]);
    }
    if (c) return c < 0 ? -1 : 1;
  }
  return cmp64(a->nlocal, b->nlocal);
}

/* with_local = 0 ignores local labels (a clause without one). */
static int pv_cmp(const pv *a, const pv *b, int with_local) {
  int c = cmp64(a->epoch, b->epoch);
  if (c) return c;
  int na = a->nrel, nb = b->nrel;
  while (na > 1 && a->rel[na - 1] == 0) na--;
  while (nb > 1 && b->rel[nb - 1] == 0) nb--;
  for (int i = 0; i < na || i < nb; i++) {
    c = cmp64(i < na ? a->rel[i] : 0, i < nb ? b->rel[i] : 0);
    if (c) return c;
  }
  /* pre: dev-only release < any pre-release < no pre-release */
  int64_t pa = a->pre ? a->pre : (!a->has_post && a->has_dev ? -1 : 4);
  int64_t pb = b->pre ? b->pre : (!b->has_post && b->has_dev ? -1 : 4);
  if ((c = cmp64(pa, pb))) return c;
  if (a->pre && (c = cmp64(a->pre_n, b->pre_n))) return c;
  if ((c = cmp64(a->has_post, b->has_post))) return c;
  if (a->has_post && (c = cmp64(a->post, b->post))) return c;
  /* no dev release sorts after any dev release */
  if ((c = cmp64(!a->has_dev, !b->has_dev))) return c;
  if (a->has_dev && (c = cmp64(a->dev, b->dev))) return c;
  return with_local ? cmp_local(a, b) : 0;
}

int mp_pkgver_valid(const char *s) {
  pv v;
  return s && parse(s, &v) == 0;
}

int mp_pkgver_cmp(const char *a, const char *b, int *out, mp_err *e) {
  pv x, y;
  if (parse(a, &x)) return mp_err_set(e, MP_EPARSE, "version \"%s\" is not a PEP 440 version", a);
  if (parse(b, &y)) return mp_err_set(e, MP_EPARSE, "version \"%s\" is not a PEP 440 version", b);
  *out = pv_cmp(&x, &y, 1);
  return 0;
}

/* --- ranges ---------------------------------------------------------------- */

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_COMPAT, OP_ARB } op_t;

typedef struct clause {
  op_t op;
  int prefix;   /* ==V.* / !=V.* */
  char *text;   /* version text as given (=== and unparseable candidates) */
  pv v;
} clause;

struct mp_verspec {
  clause *c;
  size_t n;
};

void mp_verspec_free(mp_verspec *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) free(s->c[i].text);
  free(s->c);
  free(s);
}

static char *trim_dup(const char *a, size_t n) {
  while (n && isspace((unsigned char)*a)) a++, n--;
  while (n && isspace((unsigned char)a[n - 1])) n--;
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, a, n);
    s[n] = '\0';
  }
  return s;
}

static int parse_clause(char *txt, clause *c, mp_err *e) {
  static const struct { const char *tok; op_t op; } ops[] = {
      {"===", OP_ARB}, {"~=", OP_COMPAT}, {"==", OP_EQ}, {"!=", OP_NE},
      {"<=", OP_LE},   {">=", OP_GE},     {"<", OP_LT},  {">", OP_GT}};
  const char *s = txt;
  c->op = OP_EQ;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = strlen(ops[i].tok);
    if (strncmp(s, ops[i].tok, n) == 0) {
      c->op = ops[i].op;
      s += n;
      break;
    }
  }
  while (isspace((unsigned char)*s)) s++;
  if (!*s) return mp_err_set(e, MP_EUSAGE, "version range clause \"%s\" has no version", txt);
  size_t n = strlen(s);
  if (c->op != OP_ARB && n > 2 && strcmp(s + n - 2, ".*") == 0) {
    if (c->op != OP_EQ && c->op != OP_NE)
      return mp_err_set(e, MP_EUSAGE, "version range clause \"%s\": \".*\" only goes with == and !=", txt);
    c->prefix = 1;
    n -= 2;
  }
  if (!(c->text = trim_dup(s, n))) return mp_err_set(e, MP_ENOMEM, "out of memory");
  if (c->op == OP_ARB) return 0;
  if (parse(c->text, &c->v))
    return mp_err_set(e, MP_EUSAGE, "version range clause \"%s\": \"%s\" is not a PEP 440 version", txt, c->text);
  if (c->prefix && (c->v.pre || c->v.has_post || c->v.has_dev || c->v.nlocal))
    return mp_err_set(e, MP_EUSAGE, "version range clause \"%s\": a prefix match takes a release only (like 1.2.*)", txt);
  if (c->op == OP_COMPAT && c->v.nrel < 2)
    return mp_err_set(e, MP_EUSAGE, "version range clause \"%s\": ~= needs at least two release numbers", txt);
  return 0;
}

int mp_verspec_parse(const char *spec, mp_verspec **out, mp_err *e) {
  mp_verspec *s = calloc(1, sizeof *s);
  if (!s) return mp_err_set(e, MP_ENOMEM, "out of memory");
  const char *p = spec;
  int rc = 0;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    char *txt = trim_dup(p, n);
    clause *nc = txt ? realloc(s->c, (s->n + 1) * sizeof *nc) : NULL;
    if (!nc) {
      free(txt);
      rc = mp_err_set(e, MP_ENOMEM, "out of memory");
      break;
    }
    s->c = nc;
    memset(&s->c[s->n], 0, sizeof s->c[s->n]);
    s->n++;
    if (!*txt) rc = mp_err_set(e, MP_EUSAGE, "version range \"%s\" has an empty clause", spec);
    else rc = parse_clause(txt, &s->c[s->n - 1], e);
    free(txt);
    if (rc || !comma) break;
    p = comma + 1;
  }
  if (rc) {
    mp_verspec_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

/* Release prefix match: epoch equal and the first nrel release numbers equal
 * (the candidate padded with zeros). Pre/post/dev/local of the candidate are
 * ignored, as PEP 440 says. */
static int prefix_match(const pv *spec, const pv *cand) {
  if (spec->epoch != cand->epoch) return 0;
  for (int i = 0; i < spec->nrel; i++)
    if ((i < cand->nrel ? cand->rel[i] : 0) != spec->rel[i]) return 0;
  return 1;
}

static int clause_match(const clause *c, const char *text, const pv *cand, int cand_ok) {
  if (c->op == OP_ARB) return strcasecmp(c->text, text) == 0;
  if (!cand_ok) {
    if (c->op == OP_EQ) return !c->prefix && strcasecmp(c->text, text) == 0;
    if (c->op == OP_NE) return c->prefix || strcasecmp(c->text, text) != 0;
    return 0;
  }
  if (c->prefix) return (c->op == OP_EQ) == prefix_match(&c->v, cand);
  int r = pv_cmp(cand, &c->v, c->v.nlocal > 0);
  switch (c->op) {
    case OP_EQ: return r == 0;
    case OP_NE: return r != 0;
    case OP_LT: return r < 0;
    case OP_LE: return r <= 0;
    case OP_GT: return r > 0;
    case OP_GE: return r >= 0;
    case OP_COMPAT: {
      pv pre = c->v;
      pre.nrel--; /* ~=1.4.5 means >=1.4.5, ==1.4.* */
      return r >= 0 && prefix_match(&pre, cand);
    }
    default: return 0;
  }
}

int mp_verspec_match(const mp_verspec *s, const char *version) {
  if (!version) return 0;
  pv cand;
  int ok = parse(version, &cand) == 0;
  for (size_t i = 0; i < s->n; i++)
    if (!clause_match(&s->c[i], version, &cand, ok)) return 0;
  return 1;
}
