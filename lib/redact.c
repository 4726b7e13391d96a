/* redact.c — see redact.h. The value patterns are deliberately generous: a
 * false positive costs a "[REDACTED]" in a record, a false negative leaks a
 * credential into a signed file that lives forever. */
#include "redact.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const secret_words[] = {
    "TOKEN", "SECRET", "PASSW", "PASSPHRASE", "CREDENTIAL", "PRIVATE", "KEY",
    "AUTH", "COOKIE", "SESSION", "SIGNATURE", "PWD_", "_PWD", NULL};
static const char *const secret_prefixes[] = {
    "AWS_", "HF_", "HUGGING", "GH_", "GITHUB_", "AZURE_", "OPENAI", "ANTHROPIC",
    "WANDB_", "NPM_", "PYPI_", "TWINE_", "GITLAB_", "SLACK_", "DATABRICKS_", NULL};

static int contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return 1;
  return 0;
}

int mp_redact_name_is_secret(const char *name) {
  if (!name) return 0;
  /* Option names: --api-key, --hf_token. */
  while (*name == '-') name++;
  char norm[256];
  size_t i = 0;
  for (; name[i] && i < sizeof norm - 1; i++) norm[i] = name[i] == '-' ? '_' : name[i];
  norm[i] = '\0';
  if (strcmp(norm, "PWD") == 0 || strcmp(norm, "OLDPWD") == 0) return 0; /* directories */
  for (const char *const *w = secret_words; *w; w++)
    if (contains_ci(norm, *w)) return 1;
  for (const char *const *p = secret_prefixes; *p; p++)
    if (strncasecmp(norm, *p, strlen(*p)) == 0) return 1;
  return 0;
}

/* Character classes in ASCII, as <ctype.h> has them in the C locale (mlprov
 * never sets another): redaction must not depend on the environment, and
 * these run for every byte of every string the agent receives. */
static int is_digit(char c) { return (unsigned)((unsigned char)c - '0') < 10u; }
static int is_upper(char c) { return (unsigned)((unsigned char)c - 'A') < 26u; }
static int is_alnum(char c) { return is_digit(c) || (unsigned)(((unsigned char)c | 32u) - 'a') < 26u; }
static int tokch(char c) { return is_alnum(c) || c == '_' || c == '-'; }

/* Length of a token-like run at s whose prefix is pfx and body is at least
 * minbody token chars; 0 when it does not match. */
static size_t match_prefixed(const char *s, const char *pfx, size_t minbody) {
  if (s[0] != pfx[0] || s[1] != pfx[1]) return 0; /* most positions: two compares, no call (s[0] is not NUL) */
  size_t pl = strlen(pfx);
  if (strncmp(s, pfx, pl) != 0) return 0;
  size_t n = pl;
  while (tokch(s[n])) n++;
  return n - pl >= minbody ? n : 0;
}

static size_t match_aws_key_id(const char *s) {
  static const char *const pfx[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", NULL};
  if (s[0] != 'A' || !strchr("KSGIRN", s[1]) || !s[1]) return 0; /* the second letters of pfx */
  for (const char *const *p = pfx; *p; p++) {
    if (strncmp(s, *p, 4) != 0) continue;
    size_t n = 4;
    while (n < 20 && (is_upper(s[n]) || is_digit(s[n]))) n++;
    if (n == 20 && !is_alnum(s[n])) return n;
  }
  return 0;
}

/* eyJ...: three base64url segments separated by dots. */
static size_t match_jwt(const char *s) {
  if (s[0] != 'e' || strncmp(s, "eyJ", 3) != 0) return 0;
  size_t n = 0;
  int dots = 0;
  while (tokch(s[n]) || s[n] == '.') {
    if (s[n] == '.') dots++;
    n++;
  }
  return dots == 2 && n >= 20 ? n : 0;
}

static size_t match_pem_private(const char *s) {
  if (s[0] != '-' || strncmp(s, "-----BEGIN ", 11) != 0) return 0;
  const char *eol = strstr(s, "-----\n");
  const char *hdr_end = strstr(s + 11, "-----");
  if (!hdr_end) return 0;
  if (!memmem(s, (size_t)(hdr_end - s), "PRIVATE KEY", 11)) return 0;
  const char *end = strstr(hdr_end, "-----END ");
  if (!end) return strlen(s); /* a torn block: drop the rest */
  const char *close = strstr(end + 9, "-----");
  (void)eol;
  return close ? (size_t)(close + 5 - s) : strlen(s);
}

/* Generic "long high-entropy token" after a known prefix family (a family
 * with a new first character is marked C_START in char_class too). */
static size_t match_token(const char *s) {
  static const struct { const char *pfx; size_t min; } fams[] = {
      {"hf_", 20},  {"ghp_", 20}, {"gho_", 20}, {"ghu_", 20},  {"ghs_", 20},
      {"ghr_", 20}, {"github_pat_", 20}, {"glpat-", 16}, {"xoxb-", 10}, {"xoxp-", 10},
      {"xoxa-", 10}, {"xoxs-", 10}, {"sk-", 20}, {"sk_live_", 16}, {"rk_live_", 16},
      {"npm_", 30}, {"pypi-", 30}, {"AIza", 30},
  };
  for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
    size_t n = match_prefixed(s, fams[i].pfx, fams[i].min);
    if (n) return n;
  }
  return 0;
}

