/* yamljson.h — reads a YAML 1.1 document (or JSON, which YAML includes) into a
 * jansson value, for human-written configuration such as policies.
 *
 * Scalars stay strings unless they are plain (unquoted) and look like null,
 * a boolean (true/false/yes/no/on/off), an integer or a float; quoted scalars
 * are always strings. Anchors and aliases are refused (a policy should read
 * the same to a person and to the program), as are duplicate mapping keys,
 * non-scalar keys and multiple documents. Errors give line and column.
 */
#ifndef MP_YAMLJSON_H
#define MP_YAMLJSON_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

int mp_yaml_to_json(const char *what, const char *text, size_t len, json_t **out, mp_err *e);

#endif
