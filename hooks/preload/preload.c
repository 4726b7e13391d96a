/* preload.c — libmlprov-preload.so: the libc functions the LD_PRELOAD hook
 * interposes (docs/preload.md). Each one calls the real function first and
 * reports only what succeeded, through chan.c, which buffers; errno and the
 * return value are the real function's, always.
 *
 *   opened for reading       open*, openat*, __open*_2 (fortified), fopen*,
 *                            freopen* with O_RDONLY or O_RDWR without O_TRUNC
 *   written                  the same with O_WRONLY or O_RDWR, creat*, and the
 *                            new name of rename/renameat/renameat2
 *   exec'd programs          every process image that loads this library
 *                            reports itself from its constructor (path from
 *                            /proc/self/exe, argv as given), so exec through
 *                            any route (execve, execvp, system, popen,
 *                            posix_spawn) is seen once. The exec and spawn
 *                            functions also report the program themselves
 *                            when it will not load this library: a static or
 *                            setuid binary, or an environment without our
 *                            LD_PRELOAD or MLPROV_SOCKET.
 *   before exec and _exit    the buffer is sent (the image is about to go)
 *
 * Real functions are found with dlsym(RTLD_NEXT) on first use, so calls made
 * before this library's constructor (by other libraries' constructors) work.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chan.h"
#include "wire.h"

#define API __attribute__((visibility("default")))

extern char **environ;

/* Fortified entry points (bits/fcntl2.h declares them only under
 * _FORTIFY_SOURCE). */
API int __open_2(const char *path, int flags);
API int __open64_2(const char *path, int flags);
API int __openat_2(int dirfd, const char *path, int flags);
API int __openat64_2(int dirfd, const char *path, int flags);

static void *real_sym(void **slot, const char *name) {
  void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (!p) {
    p = dlsym(RTLD_NEXT, name);
    __atomic_store_n(slot, p, __ATOMIC_RELEASE);
  }
  return p;
}

