/* event_sink.c — a stand-in agent that records exactly what hooks send, for
 * tests that count events (the real agent de-duplicates, which would hide a
 * hook sending a path twice).
 *
 *   event_sink OUT -- COMMAND [ARGS]...
 *
 * Listens on a private socket, runs COMMAND with MLPROV_SOCKET pointing at it
 * (the caller sets LD_PRELOAD), and writes one line per event to OUT:
 * "read PATH", "written PATH", "exec PATH", "stats SENT DROPPED", "other".
 * When the command has exited and every connection is closed, prints
 * "connections N reads R hellos H events E dropped D bad B" and exits with
 * the command's status (bad: undecodable, oversize or torn frames). R counts
 * the read() calls that returned data, on all connections: the sink reads as
 * soon as a connection is readable, so a hook that sent each event on its own
 * would show about one read an event when the program is slower than the
 * sink, and a hook that batches shows far fewer reads than events.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.pb-c.h"
#include "frame.h"

#define MAX_CONNS 512

typedef struct conn {
  int fd;
  int hello;
  mp_frame_reader r;
} conn;

static unsigned long reads, hellos, events, dropped, bad;

/* A FileBatch's front-coded paths (schema/event.proto), decoded here on
 * their own rather than with the agent's reader, so that the two are checked
 * against each other: one line a path; 0, or -1 when they do not decode. */
static int batch(const uint8_t *p, size_t n, FILE *out) {
  const uint8_t *end = p + n;
  char path[4096];
  size_t len = 0, count = 0;
  while (p < end) {
    uint64_t v[2] = {0, 0};
    for (int k = 0; k < 2; k++)
      for (int shift = 0;; shift += 7) {
        if (p == end || shift > 28) return -1;
        v[k] |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p++ & 0x80)) break;
      }
    uint64_t shared = v[0] >> 1, rest = v[1];
    if (shared > len || rest > (uint64_t)(end - p) || shared + rest == 0 || shared + rest >= sizeof path) return -1;
    memcpy(path + shared, p, rest);
    p += rest;
    len = shared + rest;
    fprintf(out, "%s %.*s\n", v[0] & 1 ? "written" : "read", (int)len, path);
    count++;
  }
  events += count - 1; /* the frame counted one */
  return 0;
}

static void frame(conn *c, const uint8_t *f, size_t len, FILE *out) {
  if (!c->hello) {
    Mlprov__Event__V1__Hello *h = mlprov__event__v1__hello__unpack(NULL, len, f);
    if (!h) {
      bad++;
      return;
    }
    hellos++;
    c->hello = 1;
    mlprov__event__v1__hello__free_unpacked(h, NULL);
    return;
  }
  Mlprov__Event__V1__Event *ev = mlprov__event__v1__event__unpack(NULL, len, f);
  if (!ev) {
    bad++;
    return;
  }
  events++;
  switch (ev->kind_case) {
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_READ: fprintf(out, "read %s\n", ev->file_read->path); break;
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_WRITTEN: fprintf(out, "written %s\n", ev->file_written->path); break;
    case MLPROV__EVENT__V1__EVENT__KIND_EXEC: fprintf(out, "exec %s\n", ev->exec->path); break;
    case MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH:
      if (batch(ev->file_batch->paths.data, ev->file_batch->paths.len, out) != 0) bad++;
      break;
    case MLPROV__EVENT__V1__EVENT__KIND_HOOK_STATS:
      dropped += ev->hook_stats->events_dropped;
      fprintf(out, "stats %llu %llu\n", (unsigned long long)ev->hook_stats->events_sent,
              (unsigned long long)ev->hook_stats->events_dropped);
      break;
    default: fprintf(out, "other\n"); break;
  }
  mlprov__event__v1__event__free_unpacked(ev, NULL);
}

int main(int argc, char **argv) {
  if (argc < 4 || strcmp(argv[2], "--") != 0) {
    fprintf(stderr, "usage: event_sink OUT -- COMMAND [ARGS]...\n");
    return 2;
  }
  FILE *out = fopen(argv[1], "w");
  char dir[] = "/tmp/mlprov-sink.XXXXXX";
  if (!out || !mkdtemp(dir)) {
    perror("event_sink");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s/s", dir);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 128) != 0) {
    perror("event_sink: listen");
    return 2;
  }
  setenv("MLPROV_SOCKET", addr.sun_path, 1);
  pid_t child = fork();
  if (child == 0) {
    execvp(argv[3], argv + 3);
    _exit(127);
  }
  unsetenv("MLPROV_SOCKET");
  static conn conns[MAX_CONNS];
  size_t nconns = 0;
  unsigned long accepted = 0;
  int status = 0, exited = 0;
  uint8_t buf[65536];
  while (!exited || nconns) {
    if (!exited && waitpid(child, &status, WNOHANG) == child) exited = 1;
    struct pollfd p[MAX_CONNS + 1];
    p[0].fd = ls;
    p[0].events = POLLIN;
    for (size_t i = 0; i < nconns; i++) p[i + 1].fd = conns[i].fd, p[i + 1].events = POLLIN;
    if (poll(p, nconns + 1, 20) < 0 && errno != EINTR) break;
    if ((p[0].revents & POLLIN) && nconns < MAX_CONNS) {
      int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0) {
        conns[nconns].fd = fd;
        conns[nconns].hello = 0;
        mp_frame_reader_init(&conns[nconns].r, 0);
        nconns++;
        accepted++;
      }
    }
    for (size_t i = 0; i < nconns; i++) {
      if (!(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(conns[i].fd, buf, sizeof buf);
      if (n > 0) {
        reads++;
        mp_frame_reader_feed(&conns[i].r, buf, (size_t)n);
        const uint8_t *f;
        size_t len;
        int rc;
        while ((rc = mp_frame_reader_next(&conns[i].r, &f, &len)) == 1) frame(&conns[i], f, len, out);
        if (rc < 0) bad++;
        if (rc >= 0) continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (mp_frame_reader_pending(&conns[i].r)) bad++;
      close(conns[i].fd);
      mp_frame_reader_free(&conns[i].r);
      conns[i] = conns[--nconns];
      p[i + 1] = p[nconns + 1];
      i--;
    }
  }
  fclose(out);
  unlink(addr.sun_path);
  rmdir(dir);
  printf("connections %lu reads %lu hellos %lu events %lu dropped %lu bad %lu\n", accepted, reads, hellos, events,
         dropped, bad);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
