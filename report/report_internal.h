/* report_internal.h — what the report's files share: one entry per envelope
 * (its source, verification outcome, statement) and the renderers of the
 * page's parts. Only report/ includes this. */
#ifndef MP_REPORT_INTERNAL_H
#define MP_REPORT_INTERNAL_H

#include <jansson.h>

#include "html.h"
#include "report.h"

typedef enum mp_report_status {
  MP_REPORT_VERIFIED,   /* signed by a trusted key, statement checked */
  MP_REPORT_UNVERIFIED, /* no trusted key given: statement checked, signature not */
  MP_REPORT_FAILED,     /* keys given, verification refused: shown unauthenticated */
  MP_REPORT_INVALID,    /* not a provenance at all: nothing shown but the reason */
} mp_report_status;

typedef struct mp_report_entry {
  char *source;        /* file (or `what`) it came from */
  int line;            /* line in a JSON Lines file, 0 otherwise */
  char anchor[16];     /* "p1", "p2"...: the id of its section */
  mp_report_status status;
  char reason[MP_ERR_MSG_MAX]; /* why not verified / invalid */
  json_t *statement;   /* the Statement (checked shape), NULL when invalid */
  json_t *signers;     /* [{keyid, keyType?, trusted}] */
} mp_report_entry;

struct mp_report {
  mp_report_opts o;
  char *title;
  char *generated;
  mp_report_entry *entries;
  size_t n;
};

/* The entry's model: the first subject with role "model", else the first. */
const json_t *mp_report_primary(const mp_report_entry *ent);
/* "role" etc. from a ResourceDescriptor's annotations. */
const char *mp_report_ann(const json_t *rd, const char *key);
const char *mp_report_status_word(mp_report_status s);
const char *mp_report_status_class(mp_report_status s);
/* The first entry with a subject of this sha256 digest (and that subject). */
const mp_report_entry *mp_report_find_subject(const mp_report *r, const char *sha256, const json_t **subject);
/* The entry's resolvedDependencies of one annotations.kind (new reference). */
json_t *mp_report_deps_of_kind(const mp_report_entry *ent, const char *kind);

/* Sections of one entry (sections.c, deps.c) and the lineage graph (graph.c). */
void mp_report_render_entry(mp_html *h, const mp_report *r, const mp_report_entry *ent);
void mp_report_render_dependencies(mp_html *h, const mp_report_entry *ent);
void mp_report_render_lineage(mp_html *h, const mp_report *r);

/* Small shared pieces of markup. */
void mp_report_digests(mp_html *h, const json_t *digest);
void mp_report_json_value(mp_html *h, const json_t *v);
/* Annotations of a ResourceDescriptor as "key: value" lines, except the keys
 * in skip (NULL-terminated) and, with skip_roots, Merkle-root-like keys. */
void mp_report_annotations(mp_html *h, const json_t *rd, const char *const *skip, int skip_roots);
int mp_report_is_root_key(const char *key);
/* <div class="sub CLS">before TEXT after</div>: before/after are markup,
 * TEXT is escaped; cls may be NULL. */
void mp_report_note(mp_html *h, const char *cls, const char *before, const char *text, const char *after);
/* <td>TEXT</td>, escaped. */
void mp_report_cell(mp_html *h, const char *text);

#endif