#define REAL(name)                                             \
  ({                                                           \
    static void *slot_;                                        \
    (__typeof__(&name))real_sym(&slot_, #name);                \
  })

/* --- what an open means ----------------------------------------------------- */

/* The kind an open with these flags reports first (0: none); an O_RDWR
 * open without O_TRUNC reports a read, then a write. */
static int first_kind(int flags) {
  if (flags & (O_PATH | O_DIRECTORY)) return 0; /* O_TMPFILE includes O_DIRECTORY */
  int acc = flags & O_ACCMODE;
  if (acc == O_RDONLY || (acc == O_RDWR && !(flags & O_TRUNC))) return MP_WIRE_FILE_READ;
  return acc == O_WRONLY || acc == O_RDWR ? MP_WIRE_FILE_WRITTEN : 0;
}

static void before_open(mp_chan_pending *p, int dirfd, const char *path, int flags) {
  mp__chan_path_prepare(p, first_kind(flags), dirfd, path);
}

/* After a successful open prepared by before_open. */
static void opened(mp_chan_pending *p, int flags) {
  mp__chan_path_report(p);
  if (p->kind == MP_WIRE_FILE_READ && (flags & O_ACCMODE) == O_RDWR)
    mp__chan_path(MP_WIRE_FILE_WRITTEN, p->dirfd, p->path);
}

/* fopen(3) mode string -> open(2) flags, as glibc reads it. */
static int mode_flags(const char *mode) {
  if (!mode) return O_RDONLY;
  int plus = strchr(mode, '+') != NULL;
  switch (mode[0]) {
    case 'w': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
    case 'a': return (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
    default: return plus ? O_RDWR : O_RDONLY;
  }
}

#define NEEDS_MODE(flags) (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE)
#define TAKE_MODE(flags, mode)        \
  mode_t mode = 0;                    \
  if (NEEDS_MODE(flags)) {            \
    va_list ap;                       \
    va_start(ap, flags);              \
    mode = va_arg(ap, mode_t);        \
    va_end(ap);                       \
  }

#define OPEN_WRAPPER(name)                            \
  API int name(const char *path, int flags, ...) {    \
    TAKE_MODE(flags, mode);                           \
    mp_chan_pending p;                                \
    before_open(&p, AT_FDCWD, path, flags);           \
    int fd = REAL(name)(path, flags, mode);           \
    if (fd >= 0) opened(&p, flags);                   \
    return fd;                                        \
  }
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(name)                                   \
  API int name(int dirfd, const char *path, int flags, ...) {  \
    TAKE_MODE(flags, mode);                                    \
    mp_chan_pending p;                                         \
    before_open(&p, dirfd, path, flags);                       \
    int fd = REAL(name)(dirfd, path, flags, mode);             \
    if (fd >= 0) opened(&p, flags);                            \
    return fd;                                                 \
  }
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define OPEN2_WRAPPER(name)                      \
  API int name(const char *path, int flags) {    \
    mp_chan_pending p;                           \
    before_open(&p, AT_FDCWD, path, flags);      \
    int fd = REAL(name)(path, flags);            \
    if (fd >= 0) opened(&p, flags);              \
    return fd;                                   \
  }
OPEN2_WRAPPER(__open_2)
OPEN2_WRAPPER(__open64_2)

#define OPENAT2_WRAPPER(name)                              \
  API int name(int dirfd, const char *path, int flags) {   \
    mp_chan_pending p;                                     \
    before_open(&p, dirfd, path, flags);                   \
    int fd = REAL(name)(dirfd, path, flags);               \
    if (fd >= 0) opened(&p, flags);                        \
    return fd;                                             \
  }
OPENAT2_WRAPPER(__openat_2)
OPENAT2_WRAPPER(__openat64_2)

#define CREAT_WRAPPER(name)                                     \
  API int name(const char *path, mode_t mode) {                 \
    const int flags = O_WRONLY | O_CREAT | O_TRUNC;             \
    mp_chan_pending p;                                          \
    before_open(&p, AT_FDCWD, path, flags);                     \
    int fd = REAL(name)(path, mode);                            \
    if (fd >= 0) opened(&p, flags);                             \
    return fd;                                                  \
  }
CREAT_WRAPPER(creat)
CREAT_WRAPPER(creat64)

#define FOPEN_WRAPPER(name)                                     \
  API FILE *name(const char *path, const char *mode) {          \
    int flags = mode_flags(mode);                               \
    mp_chan_pending p;                                          \
    before_open(&p, AT_FDCWD, path, flags);                     \
    FILE *f = REAL(name)(path, mode);                           \
    if (f) opened(&p, flags);                                   \
    return f;                                                   \
  }
FOPEN_WRAPPER(fopen)
FOPEN_WRAPPER(fopen64)

#define FREOPEN_WRAPPER(name)                                            \
  API FILE *name(const char *path, const char *mode, FILE *stream) {     \
    int flags = mode_flags(mode);                                        \
    mp_chan_pending p;                                                   \
    before_open(&p, AT_FDCWD, path, flags);                              \
    FILE *f = REAL(name)(path, mode, stream);                            \
    if (f) opened(&p, flags);                                            \
    return f;                                                            \
  }
FREOPEN_WRAPPER(freopen)
FREOPEN_WRAPPER(freopen64)

API int rename(const char *from, const char *to) {
  int rc = REAL(rename)(from, to);
  if (rc == 0) mp__chan_path(MP_WIRE_FILE_WRITTEN, AT_FDCWD, to);
  return rc;
}

API int renameat(int fromfd, const char *from, int tofd, const char *to) {
  int rc = REAL(renameat)(fromfd, from, tofd, to);
  if (rc == 0) mp__chan_path(MP_WIRE_FILE_WRITTEN, tofd, to);
  return rc;
}

API int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags) {
  int rc = REAL(renameat2)(fromfd, from, tofd, to, flags);
  if (rc == 0) mp__chan_path(MP_WIRE_FILE_WRITTEN, tofd, to);
  /* RENAME_EXCHANGE: both names now hold content the job placed there */
  if (rc == 0 && (flags & RENAME_EXCHANGE)) mp__chan_path(MP_WIRE_FILE_WRITTEN, fromfd, from);
  return rc;
}

API int chdir(const char *path) {
  int rc = REAL(chdir)(path);
  if (rc == 0) mp__chan_cwd_changed();
  return rc;
}

API int fchdir(int fd) {
  int rc = REAL(fchdir)(fd);
  if (rc == 0) mp__chan_cwd_changed();
  return rc;
}

/* --- exec ------------------------------------------------------------------- */

/* PATH search as execvp does it: the first executable candidate. */
static int search_path(const char *file, char *out, size_t outlen) {
  const char *p = getenv("PATH");
  if (!p) p = "/bin:/usr/bin";
  size_t fl = strlen(file);
  while (*p) {
    const char *colon = strchr(p, ':');
    size_t dl = colon ? (size_t)(colon - p) : strlen(p);
    if (dl + 1 + fl < outlen) {
      if (dl) {
        memcpy(out, p, dl);
        out[dl] = '/';
        memcpy(out + dl + 1, file, fl + 1);
      } else {
        memcpy(out, file, fl + 1); /* empty entry: the working directory */
      }
      if (access(out, X_OK) == 0) return 0;
    }
    if (!colon) break;
    p = colon + 1;
  }
  return -1;
}

static int env_has(char *const envp[], const char *name, const char *needle) {
  size_t nl = strlen(name);
  for (char *const *e = envp; e && *e; e++)
    if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=')
      return needle ? strstr(*e + nl + 1, needle) != NULL : (*e)[nl + 1] != '\0';
  return 0;
}

/* Whether the new image will load this library and report itself: a dynamic
 * ELF (PT_INTERP) or a #! script, not set-id, with our LD_PRELOAD and
 * MLPROV_SOCKET in its environment. 1 also when the exec is bound to fail
 * (no such file): nothing is reported for it. */
static int will_report_itself(int fd, char *const envp[]) {
  struct stat st;
  if (fstat(fd, &st) != 0 || (st.st_mode & (S_ISUID | S_ISGID))) return 0;
  ElfW(Ehdr) eh;
  ssize_t n = pread(fd, &eh, sizeof eh, 0);
  int dynamic = 0;
  if (n >= 2 && memcmp(&eh, "#!", 2) == 0) {
    dynamic = 1;
  } else if (n == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
             eh.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
             eh.e_phentsize == sizeof(ElfW(Phdr))) {
    for (unsigned i = 0; i < eh.e_phnum && i < 256 && !dynamic; i++) {
      ElfW(Phdr) ph;
      if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (size_t)i * sizeof ph)) != (ssize_t)sizeof ph) break;
      dynamic = ph.p_type == PT_INTERP;
    }
  }
  const char *self = mp__chan_self_path();
  return dynamic && *self && env_has(envp, "LD_PRELOAD", self) && env_has(envp, "MLPROV_SOCKET", NULL);
}

