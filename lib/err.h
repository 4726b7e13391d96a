/* err.h — error codes and the error record every libmlprov call fills.
 *
 * Every library function returns 0 or a negative MP_E* code and, on failure,
 * writes a one-line human message into the caller's mp_err. Callers add
 * context with mp_err_prefix() ("reading key k.pem: not a PEM private key").
 * Only main() prints; mp_exit_code() maps a code to the CLI's exit status:
 * 1 when something was checked and refused, 2 for usage or I/O errors.
 */
#ifndef MP_ERR_H
#define MP_ERR_H

#include <stddef.h>

#define MP_ERRNO_MAP(X)                                   \
  X(USAGE, -1, "usage error")                             \
  X(IO, -2, "I/O error")                                  \
  X(NOMEM, -3, "out of memory")                           \
  X(PARSE, -4, "malformed input")                         \
  X(VERIFY, -5, "verification failed")                    \
  X(CRYPTO, -6, "cryptographic error")                    \
  X(LIMIT, -7, "limit exceeded")                          \
  X(NOTFOUND, -8, "not found")                            \
  X(UNSUPPORTED, -9, "unsupported")                       \
  X(EXISTS, -10, "already exists")                        \
  X(INTERNAL, -11, "internal error")

enum {
  MP_OK = 0,
#define MP_ERR_ENUM(name, val, text) MP_E##name = val,
  MP_ERRNO_MAP(MP_ERR_ENUM)
#undef MP_ERR_ENUM
};

#define MP_ERR_MSG_MAX 1024

typedef struct mp_err {
  int code;                  /* 0 or MP_E* */
  char msg[MP_ERR_MSG_MAX];  /* one line, no trailing newline */
} mp_err;

/* Clears e (may be NULL). */
void mp_err_clear(mp_err *e);
/* Sets code and message; returns code so callers can `return mp_err_set(...)`. */
int mp_err_set(mp_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As mp_err_set, appending ": strerror(errnum)". */
int mp_err_errno(mp_err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prepends "context: " to the message; returns e->code. */
int mp_err_prefix(mp_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the OpenSSL error queue (and clears it); returns code. */
int mp_err_openssl(mp_err *e, int code, const char *what);
const char *mp_strerror(int code);
/* 0 -> 0, MP_EVERIFY -> 1, anything else -> 2. */
int mp_exit_code(int code);

#endif
