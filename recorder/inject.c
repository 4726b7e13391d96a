/* inject.c — see inject.h. */
#include "inject.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *usable(const char *candidate) {
  if (access(candidate, R_OK) != 0) return NULL;
  return realpath(candidate, NULL);
}

int mp_inject_locate(char **path, mp_err *e) {
  *path = NULL;
  const char *over = getenv("MLPROV_PRELOAD_LIB");
  if (over && *over) {
    if ((*path = usable(over))) return 0;
    return mp_err_errno(e, MP_ENOTFOUND, errno, "MLPROV_PRELOAD_LIB=%s cannot be read", over);
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return mp_err_errno(e, MP_ENOTFOUND, errno, "finding " MP_PRELOAD_LIB_NAME ": cannot read /proc/self/exe");
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  char beside[PATH_MAX + 64], installed[PATH_MAX + 64];
  snprintf(beside, sizeof beside, "%s/" MP_PRELOAD_LIB_NAME, exe);
  snprintf(installed, sizeof installed, "%s/../lib/mlprov/" MP_PRELOAD_LIB_NAME, exe);
  if ((*path = usable(beside)) || (*path = usable(installed))) return 0;
  return mp_err_set(e, MP_ENOTFOUND, MP_PRELOAD_LIB_NAME " not found (looked for %s and %s); build it with `make` "
                    "or set MLPROV_PRELOAD_LIB", beside, installed);
}

char *mp_inject_env(const char *current, const char *lib) {
  size_t ll = strlen(lib);
  int present = 0;
  /* ld.so separates LD_PRELOAD entries with spaces or colons */
  for (const char *p = current; p && *p;) {
    size_t n = strcspn(p, ": ");
    if (n == ll && strncmp(p, lib, n) == 0) present = 1;
    p += n;
    if (*p) p++;
  }
  int keep = current && *current;
  size_t len = sizeof "LD_PRELOAD=" + (keep ? strlen(current) + 1 : 0) + ll;
  char *out = malloc(len);
  if (!out) return NULL;
  if (present) snprintf(out, len, "LD_PRELOAD=%s", current);
  else if (keep) snprintf(out, len, "LD_PRELOAD=%s:%s", current, lib);
  else snprintf(out, len, "LD_PRELOAD=%s", lib);
  return out;
}