/* Called before an exec or after a spawn of file (dirfd-relative, PATH
 * searched when search is set): reports the program when its image will
 * not. */
static void check_untraced(int dirfd, const char *file, int search, char *const argv[], char *const envp[]) {
  if (!file || !mp__chan_on()) return;
  int saved = errno;
  char found[PATH_MAX], abs[PATH_MAX];
  const char *path = file;
  if (search && *file && !strchr(file, '/')) {
    if (search_path(file, found, sizeof found) != 0) goto out; /* exec will fail */
    path = found;
  }
  int fd = *path ? REAL(openat)(dirfd, path, O_RDONLY | O_CLOEXEC)
                 : (dirfd >= 0 ? REAL(fcntl)(dirfd, F_DUPFD_CLOEXEC, 0) : -1);
  if (fd < 0 && errno == ENOENT) goto out;
  int itself = fd >= 0 && will_report_itself(fd, envp ? envp : environ);
  if (!itself) {
    const char *shown = path;
    char link[32];
    if (fd >= 0) {
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t n = readlink(link, abs, sizeof abs - 1);
      if (n > 0) {
        abs[n] = '\0';
        shown = abs;
      }
    }
    mp__chan_exec(shown, (const char *const *)argv);
  }
  if (fd >= 0) close(fd);
out:
  errno = saved;
}