/* Where a pattern below can begin: C_START marks the first characters of
 * every pattern (PEM, token families, AWS key ids, JWTs; a family with a new
 * first character is added here), which match only after a character that
 * is not C_TOK (tokch); C_COLON, the "://" of a URL. One table lookup a byte
 * lets the scan skip the long runs of ordinary text (paths, most of what the
 * agent receives) at a few cycles a byte. */
enum { C_TOK = 1, C_START = 2, C_COLON = 4 };
static const unsigned char char_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 0, 0, 0, 0, 0,
    0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 3, 1, 3, 3, 1, 1, 1, 1, 1, 3, 1,
    3, 1, 3, 3, 1, 1, 1, 1, 3, 1, 1, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int may_start(char c) { return char_class[(unsigned char)c] & C_START; }

/* The first position at or after i (< len) where a pattern may begin, or
 * len. (An SSE2 version, 16 bytes a step, was no faster on paths: they hold
 * a candidate every few dozen bytes.) */
static size_t next_candidate(const char *s, size_t i, size_t len) {
  unsigned prev = i ? char_class[(unsigned char)s[i - 1]] : 0;
  for (; i < len; i++) {
    unsigned c = char_class[(unsigned char)s[i]];
    /* C_START (2) without C_TOK (1) before it, or C_COLON (4): one branch */
    if ((c & (C_COLON | (C_START & ~(prev << 1)))) != 0) return i;
    prev = c;
  }
  return len;
}

/* The one pass behind mp_redact_value and mp_redact_value_changes: copies s
 * (len bytes) to out with secret-looking parts replaced and returns 1 when
 * anything was; with out NULL it only tells, and stops at the first secret. */
static int redact_scan(const char *s, size_t len, char *out) {
  int changed = 0;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    size_t j = next_candidate(s, i, len);
    if (out) memcpy(out + o, s + i, j - i);
    o += j - i;
    i = j;
    if (i == len) break;
    size_t m = 0;
    if (may_start(s[i]) && (i == 0 || !tokch(s[i - 1]))) {
      m = match_pem_private(s + i);
      if (!m) m = match_token(s + i);
      if (!m) m = match_aws_key_id(s + i);
      if (!m) m = match_jwt(s + i);
    }
    /* scheme://user:password@host -> scheme://user:[REDACTED]@host */
    if (!m && s[i] == ':' && strncmp(s + i, "://", 3) == 0) {
      size_t a = i + 3, e = a;
      while (s[e] && !strchr("/?# \t\n\"'", s[e])) e++;
      const char *at = NULL;
      for (size_t k = a; k < e; k++)
        if (s[k] == '@') at = s + k;
      const char *colon = at ? memchr(s + a, ':', (size_t)(at - (s + a))) : NULL;
      if (colon) {
        if (!out) return 1;
        size_t keep = (size_t)(colon - s) + 1 - i; /* "://user:" */
        memcpy(out + o, s + i, keep);
        o += keep;
        memcpy(out + o, MP_REDACTED, sizeof MP_REDACTED - 1);
        o += sizeof MP_REDACTED - 1;
        i = (size_t)(at - s);
        changed = 1;
        continue;
      }
    }
    if (m) {
      if (!out) return 1;
      memcpy(out + o, MP_REDACTED, sizeof MP_REDACTED - 1);
      o += sizeof MP_REDACTED - 1;
      i += m;
      changed = 1;
      continue;
    }
    if (out) out[o] = s[i];
    o++, i++;
  }
  if (out) out[o] = '\0';
  return changed;
}

