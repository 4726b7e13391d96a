/* lineage.h — following a model to the models it was trained from.
 *
 * A provenance names its base models in resolvedDependencies (annotations.kind
 * "base-model"): their digest, where the model was (uri) and where its own
 * provenance is (annotations.provenance). A link is verified when that
 * provenance carries a valid signature by a trusted key and names the base
 * model's digest as a subject. `mlprov lineage` prints the tree; the policy
 * gate (gate.c) walks the same links.
 */
#ifndef MP_LINEAGE_H
#define MP_LINEAGE_H

#include <jansson.h>
#include <stdio.h>

#include "err.h"
#include "keys.h"
#include "pbview.h"

/* Local path of a resource descriptor's file:// uri (malloc'd) or NULL. */
char *mp_lineage_local_path(const mp_pbs *rd);

/* Finds the provenance of the model with sha256 digest_hex: hint (a path)
 * when it exists, else the first *.intoto.jsonl / *.pb file in dirs (and
 * their subdirectories, two levels) whose statement names that digest.
 * Returns a malloc'd path or NULL. Candidates are only parsed here; callers
 * verify them. */
char *mp_lineage_find(const char *hint, const char *digest_hex, const char *const *dirs, size_t ndirs);

typedef struct mp_verified {
  mp_pb_doc *doc;           /* the verified statement's memory (owned) */
  const mp_pb_statement *statement;
  char *file;              /* the file whose envelope verified (may be the .pb twin) */
  char keyid[65];          /* first trusted key that verified */
  size_t valid;            /* distinct trusted keys that signed */
  int line;                /* envelope line in a JSON Lines file */
} mp_verified;

/* Verifies the envelopes of file with keys and picks one whose statement has
 * a subject with digest_hex (NULL: the first that verifies). 0 on success;
 * MP_EVERIFY with the reason (bad signature, digest not a subject…).
 * For X.intoto.jsonl written by mlprov, the X.pb beside it is used instead
 * when its JSON envelope is byte for byte the one in X.intoto.jsonl: same
 * signed statement, verified from its signed protobuf twin without parsing
 * JSON (much faster on large provenance). */
int mp_lineage_verify_file(const char *file, const mp_key *const *keys, size_t nkeys, size_t min_sigs,
                           const char *digest_hex, mp_verified *out, mp_err *e);
void mp_verified_clear(mp_verified *v);

typedef struct mp_lineage_opts {
  const char *model;
  const char *provenance;          /* NULL: MODEL.intoto.jsonl */
  const mp_key *const *keys;
  size_t nkeys;
  const char *const *search_dirs;
  size_t nsearch;
  int max_depth;                   /* safety bound (default 32) */
  unsigned threads;
} mp_lineage_opts;

/* The lineage tree as JSON: {model, digest, provenance, verified, reason,
 * datasets:[…], base_models:[node…]}; cycles and missing links are marked,
 * never followed twice. Returns 0, or an I/O error for the first model. */
int mp_lineage_tree(const mp_lineage_opts *o, json_t **tree, mp_err *e);
void mp_lineage_print(const json_t *tree, FILE *out);
void mp_lineage_print_dot(const json_t *tree, FILE *out);

#endif
