/* err.c — the mp_err record: setting, prefixing and mapping error codes.
 * Messages are truncated, never overflowed, at MP_ERR_MSG_MAX. */
#include "err.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mp_err_clear(mp_err *e) {
  if (e) {
    e->code = 0;
    e->msg[0] = '\0';
  }
}

static int err_vset(mp_err *e, int code, const char *fmt, va_list ap) {
  if (!e) return code;
  e->code = code;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  return code;
}

int mp_err_set(mp_err *e, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  err_vset(e, code, fmt, ap);
  va_end(ap);
  return code;
}

int mp_err_errno(mp_err *e, int code, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  err_vset(e, code, fmt, ap);
  va_end(ap);
  if (e) {
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
  }
  return code;
}

int mp_err_prefix(mp_err *e, const char *fmt, ...) {
  if (!e) return MP_EINTERNAL;
  char prefix[MP_ERR_MSG_MAX], old[MP_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, e->msg, sizeof old);
  size_t pl = strlen(prefix);
  if (pl > sizeof e->msg - 3) pl = sizeof e->msg - 3;
  memcpy(e->msg, prefix, pl);
  memcpy(e->msg + pl, ": ", 2);
  size_t room = sizeof e->msg - pl - 3, ol = strlen(old);
  if (ol > room) ol = room;
  memcpy(e->msg + pl + 2, old, ol);
  e->msg[pl + 2 + ol] = '\0';
  if (e->code == 0) e->code = MP_EINTERNAL;
  return e->code;
}

int mp_err_openssl(mp_err *e, int code, const char *what) {
  unsigned long ec = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (ec) ERR_error_string_n(ec, buf, sizeof buf);
  ERR_clear_error();
  return mp_err_set(e, code, "%s (%s)", what, buf);
}

const char *mp_strerror(int code) {
  switch (code) {
    case MP_OK: return "success";
#define MP_ERR_CASE(name, val, text) case MP_E##name: return text;
    MP_ERRNO_MAP(MP_ERR_CASE)
#undef MP_ERR_CASE
  }
  return "unknown error";
}

int mp_exit_code(int code) {
  if (code == 0) return 0;
  return code == MP_EVERIFY ? 1 : 2;
}