static void before_exec(int dirfd, const char *file, int search, char *const argv[], char *const envp[]) {
  check_untraced(dirfd, file, search, argv, envp);
  mp__chan_flush(1);
}

API int execve(const char *path, char *const argv[], char *const envp[]) {
  before_exec(AT_FDCWD, path, 0, argv, envp);
  return REAL(execve)(path, argv, envp);
}

API int execv(const char *path, char *const argv[]) {
  before_exec(AT_FDCWD, path, 0, argv, environ);
  return REAL(execv)(path, argv);
}

API int execvp(const char *file, char *const argv[]) {
  before_exec(AT_FDCWD, file, 1, argv, environ);
  return REAL(execvp)(file, argv);
}

API int execvpe(const char *file, char *const argv[], char *const envp[]) {
  before_exec(AT_FDCWD, file, 1, argv, envp);
  return REAL(execvpe)(file, argv, envp);
}

API int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  before_exec(dirfd, path, 0, argv, envp);
  return REAL(execveat)(dirfd, path, argv, envp, flags);
}

API int fexecve(int fd, char *const argv[], char *const envp[]) {
  before_exec(fd, "", 0, argv, envp);
  return REAL(fexecve)(fd, argv, envp);
}

/* execl/execle/execlp: the variadic arguments become an argv on the stack. */
#define COLLECT_ARGS(first, args, ap_after)            \
  size_t n_ = 1;                                       \
  va_list ap_;                                         \
  va_start(ap_, first);                                \
  while (va_arg(ap_, const char *)) n_++;              \
  va_end(ap_);                                         \
  const char *args[n_ + 1];                            \
  args[0] = first;                                     \
  va_start(ap_, first);                                \
  for (size_t i_ = 1; i_ <= n_; i_++) args[i_] = va_arg(ap_, const char *); \
  ap_after;                                            \
  va_end(ap_)

API int execl(const char *path, const char *arg, ...) {
  COLLECT_ARGS(arg, args, (void)0);
  before_exec(AT_FDCWD, path, 0, (char *const *)args, environ);
  return REAL(execv)(path, (char *const *)args);
}

API int execlp(const char *file, const char *arg, ...) {
  COLLECT_ARGS(arg, args, (void)0);
  before_exec(AT_FDCWD, file, 1, (char *const *)args, environ);
  return REAL(execvp)(file, (char *const *)args);
}

API int execle(const char *path, const char *arg, ...) {
  char *const *envp;
  COLLECT_ARGS(arg, args, envp = va_arg(ap_, char *const *));
  before_exec(AT_FDCWD, path, 0, (char *const *)args, envp);
  return REAL(execve)(path, (char *const *)args, envp);
}

API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  int rc = REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
  if (rc == 0) check_untraced(AT_FDCWD, path, 0, argv, envp);
  return rc;
}

API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  int rc = REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
  if (rc == 0) check_untraced(AT_FDCWD, file, 1, argv, envp);
  return rc;
}

/* --- the end of a process image ---------------------------------------------- */

API void _exit(int status) {
  mp__chan_flush(1);
  REAL(_exit)(status);
  for (;;) syscall(SYS_exit_group, status);
}

API void _Exit(int status) {
  mp__chan_flush(1);
  REAL(_Exit)(status);
  for (;;) syscall(SYS_exit_group, status);
}

__attribute__((constructor)) static void on_load(int argc, char **argv, char **envp) {
  (void)argc;
  (void)envp;
  if (!mp__chan_on()) return;
  int saved = errno;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    mp__chan_exec(exe, (const char *const *)argv);
  }
  errno = saved;
}

__attribute__((destructor)) static void on_unload(void) { mp__chan_flush(1); }
