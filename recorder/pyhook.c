/* pyhook.c — see pyhook.h. A directory counts as the hook only when both the
 * package and its boot sitecustomize are there, so a stale or partial copy is
 * never put on a job's PYTHONPATH. */
#include "pyhook.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const MARKERS[] = {"mlprov/__init__.py", "mlprov/_boot/sitecustomize.py"};

static int is_file(const char *dir, const char *rel) {
  char p[PATH_MAX];
  struct stat st;
  int n = snprintf(p, sizeof p, "%s/%s", dir, rel);
  return n > 0 && (size_t)n < sizeof p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 and *out (canonical, malloc'd) when dir is a hook directory. */
static int try_dir(const char *dir, char **out) {
  char *real = realpath(dir, NULL);
  if (!real) return 0;
  for (size_t i = 0; i < sizeof MARKERS / sizeof MARKERS[0]; i++)
    if (!is_file(real, MARKERS[i])) {
      free(real);
      return 0;
    }
  *out = real;
  return 1;
}

static int checked(char *dir, char **out, mp_err *e) {
  if (strchr(dir, ':')) {
    int rc = mp_err_set(e, MP_EUNSUPPORTED, "Python hook directory %s contains ':', which PYTHONPATH cannot hold",
                        dir);
    free(dir);
    return rc;
  }
  *out = dir;
  return 0;
}

int mp_pyhook_find(const char *exe, const char *override, char **dir, mp_err *e) {
  *dir = NULL;
  char *found = NULL;
  if (override && *override) {
    if (!try_dir(override, &found))
      return mp_err_set(e, MP_ENOTFOUND, "%s=%s is not a Python hook directory (it needs %s and %s)",
                        MP_PYHOOK_ENV, override, MARKERS[0], MARKERS[1]);
    return checked(found, dir, e);
  }
  char *self = realpath(exe ? exe : "/proc/self/exe", NULL);
  if (!self) return mp_err_errno(e, MP_ENOTFOUND, errno, "locating the mlprov binary %s", exe ? exe : "/proc/self/exe");
  char *slash = strrchr(self, '/');
  if (slash) *slash = '\0';
  static const char *const REL[] = {"../hooks/python", "../share/mlprov/python"};
  char tried[2][PATH_MAX];
  for (size_t i = 0; i < sizeof REL / sizeof REL[0]; i++) {
    snprintf(tried[i], sizeof tried[i], "%s/%s", self, REL[i]);
    if (try_dir(tried[i], &found)) {
      free(self);
      return checked(found, dir, e);
    }
  }
  free(self);
  return mp_err_set(e, MP_ENOTFOUND, "Python hook not found (looked in %s and %s; set %s)", tried[0], tried[1],
                    MP_PYHOOK_ENV);
}

char *mp_pyhook_pythonpath(const char *dir, const char *old) {
  int has_old = old && *old;
  size_t n = strlen("PYTHONPATH=") + 2 * strlen(dir) + strlen("/mlprov/_boot::") + (has_old ? strlen(old) : 0) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "PYTHONPATH=%s/mlprov/_boot:%s%s%s", dir, dir, has_old ? ":" : "", has_old ? old : "");
  return s;
}
