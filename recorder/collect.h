/* collect.h — what the agent records on its own, without any hook: the host,
 * OS, toolchain, accelerators, container, the git state of the working tree
 * and the (redacted) environment. All collectors are best effort: a missing
 * tool is recorded as absent, never an error. */
#ifndef MP_COLLECT_H
#define MP_COLLECT_H

#include <jansson.h>

/* Runs argv (PATH lookup) in cwd (NULL: current), captures at most max bytes
 * of stdout, gives up after timeout_ms. Returns the exit status (0..255) or
 * -1; *out is malloc'd and NUL-terminated (trailing newlines stripped). */
int mp_capture(const char *const *argv, const char *cwd, size_t max, int timeout_ms, char **out);

/* {hostname, os:{name,id,version,kernel,arch}, cpu:{model,count}, memoryBytes,
 *  toolchain:{libc, cc}, accelerators:{...}, container:{...}, user:{uid,name}} */
json_t *mp_collect_host(void);
/* NAME -> value, secrets redacted (redact.h). */
json_t *mp_collect_environment(char *const *envp);
/* {repository, commit, branch, dirty, changedFiles} or NULL outside a repo. */
json_t *mp_collect_git(const char *cwd);

#endif
