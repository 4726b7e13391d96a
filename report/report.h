/* report.h — `mlprov report`: provenance files rendered as one self-contained
 * HTML page for a person reviewing a model.
 *
 * The page has no external resource of any kind (inline CSS, inline JS,
 * inline SVG; a Content-Security-Policy admits only the page's own script and
 * style, by hash) and shows, per envelope: verification status and signers,
 * subjects, datasets with digests and Merkle roots, base models, dependencies
 * grouped by kind and package ecosystem with a filter box, parameters, a
 * timeline of the run, the environment, and whatever else the statement holds
 * (unknown fields are shown as JSON, never dropped). A lineage graph in SVG
 * joins all envelopes: a base model whose digest is a subject of another given
 * provenance is linked to it.
 *
 * Trust: with keys, each envelope is verified (lib/attest.c: signature over
 * the exact payload bytes, then the statement); without, or when verification
 * fails, the payload is still shown, marked UNVERIFIED / NOT VERIFIED on the
 * envelope and in the page header. Every value from a file is escaped as text
 * (report/html.h); no value is ever used as a link, script or style.
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

typedef struct mp_report mp_report;

typedef struct mp_report_opts {
  const mp_key *const *keys; /* trusted keys (borrowed; may be 0 of them) */
  size_t nkeys;
  const char *title;         /* NULL: the first model's name */
  const char *generated;     /* shown as "generated at" (e.g. RFC 3339); NULL: omitted */
} mp_report_opts;

int mp_report_new(const mp_report_opts *o, mp_report **out, mp_err *e);
void mp_report_free(mp_report *r);

/* Adds every envelope of a provenance file (JSON envelope, JSON Lines,
 * Sigstore bundle or mlprov .pb). A file that cannot be read is an error
 * (MP_EIO...); one whose contents are not a provenance is added as an
 * invalid entry, shown with the reason. */
int mp_report_add_file(mp_report *r, const char *path, mp_err *e);
/* Same from memory; `what` names the source on the page. */
int mp_report_add_data(mp_report *r, const char *what, const uint8_t *data, size_t len, mp_err *e);

/* Entries added, and how many of them are not verified: failed, invalid, or
 * (when keys were given) anything short of verified. */
size_t mp_report_count(const mp_report *r);
size_t mp_report_unverified(const mp_report *r);

/* The page, malloc'd and NUL-terminated. */
int mp_report_render(const mp_report *r, char **html, size_t *len, mp_err *e);
/* Renders and writes the page atomically to path. */
int mp_report_write(const mp_report *r, const char *path, mp_err *e);

#endif
