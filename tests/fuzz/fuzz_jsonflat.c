/* fuzz_jsonflat.c — libFuzzer target holding the flat JSON reader
 * (jsonflat.h) to jansson: for every input, both accept or both refuse, an
 * accepted document has the same values in both (types, strings byte for
 * byte, numbers, members, order of elements), and the statement checks give
 * the same verdict and message on the flat tree and on the jansson tree. Any
 * difference aborts: the index must read exactly what `verify` reads. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonflat.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const mp_jflat *d, mp_jv v, const json_t *j) {
  switch (mp_jflat_type(d, v)) {
  case MP_JF_OBJECT: {
    if (!json_is_object(j) || json_object_size(j) != mp_jflat_size(d, v)) abort();
    mp_jflat_foreach(d, v, m) {
      json_t *jm = json_object_get(j, mp_jflat_key(d, m));
      if (!jm || mp_jflat_get(d, v, mp_jflat_key(d, m)) != m) abort();
      same(d, m, jm);
    }
    break;
  }
  case MP_JF_ARRAY: {
    if (!json_is_array(j) || json_array_size(j) != mp_jflat_size(d, v)) abort();
    size_t i = 0;
    mp_jflat_foreach(d, v, el) same(d, el, json_array_get(j, i++));
    if (i != json_array_size(j)) abort();
    break;
  }
  case MP_JF_STRING:
    if (!json_is_string(j) || json_string_length(j) != mp_jflat_len(d, v) ||
        memcmp(json_string_value(j), mp_jflat_str(d, v), mp_jflat_len(d, v)) != 0 ||
        strlen(mp_jflat_str(d, v)) != mp_jflat_len(d, v))
      abort();
    break;
  case MP_JF_INTEGER:
    if (!json_is_integer(j) || json_integer_value(j) != mp_jflat_int(d, v)) abort();
    break;
  case MP_JF_REAL:
    if (!json_is_real(j) || memcmp(&(double){json_real_value(j)}, &(double){mp_jflat_real(d, v)}, sizeof(double)))
      abort();
    break;
  case MP_JF_TRUE: if (!json_is_true(j)) abort(); break;
  case MP_JF_FALSE: if (!json_is_false(j)) abort(); break;
  case MP_JF_NULL: if (!json_is_null(j)) abort(); break;
  default: abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
  mp_jflat *d = NULL;
  mp_err e;
  mp_err_clear(&e);
  int rc = mp_jflat_parse("input", data, size, &d, &e);
  if (rc == MP_ENOMEM) {
    json_decref(j);
    return 0;
  }
  /* jansson skips one NUL byte after a number or a literal (its reader
   * mistakes it for the end of its one-byte look-ahead buffer); a NUL byte is
   * never valid JSON, and the flat reader refuses it. Otherwise: same verdict. */
  if (rc == 0 && !j) abort();
  if (rc != 0 && j && !memchr(data, 0, size)) abort();
  if (rc != 0) {
    json_decref(j);
    return 0;
  }
  if (j) {
    same(d, mp_jflat_root(d), j);
    mp_err ej, ef;
    mp_err_clear(&ej);
    mp_err_clear(&ef);
    int cj = mp_statement_check(j, &ej), cf = mp_statement_check_flat(d, &ef);
    if (cj != cf || strcmp(ej.msg, ef.msg) != 0) abort();
  }
  json_decref(j);
  mp_jflat_free(d);
  return 0;
}
