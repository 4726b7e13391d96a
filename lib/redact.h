/* redact.h — keeping secrets out of provenance.
 *
 * Two rules, applied to the environment, argv and run parameters:
 * - by name: a variable or option whose name contains TOKEN, SECRET, PASSW,
 *   PASSPHRASE, CREDENTIAL, PRIVATE, KEY, AUTH, COOKIE, SESSION, SIGNATURE, or
 *   starts with AWS_, HF_, HUGGING, GH_, GITHUB_, AZURE_, OPENAI, ANTHROPIC,
 *   WANDB_, NPM_, PYPI_ keeps its name; its value becomes "[REDACTED]";
 * - by value: wherever it appears, text that looks like a credential
 *   (Hugging Face, GitHub, GitLab, Slack, OpenAI-style tokens, AWS access key
 *   ids, JWTs, PEM private-key blocks) is replaced by "[REDACTED]", and the
 *   password of a URL ("scheme://user:pass@host") becomes "[REDACTED]".
 */
#ifndef MP_REDACT_H
#define MP_REDACT_H

#include <jansson.h>
#include <stddef.h>

#define MP_REDACTED "[REDACTED]"

/* 1 when a value named `name` must not be recorded. */
int mp_redact_name_is_secret(const char *name);
/* A malloc'd copy of s with secret-looking parts replaced; NULL on OOM.
 * *changed (may be NULL) is set when anything was replaced. */
char *mp_redact_value(const char *s, int *changed);
/* 1 when mp_redact_value would change s (the same scan, no copy made). */
int mp_redact_value_changes(const char *s);
/* The same for s of len bytes, s[len] being its NUL (no strlen). */
int mp_redact_text_changes(const char *s, size_t len);
/* For NAME=VALUE style pairs: the value to record (malloc'd). */
char *mp_redact_named(const char *name, const char *value);
/* Redacts an argv in place semantics: returns a malloc'd array of malloc'd
 * strings (NULL-terminated). "--api-key X", "--token=X" and secret-looking
 * values are redacted. */
char **mp_redact_argv(const char *const *argv);
void mp_strv_free(char **v);
/* A redacted deep copy of a JSON value: members whose name is secret become
 * "[REDACTED]", strings are redacted by value, recursively. key is the
 * name v is stored under (NULL: none). */
json_t *mp_redact_json(const json_t *v, const char *key);
/* 1 when binary data (e.g. an opaque protobuf frame) holds text that looks
 * like a credential (or when that cannot be checked). */
int mp_redact_bytes_have_secret(const void *data, size_t len);

#endif
