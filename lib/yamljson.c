/* yamljson.c — see yamljson.h. Event-driven: libyaml's parser events build
 * the jansson tree recursively (depth limited so hostile input cannot blow
 * the stack). */
#include "yamljson.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define MAX_DEPTH 64

typedef struct yctx {
  yaml_parser_t p;
  const char *what;
  mp_err *e;
} yctx;

static int fail_at(yctx *c, const yaml_event_t *ev, const char *msg) {
  return mp_err_set(c->e, MP_EPARSE, "%s: line %zu column %zu: %s", c->what,
                    ev->start_mark.line + 1, ev->start_mark.column + 1, msg);
}

static int next(yctx *c, yaml_event_t *ev) {
  if (!yaml_parser_parse(&c->p, ev))
    return mp_err_set(c->e, MP_EPARSE, "%s: line %zu column %zu: %s", c->what,
                      c->p.problem_mark.line + 1, c->p.problem_mark.column + 1,
                      c->p.problem ? c->p.problem : "invalid YAML");
  return 0;
}

static json_t *scalar(const yaml_event_t *ev) {
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return json_stringn(s, n);
  if (n == 0 || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0) return json_null();
  if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")) return json_true();
  if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off")) return json_false();
  char *end;
  errno = 0;
  long long ll = strtoll(s, &end, 10);
  if (*end == '\0' && errno == 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) return json_integer(ll);
  double d = strtod(s, &end);
  if (*end == '\0' && errno == 0 && strspn(s, "+-0123456789.eE") == n && strchr(s, '.')) return json_real(d);
  return json_stringn(s, n);
}

static int node(yctx *c, yaml_event_t *ev, int depth, json_t **out);

static int collection(yctx *c, int is_map, int depth, json_t **out) {
  json_t *v = is_map ? json_object() : json_array();
  if (!v) return mp_err_set(c->e, MP_ENOMEM, "out of memory");
  for (;;) {
    yaml_event_t ev;
    if (next(c, &ev)) {
      json_decref(v);
      return c->e ? c->e->code : MP_EPARSE;
    }
    if (ev.type == (is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
      yaml_event_delete(&ev);
      break;
    }
    int rc;
    if (is_map) {
      if (ev.type != YAML_SCALAR_EVENT) {
        rc = fail_at(c, &ev, "mapping keys must be plain strings");
        yaml_event_delete(&ev);
        json_decref(v);
        return rc;
      }
      char *key = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
      yaml_event_t kev = ev;
      if (!key || json_object_get(v, key)) {
        rc = key ? fail_at(c, &kev, "duplicate key") : mp_err_set(c->e, MP_ENOMEM, "out of memory");
        if (key && c->e) {
          size_t l = strlen(c->e->msg);
          snprintf(c->e->msg + l, sizeof c->e->msg - l, " \"%s\"", key);
        }
        free(key);
        yaml_event_delete(&kev);
        json_decref(v);
        return rc;
      }
      yaml_event_delete(&kev);
      yaml_event_t vev;
      json_t *child = NULL;
      if ((rc = next(c, &vev)) || (rc = node(c, &vev, depth + 1, &child))) {
        free(key);
        json_decref(v);
        return rc;
      }
      json_object_set_new(v, key, child);
      free(key);
    } else {
      json_t *child = NULL;
      if ((rc = node(c, &ev, depth + 1, &child))) {
        json_decref(v);
        return rc;
      }
      json_array_append_new(v, child);
    }
  }
  *out = v;
  return 0;
}

/* Consumes the node starting with ev (ev is deleted here). */
static int node(yctx *c, yaml_event_t *ev, int depth, json_t **out) {
  int rc = 0;
  if (depth > MAX_DEPTH) {
    rc = fail_at(c, ev, "nesting too deep");
  } else if ((ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
             (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor) ||
             (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor) ||
             ev->type == YAML_ALIAS_EVENT) {
    rc = fail_at(c, ev, "anchors and aliases are not allowed");
  } else if (ev->type == YAML_SCALAR_EVENT) {
    *out = scalar(ev);
    if (!*out) rc = mp_err_set(c->e, MP_ENOMEM, "out of memory");
  } else if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) {
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    yaml_event_delete(ev);
    return collection(c, is_map, depth, out);
  } else {
    rc = fail_at(c, ev, "unexpected YAML event");
  }
  yaml_event_delete(ev);
  return rc;
}

int mp_yaml_to_json(const char *what, const char *text, size_t len, json_t **out, mp_err *e) {
  yctx c = {.what = what, .e = e};
  if (!yaml_parser_initialize(&c.p)) return mp_err_set(e, MP_ENOMEM, "out of memory");
  yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);
  yaml_event_t ev;
  json_t *doc = NULL;
  int rc = 0;
  int docs = 0;
  for (;;) {
    if ((rc = next(&c, &ev))) break;
    if (ev.type == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
      yaml_event_delete(&ev);
      if (++docs > 1) {
        rc = mp_err_set(e, MP_EPARSE, "%s: more than one YAML document", what);
        break;
      }
      yaml_event_t root;
      if ((rc = next(&c, &root)) || (rc = node(&c, &root, 0, &doc))) break;
      continue;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&c.p);
  if (rc) {
    json_decref(doc);
    return rc;
  }
  if (!doc) return mp_err_set(e, MP_EPARSE, "%s: empty document", what);
  *out = doc;
  return 0;
}
