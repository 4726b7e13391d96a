/* jsonflat.h — a strict JSON reader that builds a flat, read-only tree in a
 * handful of allocations, for the bulk paths (`mlprov index add` reads
 * thousands of statements of ~300 dependencies a second) where jansson's one
 * allocation per value and per member costs more than everything else.
 *
 * It accepts exactly what json_loadb(JSON_REJECT_DUPLICATES) accepts — RFC
 * 8259, UTF-8 only, an object or array at the top, no duplicate keys, no
 * \u0000, integers that fit int64_t, reals that do not overflow, nesting up to
 * 2048 — so that a statement the index reads is the statement `mlprov verify`
 * reads (tests/fuzz/fuzz_jsonflat.c holds the two parsers to that, value by
 * value). One difference: jansson lets a NUL byte follow a number or a
 * literal, this reader refuses every NUL byte (none is valid JSON). Reading
 * a statement goes through this reader first (stcheck.c), so that quirk
 * never lets jansson accept what was refused here.
 *
 * Values are numbered nodes in document order; a container's members follow
 * it, and every node knows where its subtree ends, so walking is a loop over
 * an array. Strings are NUL-terminated (no NUL can be inside one) and live
 * as long as the document. */
#ifndef MP_JSONFLAT_H
#define MP_JSONFLAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum {
  MP_JF_NONE = 0, /* "no such value": what lookups return for absent members */
  MP_JF_OBJECT,
  MP_JF_ARRAY,
  MP_JF_STRING,
  MP_JF_INTEGER,
  MP_JF_REAL,
  MP_JF_TRUE,
  MP_JF_FALSE,
  MP_JF_NULL,
} mp_jf_type;

#define MP_JF_MAX_DEPTH 2048

typedef struct mp_jflat mp_jflat;
/* A value of a document; 0 is "none" and every accessor accepts it. */
typedef uint32_t mp_jv;

/* Parses text[0..len). The message names what and the line and column. */
int mp_jflat_parse(const char *what, const uint8_t *text, size_t len, mp_jflat **out, mp_err *e);
void mp_jflat_free(mp_jflat *d);

mp_jv mp_jflat_root(const mp_jflat *d);
mp_jf_type mp_jflat_type(const mp_jflat *d, mp_jv v);
/* Members of an object, elements of an array; 0 for anything else. */
size_t mp_jflat_size(const mp_jflat *d, mp_jv v);
/* Member `key` of object v, or 0. */
mp_jv mp_jflat_get(const mp_jflat *d, mp_jv obj, const char *key);
/* First member or element of a container, and the one after v; 0 at the end. */
mp_jv mp_jflat_first(const mp_jflat *d, mp_jv container);
mp_jv mp_jflat_next(const mp_jflat *d, mp_jv v);
/* The key of an object member (NULL for array elements). */
const char *mp_jflat_key(const mp_jflat *d, mp_jv member);
/* String value (NULL unless a string) and its length. */
const char *mp_jflat_str(const mp_jflat *d, mp_jv v);
size_t mp_jflat_len(const mp_jflat *d, mp_jv v);
/* Integer value (0 unless an integer); real value of a number. */
int64_t mp_jflat_int(const mp_jflat *d, mp_jv v);
double mp_jflat_real(const mp_jflat *d, mp_jv v);

#define mp_jflat_foreach(d, container, v) \
  for (mp_jv v = mp_jflat_first(d, container); v; v = mp_jflat_next(d, v))

#endif
