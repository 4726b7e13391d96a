/* pyhook.h — where the Python hook (hooks/python) is, and the PYTHONPATH that
 * makes every Python interpreter of a job load it at start: its
 * mlprov/_boot/sitecustomize.py first, then the mlprov package directory,
 * then the job's own PYTHONPATH. */
#ifndef MP_PYHOOK_H
#define MP_PYHOOK_H

#include "err.h"

/* Environment variable naming the hook directory explicitly. */
#define MP_PYHOOK_ENV "MLPROV_PYTHON_HOOK"

/* Finds the hook directory: the one holding mlprov/__init__.py and
 * mlprov/_boot/sitecustomize.py. A non-empty override is the only place
 * looked at (MP_ENOTFOUND when it is not a hook directory). Otherwise, next to
 * the mlprov binary exe (NULL: /proc/self/exe): EXEDIR/../hooks/python (the
 * build tree), then EXEDIR/../share/mlprov/python (installed under PREFIX).
 * On success *dir is the malloc'd canonical path; MP_ENOTFOUND names every
 * place looked at; MP_EUNSUPPORTED when the path contains ':', which
 * PYTHONPATH cannot express. */
int mp_pyhook_find(const char *exe, const char *override, char **dir, mp_err *e);

/* "PYTHONPATH=DIR/mlprov/_boot:DIR" followed by ":OLD" when old is a
 * non-empty PYTHONPATH (malloc'd; NULL when out of memory). */
char *mp_pyhook_pythonpath(const char *dir, const char *old);

#endif
