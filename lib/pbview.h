/* pbview.h — read-only helpers over a decoded protobuf Statement: lookups in
 * google.protobuf.Struct values by key, and the pieces of an SLSA predicate
 * that tools ask for. The predicate of an in-toto Statement is a Struct, so a
 * resource descriptor inside it (a dependency, a byproduct) is a Struct too;
 * subjects are typed ResourceDescriptors. Lookups are linear scans: the
 * Structs in a statement are small (a handful of fields each). */
#ifndef MP_PBVIEW_H
#define MP_PBVIEW_H

#include <stddef.h>

#include "google/protobuf/struct.pb-c.h"
#include "statement.pb-c.h"

typedef Google__Protobuf__Struct mp_pbs;
typedef InTotoAttestation__V1__Statement mp_pb_statement;

const Google__Protobuf__Value *mp_pbs_get(const mp_pbs *s, const char *key);
/* The string / struct / list at key, or NULL when absent or of another type. */
const char *mp_pbs_str(const mp_pbs *s, const char *key);
const mp_pbs *mp_pbs_obj(const mp_pbs *s, const char *key);
const Google__Protobuf__ListValue *mp_pbs_list(const mp_pbs *s, const char *key);
/* 1 true, 0 false, -1 absent or not a boolean. */
int mp_pbs_bool(const mp_pbs *s, const char *key);
/* The number at key, or def. */
double mp_pbs_num(const mp_pbs *s, const char *key, double def);
/* The i-th element of a list if it is a Struct, else NULL. */
const mp_pbs *mp_pbl_obj(const Google__Protobuf__ListValue *l, size_t i);

/* predicate.buildDefinition.resolvedDependencies (may be NULL). */
const Google__Protobuf__ListValue *mp_pb_dependencies(const mp_pb_statement *st);
/* annotations.kind of a resource descriptor inside the predicate. */
const char *mp_pb_rd_kind(const mp_pbs *rd);
/* digest[alg] of a resource descriptor inside the predicate. */
const char *mp_pb_rd_digest(const mp_pbs *rd, const char *alg);
/* 1 when a subject has digest sha256 == hex. */
int mp_pb_has_subject(const mp_pb_statement *st, const char *sha256_hex);

/* A decoded Statement and the memory it lives in. Decoding allocates from an
 * arena (one block per 256 KiB) released at once by mp_pb_doc_free: a
 * provenance with 10,000 dependencies is some 100,000 small messages, and
 * malloc/free per message would cost more than the decoding itself. */
typedef struct mp_pb_doc mp_pb_doc;

/* NULL when buf is not a Statement or on OOM. */
mp_pb_doc *mp_pb_doc_unpack(const uint8_t *buf, size_t len);
const mp_pb_statement *mp_pb_doc_statement(const mp_pb_doc *d);
void mp_pb_doc_free(mp_pb_doc *d);

#endif
