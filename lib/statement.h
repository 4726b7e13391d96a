/* statement.h — in-toto Statement v1 and SLSA Provenance v1 in their JSON form
 * (what is signed) and their protobuf form (schema/statement.proto,
 * schema/provenance.proto).
 *
 * The JSON form is built and read with jansson and serialized canonically:
 * compact, keys sorted, UTF-8. Checking a statement means converting it to the
 * typed protobuf messages: every field must have the type the spec gives it,
 * required fields must be present, digests must be lowercase hex. Unknown JSON
 * fields are ignored as the spec asks of consumers.
 */
#ifndef MP_STATEMENT_H
#define MP_STATEMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "jsonflat.h"

#define MP_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define MP_SLSA_PROVENANCE_V1 "https://slsa.dev/provenance/v1"
#define MP_STATEMENT_MAX (256u << 20)

/* Canonical serialization (compact, sorted keys); malloc'd, NUL-terminated. */
char *mp_json_canonical(const json_t *v, size_t *len);

/* Parses JSON text strictly (duplicate keys rejected). */
int mp_json_parse(const char *what, const uint8_t *text, size_t len, json_t **out, mp_err *e);

/* A ResourceDescriptor {name, uri, digest:{alg: hex}}; NULL arguments are
 * omitted. Returns a new reference or NULL on OOM. */
json_t *mp_rd_new(const char *name, const char *uri, const char *alg, const char *hex);
/* Sets annotations[key] = value (steals value). */
int mp_rd_annotate(json_t *rd, const char *key, json_t *value);

/* Checks a Statement object (types, required fields, subject digests) and,
 * when predicateType is SLSA Provenance v1, the predicate too. The rules are
 * in stcheck.c, on the flat tree; a jansson tree is checked through its
 * canonical text. */
int mp_statement_check(const json_t *st, mp_err *e);
int mp_statement_check_flat(const mp_jflat *d, mp_err *e);
/* Parses and checks a signed payload. */
int mp_statement_parse(const uint8_t *payload, size_t len, json_t **out, mp_err *e);
/* The same into a flat tree, for the bulk readers (index add). */
int mp_statement_parse_flat(const uint8_t *payload, size_t len, mp_jflat **out, mp_err *e);

/* Statement JSON -> serialized in_toto_attestation.v1.Statement. */
int mp_statement_to_pb(const json_t *st, uint8_t **out, size_t *outlen, mp_err *e);
/* Serialized Statement -> JSON (predicate from its Struct). */
int mp_statement_from_pb(const uint8_t *buf, size_t len, json_t **out, mp_err *e);

/* RFC 3339 UTC timestamp, protobuf-JSON style ("2026-01-02T03:04:05.123Z",
 * fractional digits 0, 3, 6 or 9). buf >= 40 bytes. */
void mp_time_format(const struct timespec *ts, char *buf, size_t len);
/* Parses RFC 3339 ("Z" or +hh:mm offset); -1 if malformed. */
int mp_time_parse(const char *s, struct timespec *ts);



/* "file://" + percent-encoded absolute path (malloc'd). */
char *mp_file_uri(const char *abs_path);

#endif
