/* preload_probe.c — a program that does what the LD_PRELOAD hook must
 * survive, for tests/integration/test_preload.sh. Each mode works in DIR and
 * exits non-zero (with a message) if the hook changed anything it can see:
 * a return value, errno, or the bytes of one of its own files.
 *
 *   preload_probe io DIR         reads and writes through every open flavour
 *   preload_probe fork DIR       fork: the child and the parent read files
 *   preload_probe vfork DIR      vfork + exec, vfork + open + exec
 *   preload_probe closefds DIR   closefrom, close_range, a close() loop and a
 *                                reuse of the hook's descriptor number
 *   preload_probe exec DIR       exec of a static binary, and with an
 *                                environment without LD_PRELOAD
 *   preload_probe make DIR N     creates DIR/f-0..N-1 (small files)
 *   preload_probe threads DIR N T   T threads open DIR/f-0..N-1, a third each
 *                                with open, openat and fopen; prints the count
 *                                on stdout, elapsed and CPU seconds on stderr
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *dir;

static void fail(const char *what) {
  fprintf(stderr, "preload_probe: %s (errno %d: %s)\n", what, errno, strerror(errno));
  exit(3);
}

/* Not thread-safe: for the single-threaded modes. */
static const char *at(const char *name) {
  static char buf[8][4096];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void put(const char *name, const char *text) {
  FILE *f = fopen(at(name), "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) fail(name);
}

static void read_one(const char *name) {
  int fd = open(at(name), O_RDONLY);
  if (fd < 0) fail(name);
  char b[64];
  if (read(fd, b, sizeof b) < 0) fail(name);
  close(fd);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int mode_io(void) {
  put("in-fopen", "a\n");
  put("in-open", "b\n");
  put("in-openat", "c\n");
  put("in-rdwr", "d\n");
  /* errno is the real function's: ENOENT on failure, untouched on success */
  errno = 0;
  if (open(at("does-not-exist"), O_RDONLY) != -1 || errno != ENOENT) fail("failed open must set ENOENT");
  errno = 1234;
  int fd = open(at("in-open"), O_RDONLY);
  if (fd < 0 || errno != 1234) fail("successful open must leave errno alone");
  close(fd);
  FILE *f = fopen(at("in-fopen"), "r");
  if (!f || errno != 1234) fail("fopen");
  fclose(f);
  int d = open(dir, O_RDONLY | O_DIRECTORY);
  fd = openat(d, "in-openat", O_RDONLY);
  if (fd < 0) fail("openat");
  close(fd);
  fd = openat(d, "out-openat", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "x", 1) != 1) fail("openat create");
  close(fd);
  close(d);
  fd = open(at("in-rdwr"), O_RDWR);
  if (fd < 0) fail("rdwr");
  close(fd);
  fd = creat(at("out-creat"), 0644);
  if (fd < 0 || write(fd, "y", 1) != 1) fail("creat");
  close(fd);
  put("out-tmp", "z\n");
  if (rename(at("out-tmp"), at("out-renamed")) != 0) fail("rename");
  /* a relative path after chdir resolves against the new directory */
  if (chdir(dir) != 0) fail("chdir");
  put("sub-marker", "s\n");
  if (mkdir("sub", 0755) != 0 && errno != EEXIST) fail("mkdir");
  if (chdir("sub") != 0) fail("chdir sub");
  f = fopen("out-relative", "w");
  if (!f) fail("relative fopen");
  fclose(f);
  return 0;
}

static int mode_fork(void) {
  put("fork-child-in", "c\n");
  put("fork-parent-in", "p\n");
  read_one("fork-parent-in");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    read_one("fork-child-in");
    put("fork-child-out", "o\n");
    _exit(0); /* no atexit: the hook must still deliver */
  }
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("fork child");
  return 0;
}

static int mode_vfork(void) {
  put("vfork-cat-in", "v\n");
  put("vfork-opened", "w\n");
  read_one("vfork-cat-in"); /* buffered in the parent before vfork */
  pid_t pid = vfork();
  if (pid < 0) fail("vfork");
  if (pid == 0) {
    char *argv[] = {"cat", (char *)at("vfork-cat-in"), NULL};
    execv("/bin/cat", argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("vfork child 1");
  const char *opened = at("vfork-opened");
  pid = vfork();
  if (pid < 0) fail("vfork");
  if (pid == 0) {
    int fd = open(opened, O_RDONLY); /* in the child, sharing the parent's memory */
    if (fd < 0) _exit(3);
    close(fd);
    char *argv[] = {"true", NULL};
    execv("/bin/true", argv);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("vfork child 2");
  /* posix_spawn (vfork-like clone inside libc) */
  char *argv[] = {"cat", (char *)at("vfork-cat-in"), NULL};
  int rc = posix_spawn(&pid, "/bin/cat", NULL, NULL, argv, environ);
  if (rc != 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("posix_spawn");
  put("vfork-parent-after", "a\n");
  return 0;
}

/* The descriptor of the hook's socket (the only socket this program has). */
static int find_socket(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) fail("opendir /proc/self/fd");
  struct dirent *de;
  int found = -1;
  while ((de = readdir(d))) {
    char link[300], target[256];
    snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0 && (target[n] = '\0', strncmp(target, "socket:", 7) == 0)) found = atoi(de->d_name);
  }
  closedir(d);
  return found;
}

/* Opens a file, waits past the hook's flush interval and opens another, so
 * the hook has sent (and connected) by the time this returns. */
static void read_and_flush(const char *a, const char *b) {
  put(a, "1\n");
  put(b, "2\n");
  read_one(a);
  sleep_ms(250);
  read_one(b);
}

static int mode_closefds(void) {
  read_and_flush("cf-1a", "cf-1b");
  int s = find_socket();
  if (s < 100) fail("the hook should hold a socket on a high descriptor");
  closefrom(3);
  read_and_flush("cf-2a", "cf-2b");
  if (close_range(3, ~0U, 0) != 0) fail("close_range");
  read_and_flush("cf-3a", "cf-3b");
  for (int fd = 3; fd < 4096; fd++) close(fd);
  read_and_flush("cf-4a", "cf-4b");
  /* the program takes the hook's number for a file of its own */
  s = find_socket();
  if (s < 0) fail("the hook should have reconnected");
  close(s);
  int fd = open(at("cf-mine"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || dup2(fd, s) != s) fail("dup2 onto the hook's number");
  close(fd);
  read_and_flush("cf-5a", "cf-5b");
  read_and_flush("cf-6a", "cf-6b");
  struct stat st;
  if (fstat(s, &st) != 0 || st.st_size != 0) fail("the hook wrote into the program's file");
  if (write(s, "mine\n", 5) != 5) fail("write own file");
  close(s);
  return 0;
}

static int mode_exec(void) {
  /* static binary: it cannot load the hook, so the parent reports it */
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    char *argv[] = {"ldconfig", "--version", NULL};
    execv("/sbin/ldconfig", argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("static exec");
  /* an environment without LD_PRELOAD: reported by the parent, once */
  pid = fork();
  if (pid == 0) {
    char *argv[] = {"true", "scrubbed-env", NULL};
    char *envp[] = {"PATH=/bin:/usr/bin", NULL};
    execve("/bin/true", argv, envp);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("scrubbed exec");
  /* the normal case: reported by the new image itself, once; via PATH */
  pid = fork();
  if (pid == 0) {
    execlp("true", "true", "traced-child", (char *)NULL);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) fail("execlp");
  /* a failing exec returns with the real errno and reports nothing */
  errno = 0;
  char *argv[] = {"nope", NULL};
  if (execv(at("no-such-program"), argv) != -1 || errno != ENOENT) fail("failed exec must keep ENOENT");
  return 0;
}

typedef struct work {
  int from, to;
  long bytes;
} work;

static void *reader(void *arg) {
  work *w = arg;
  char path[4096], b[256];
  for (int i = w->from; i < w->to; i++) {
    snprintf(path, sizeof path, "%s/f-%d", dir, i);
    int fd = (i % 3 == 0) ? openat(AT_FDCWD, path, O_RDONLY) : (i % 3 == 1) ? open(path, O_RDONLY) : -2;
    FILE *f = NULL;
    if (fd == -2) {
      f = fopen(path, "r");
      fd = f ? fileno(f) : -1;
    }
    if (fd < 0) fail(path);
    ssize_t n = read(fd, b, sizeof b);
    if (n < 0) fail(path);
    w->bytes += n;
    if (f) fclose(f);
    else close(fd);
  }
  return NULL;
}

static int mode_threads(int n, int t) {
  pthread_t th[64];
  work w[64];
  if (t < 1 || t > 64) fail("1..64 threads");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < t; i++) {
    w[i].from = (int)((long)n * i / t);
    w[i].to = (int)((long)n * (i + 1) / t);
    w[i].bytes = 0;
    if (pthread_create(&th[i], NULL, reader, &w[i]) != 0) fail("pthread_create");
  }
  long total = 0;
  for (int i = 0; i < t; i++) {
    pthread_join(th[i], NULL);
    total += w[i].bytes;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%d files, %ld bytes\n", n, total);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  fprintf(stderr, "elapsed %.6f cpu %.6f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
          (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: preload_probe io|fork|vfork|closefds|exec|threads DIR [N T]\n");
    return 2;
  }
  dir = argv[2];
  const char *m = argv[1];
  if (strcmp(m, "io") == 0) return mode_io();
  if (strcmp(m, "fork") == 0) return mode_fork();
  if (strcmp(m, "vfork") == 0) return mode_vfork();
  if (strcmp(m, "closefds") == 0) return mode_closefds();
  if (strcmp(m, "exec") == 0) return mode_exec();
  if (strcmp(m, "make") == 0 && argc == 4) {
    char path[4096], text[32];
    for (int i = 0, n = atoi(argv[3]); i < n; i++) {
      snprintf(path, sizeof path, "%s/f-%d", dir, i);
      int len = snprintf(text, sizeof text, "%d\n", i);
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || write(fd, text, (size_t)len) != len || close(fd) != 0) fail(path);
    }
    return 0;
  }
  if (strcmp(m, "threads") == 0 && argc == 5) return mode_threads(atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr, "preload_probe: unknown mode %s\n", m);
  return 2;
}
