/* version.c — see version.h. Versions are compared by walking both strings
 * token by token; nothing is allocated. */
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Rank of a pre/post-release tag; 0 is the release itself. */
static int tag_rank(const char *s, size_t n) {
  static const struct { const char *w; int r; } tags[] = {
      {"dev", -4}, {"a", -3}, {"alpha", -3}, {"b", -2}, {"beta", -2}, {"c", -1},
      {"rc", -1},  {"pre", -1}, {"preview", -1}, {"post", 1}, {"r", 1}, {"rev", 1}};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    if (strlen(tags[i].w) == n && strncasecmp(s, tags[i].w, n) == 0) return tags[i].r;
  return -5; /* unknown words sort before everything (like an unknown pre-release) */
}

/* A decimal number of any length, compared exactly (versions come from the
 * recorded job: "1.99999999999999999999" must neither overflow nor compare
 * equal to another): its digits without leading zeros. */
typedef struct vnum {
  const char *d;
  size_t n;
} vnum;

static vnum read_num(const char **s, const char *end) {
  while (*s < end && **s == '0') (*s)++;
  vnum v = {*s, 0};
  while (*s < end && isdigit((unsigned char)**s)) (*s)++, v.n++;
  return v;
}

static int num_cmp(vnum a, vnum b) {
  if (a.n != b.n) return a.n < b.n ? -1 : 1;
  int c = a.n ? memcmp(a.d, b.d, a.n) : 0;
  return c < 0 ? -1 : c > 0;
}

typedef struct vparts {
  vnum epoch;
  const char *release, *release_end; /* "1.2.3" */
  const char *suffix, *suffix_end;   /* "rc1.dev0" or "-beta.2" */
  const char *local;                 /* after '+', or NULL */
} vparts;

static void split(const char *v, vparts *p) {
  memset(p, 0, sizeof *p);
  p->epoch.d = "";
  while (*v == ' ') v++;
  if (*v == 'v' || *v == 'V') v++;
  const char *bang = strchr(v, '!');
  if (bang && bang > v && strspn(v, "0123456789") == (size_t)(bang - v)) {
    const char *digits = v;
    p->epoch = read_num(&digits, bang);
    v = bang + 1;
  }
  const char *plus = strchr(v, '+');
  const char *end = plus ? plus : v + strlen(v);
  p->local = plus ? plus + 1 : NULL;
  const char *r = v;
  while (r < end && (isdigit((unsigned char)*r) || (*r == '.' && r + 1 < end && isdigit((unsigned char)r[1])))) r++;
  p->release = v;
  p->release_end = r;
  p->suffix = r;
  p->suffix_end = end;
}

static vnum next_num(const char **s, const char *end) {
  vnum n = read_num(s, end);
  if (*s < end && **s == '.') (*s)++;
  return n;
}

static int cmp_release(const vparts *a, const vparts *b) {
  const char *x = a->release, *y = b->release;
  while (x < a->release_end || y < b->release_end) {
    int c = num_cmp(next_num(&x, a->release_end), next_num(&y, b->release_end));
    if (c) return c;
  }
  return 0;
}

/* Suffix tokens: (rank, number) pairs like rc1, .dev0, -beta.2, .post1. */
static int next_tag(const char **s, const char *end, int *rank, vnum *num) {
  while (*s < end && (**s == '.' || **s == '-' || **s == '_')) (*s)++;
  if (*s >= end) return 0;
  const char *w = *s;
  while (*s < end && isalpha((unsigned char)**s)) (*s)++;
  size_t wl = (size_t)(*s - w);
  *rank = wl ? tag_rank(w, wl) : 1; /* a bare number after the release: post (1.0-1) */
  while (*s < end && (**s == '.' || **s == '-' || **s == '_')) (*s)++;
  *num = read_num(s, end);
  return 1;
}

static int cmp_suffix(const vparts *a, const vparts *b) {
  const char *x = a->suffix, *y = b->suffix;
  for (;;) {
    int rx = 0, ry = 0;
    vnum nx = {"", 0}, ny = {"", 0};
    int hx = next_tag(&x, a->suffix_end, &rx, &nx), hy = next_tag(&y, b->suffix_end, &ry, &ny);
    if (!hx && !hy) return 0;
    if (rx != ry) return rx < ry ? -1 : 1;
    int c = num_cmp(nx, ny);
    if (c) return c;
  }
}

