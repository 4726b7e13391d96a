/* attest.h — signed attestations on disk: sign a Statement into a DSSE
 * envelope, write it as BASE.intoto.jsonl (+ BASE.pb), read any of the forms
 * mlprov and the ecosystem use, and verify one envelope down to a checked
 * Statement.
 *
 * Files read: a JSON envelope; JSON Lines of envelopes (one per line, the
 * in-toto convention for <artifact>.intoto.jsonl); a Sigstore bundle (its
 * dsseEnvelope); mlprov's protobuf Attestation (schema/attestation.proto).
 * Files written: BASE.intoto.jsonl holds one envelope on one line; BASE.pb the
 * same envelope plus the Statement as a signed protobuf payload (see
 * schema/attestation.proto), which tools read without parsing JSON. A file
 * already at either path is kept as PATH.~N~ (numbered backup), never
 * overwritten.
 */
#ifndef MP_ATTEST_H
#define MP_ATTEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dsse.h"
#include "jsonflat.h"
#include "err.h"
#include "keys.h"
#include "pbview.h"

#define MP_ATTEST_JSONL_SUFFIX ".intoto.jsonl"
#define MP_ATTEST_PB_SUFFIX ".pb"
#define MP_PB_STATEMENT_TYPE "application/vnd.mlprov.statement.v1+protobuf"

/* Canonical JSON of statement, signed by every key (at least one); the
 * envelope's companion holds the protobuf Statement signed by the same keys. */
int mp_attest_sign(const json_t *statement, const mp_key *const *keys, size_t nkeys,
                   mp_dsse **out, mp_err *e);

typedef struct mp_attest_paths {
  char *jsonl;       /* BASE.intoto.jsonl */
  char *pb;          /* BASE.pb */
  char *jsonl_backup; /* where a previous file was kept, or NULL */
  char *pb_backup;
} mp_attest_paths;

/* Writes both files atomically. with_pb = 0 writes only the JSON Lines file. */
int mp_attest_write(const mp_dsse *env, const char *base, int with_pb, mp_attest_paths *paths,
                    mp_err *e);
void mp_attest_paths_free(mp_attest_paths *p);

typedef struct mp_attest_entry {
  mp_dsse *env;            /* env->companion: the protobuf twin from a .pb file */
  int line;                /* 1-based line in a JSON Lines file, 0 otherwise */
} mp_attest_entry;

typedef struct mp_attest_file {
  mp_attest_entry *entries;
  size_t n;
} mp_attest_file;

int mp_attest_load(const char *path, mp_attest_file **out, mp_err *e);
/* Same, from memory; `what` names the source in messages. */
int mp_attest_parse(const char *what, const uint8_t *data, size_t len, mp_attest_file **out,
                    mp_err *e);
void mp_attest_file_free(mp_attest_file *f);

/* Reads a file piece by piece for mp_attest_parse, so that JSON Lines files of
 * any size (an index export) stream through: a file whose first line is one
 * complete JSON value is JSON Lines and comes one line at a time; anything
 * else (a pretty-printed document, protobuf) comes whole (up to
 * MP_ENVELOPE_MAX). Blank lines are skipped. */
typedef struct mp_attest_reader mp_attest_reader;
int mp_attest_reader_open(const char *path, mp_attest_reader **out, mp_err *e);
/* 1: *data (malloc'd, NUL-terminated, caller frees), *len and *line (1-based,
 * 0 for a whole file); 0: end of file; <0: error. */
int mp_attest_reader_next(mp_attest_reader *r, uint8_t **data, size_t *len, int *line, mp_err *e);
void mp_attest_reader_close(mp_attest_reader *r);

/* Checks the envelope: payloadType, signatures by at least min_sigs distinct
 * keys of keys[], then parses the verified payload bytes into a checked
 * Statement (and, for a .pb entry, verifies the protobuf twin too and requires
 * it to be the same Statement). MP_EVERIFY with the reason when any of that
 * fails. */
int mp_attest_verify(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                     size_t min_sigs, json_t **statement, mp_dsse_result *res, mp_err *e);
/* The same, the Statement as a flat tree (jsonflat.h), for bulk readers. */
int mp_attest_verify_flat(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                          size_t min_sigs, mp_jflat **statement, mp_dsse_result *res, mp_err *e);

/* The fast path for tools: the verified Statement as protobuf (pbview.h;
 * free with mp_pb_doc_free). From a .pb entry only the signed protobuf twin
 * is verified and decoded (no JSON); otherwise the JSON envelope is verified
 * and its payload converted. */
int mp_attest_verify_pb(const mp_attest_entry *ent, const mp_key *const *keys, size_t nkeys,
                        size_t min_sigs, mp_pb_doc **statement, mp_dsse_result *res, mp_err *e);

#endif
