/* inject.h — how `mlprov run --preload` puts the LD_PRELOAD hook into a job.
 *
 * The library is looked for, in order: $MLPROV_PRELOAD_LIB (must exist when
 * set); libmlprov-preload.so beside the mlprov binary (the build tree); and
 * ../lib/mlprov/libmlprov-preload.so relative to it (an installed
 * PREFIX/bin/mlprov). The path handed to the job is absolute and symlink-free,
 * so it stays valid when the job changes directory.
 */
#ifndef MP_INJECT_H
#define MP_INJECT_H

#include "err.h"

#define MP_PRELOAD_LIB_NAME "libmlprov-preload.so"

/* The library to inject (malloc'd absolute path). MP_ENOTFOUND names every
 * place that was tried. */
int mp_inject_locate(char **path, mp_err *e);
/* "LD_PRELOAD=" + current (space- or colon-separated) + ":" + lib; lib is not
 * added twice. current may be NULL. malloc'd, NULL on OOM. */
char *mp_inject_env(const char *current, const char *lib);

#endif