char *mp_redact_value(const char *s, int *changed) {
  if (changed) *changed = 0;
  if (!s) return NULL;
  size_t len = strlen(s);
  size_t cap = len * 3 + sizeof MP_REDACTED + 16; /* a URL password may grow 2.5x */
  char *out = malloc(cap);
  if (!out) return NULL;
  int ch = redact_scan(s, len, out);
  if (changed) *changed = ch;
  return out;
}

int mp_redact_value_changes(const char *s) { return s && redact_scan(s, strlen(s), NULL); }

int mp_redact_text_changes(const char *s, size_t len) { return redact_scan(s, len, NULL); }

char *mp_redact_named(const char *name, const char *value) {
  if (mp_redact_name_is_secret(name)) return strdup(MP_REDACTED);
  return mp_redact_value(value, NULL);
}

void mp_strv_free(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

char **mp_redact_argv(const char *const *argv) {
  size_t n = 0;
  while (argv[n]) n++;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) return NULL;
  int redact_next = 0;
  for (size_t i = 0; i < n; i++) {
    const char *a = argv[i];
    if (redact_next && a[0] != '-') {
      out[i] = strdup(MP_REDACTED);
      redact_next = 0;
    } else if (a[0] == '-' && a[1] && strchr(a, '=')) {
      const char *eq = strchr(a, '=');
      char name[256];
      size_t nl = (size_t)(eq - a) < sizeof name - 1 ? (size_t)(eq - a) : sizeof name - 1;
      memcpy(name, a, nl);
      name[nl] = '\0';
      if (mp_redact_name_is_secret(name)) {
        size_t len = (size_t)(eq - a) + 1 + sizeof MP_REDACTED;
        out[i] = malloc(len);
        if (out[i]) {
          memcpy(out[i], a, (size_t)(eq - a) + 1);
          memcpy(out[i] + (eq - a) + 1, MP_REDACTED, sizeof MP_REDACTED);
        }
      } else {
        out[i] = mp_redact_value(a, NULL);
      }
      redact_next = 0;
    } else {
      out[i] = mp_redact_value(a, NULL);
      redact_next = a[0] == '-' && a[1] && mp_redact_name_is_secret(a);
    }
    if (!out[i]) {
      mp_strv_free(out);
      return NULL;
    }
  }
  return out;
}

json_t *mp_redact_json(const json_t *v, const char *key) {
  if (key && mp_redact_name_is_secret(key)) return json_string(MP_REDACTED);
  if (json_is_string(v)) {
    char *r = mp_redact_value(json_string_value(v), NULL);
    json_t *out = json_string(r ? r : MP_REDACTED);
    free(r);
    return out;
  }
  if (json_is_object(v)) {
    json_t *o = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) json_object_set_new(o, k, mp_redact_json(x, k));
    return o;
  }
  if (json_is_array(v)) {
    json_t *a = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) json_array_append_new(a, mp_redact_json(x, NULL));
    return a;
  }
  return json_deep_copy(v);
}

int mp_redact_bytes_have_secret(const void *data, size_t len) {
  /* NULs end C strings: scan a copy where they become separators. */
  char *text = malloc(len + 1);
  if (!text) return 1; /* cannot tell: treat as secret */
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) text[i] = p[i] ? (char)p[i] : '\n';
  text[len] = '\0';
  int changed = 0;
  char *out = mp_redact_value(text, &changed);
  int ok = out != NULL;
  free(out);
  free(text);
  return ok ? changed : 1;
}