static int cmp_local(const char *a, const char *b) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  while (*a || *b) {
    size_t la = strcspn(a, ".-_"), lb = strcspn(b, ".-_");
    int da = la && strspn(a, "0123456789") == la, db = lb && strspn(b, "0123456789") == lb;
    int c;
    if (da && db) {
      const char *pa = a, *pb = b;
      c = num_cmp(read_num(&pa, a + la), read_num(&pb, b + lb));
    } else if (da != db) {
      c = da ? 1 : -1; /* PEP 440: numeric segments sort after alphanumeric ones */
    } else {
      size_t m = la < lb ? la : lb;
      c = strncasecmp(a, b, m);
      if (!c) c = la < lb ? -1 : la > lb;
    }
    if (c) return c;
    a += la + (a[la] ? 1 : 0);
    b += lb + (b[lb] ? 1 : 0);
  }
  return 0;
}

int mp_version_cmp(const char *a, const char *b) {
  vparts x, y;
  split(a, &x);
  split(b, &y);
  int c = num_cmp(x.epoch, y.epoch);
  if (c) return c;
  c = cmp_release(&x, &y);
  if (c) return c;
  if ((c = cmp_suffix(&x, &y))) return c;
  return cmp_local(x.local, y.local);
}

/* One clause; 1/0, or -1 malformed. */
static int clause(const char *version, const char *c, size_t n) {
  while (n && isspace((unsigned char)*c)) c++, n--;
  while (n && isspace((unsigned char)c[n - 1])) n--;
  if (n == 1 && *c == '*') return 1;
  char op[3] = "";
  size_t ol = 0;
  while (ol < 2 && ol < n && strchr("=!<>~", c[ol])) op[ol] = c[ol], ol++;
  op[ol] = '\0';
  char v[256];
  if (n - ol == 0 || n - ol >= sizeof v) return -1;
  memcpy(v, c + ol, n - ol);
  v[n - ol] = '\0';
  for (char *p = v; *p; p++)
    if (isspace((unsigned char)*p)) return -1;
  if (!version || !*version) return 0;
  size_t vl = strlen(v);
  int wildcard = vl >= 2 && strcmp(v + vl - 2, ".*") == 0;
  if (wildcard) {
    v[vl - 2] = '\0';
    if (ol && strcmp(op, "==") && strcmp(op, "!=")) return -1;
    /* prefix match on release numbers */
    vparts pv, pp;
    split(version, &pv);
    split(v, &pp);
    const char *x = pv.release, *y = pp.release;
    int match = num_cmp(pv.epoch, pp.epoch) == 0;
    while (match && y < pp.release_end) match = num_cmp(next_num(&x, pv.release_end), next_num(&y, pp.release_end)) == 0;
    return strcmp(op, "!=") == 0 ? !match : match;
  }
  int cmp = mp_version_cmp(version, v);
  if (ol == 0 || !strcmp(op, "==") || !strcmp(op, "=")) return cmp == 0;
  if (!strcmp(op, "!=")) return cmp != 0;
  if (!strcmp(op, ">=")) return cmp >= 0;
  if (!strcmp(op, "<=")) return cmp <= 0;
  if (!strcmp(op, ">")) return cmp > 0;
  if (!strcmp(op, "<")) return cmp < 0;
  if (!strcmp(op, "~=")) {
    /* ~=X.Y.Z means >=X.Y.Z and ==X.Y.* */
    char *dot = strrchr(v, '.');
    if (!dot || cmp < 0) return dot ? 0 : -1;
    *dot = '\0';
    vparts pv, pp;
    split(version, &pv);
    split(v, &pp);
    const char *x = pv.release, *y = pp.release;
    while (y < pp.release_end)
      if (num_cmp(next_num(&x, pv.release_end), next_num(&y, pp.release_end))) return 0;
    return 1;
  }
  return -1;
}

int mp_version_match(const char *version, const char *range, mp_err *e) {
  if (!range || !*range) return mp_err_set(e, MP_EPARSE, "empty version range");
  int all = 1;
  for (const char *c = range;;) {
    const char *comma = strchr(c, ',');
    size_t n = comma ? (size_t)(comma - c) : strlen(c);
    int r = clause(version, c, n);
    if (r < 0) return mp_err_set(e, MP_EPARSE, "version range \"%s\": bad clause \"%.*s\"", range, (int)n, c);
    all = all && r;
    if (!comma) break;
    c = comma + 1;
  }
  return all;
}

int mp_version_range_check(const char *range, mp_err *e) {
  int r = mp_version_match("0", range, e);
  return r < 0 ? r : 0;
}
