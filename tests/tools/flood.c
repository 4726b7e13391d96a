/* flood.c — a job that floods the agent, for the journal's fault, limit,
 * valgrind and benchmark tests.
 *
 *   flood [--events N] [--conns K] [--acks] [--acked-file F] [--payload B]
 *         [--kill-agent-at I] [--kill-self-at I] [--sync] [--open-only]
 *
 * Opens K connections to $MLPROV_SOCKET (each with its Hello; --acks asks
 * for Acks) and sends N events round-robin: event i (1-based) is a dataset
 * record "rec-<i>" (plus B bytes of padding) for dataset "flood-<k>", k the
 * connection, and every 1000th event also a parameter progress-<k> = i.
 * Records of one connection therefore arrive in order, so the test can
 * recompute each dataset's RFC 9162 root. With --acks it reads Acks without
 * blocking every 64 events and keeps the highest acknowledged record number
 * of connection 0 in F (pwrite, so it is there even after a SIGKILL).
 * --kill-agent-at I sends SIGKILL to the agent (its parent) right after event
 * I, --kill-self-at I to itself. --sync waits for every Ack before exiting.
 * --open-only opens the connections, sends nothing, and sleeps 2 s.
 * Prints "sent S acked A" and exits 0, or 3 when the agent went away. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "event.pb-c.h"
#include "frame.h"

typedef struct conn {
  int fd;
  uint64_t seq;       /* events sent on this connection */
  uint64_t acked;     /* highest seq acknowledged */
  uint64_t *rec_of;   /* seq -> record number (to report acked records) */
  mp_frame_reader rd;
} conn;

static int send_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_msg(int fd, const ProtobufCMessage *m) {
  uint8_t buf[70000];
  size_t n = protobuf_c_message_get_packed_size(m);
  if (n + 4 > sizeof buf) return -1;
  mp_frame_header((uint32_t)n, buf);
  protobuf_c_message_pack(m, buf + 4);
  return send_all(fd, buf, n + 4);
}

static void read_acks(conn *c, int wait_ms) {
  struct pollfd p = {.fd = c->fd, .events = POLLIN};
  while (poll(&p, 1, wait_ms) > 0) {
    uint8_t buf[8192];
    ssize_t got = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got <= 0) return;
    mp_frame_reader_feed(&c->rd, buf, (size_t)got);
    const uint8_t *f;
    size_t len;
    while (mp_frame_reader_next(&c->rd, &f, &len) == 1) {
      Mlprov__Event__V1__Ack *a = mlprov__event__v1__ack__unpack(NULL, len, f);
      if (a && a->seq > c->acked) c->acked = a->seq;
      if (a) mlprov__event__v1__ack__free_unpacked(a, NULL);
    }
    wait_ms = 0;
  }
}

static void note_acked(conn *c, int fd) {
  if (fd < 0) return;
  char line[32];
  uint64_t rec = c->acked ? c->rec_of[c->acked] : 0;
  int n = snprintf(line, sizeof line, "%-20llu\n", (unsigned long long)rec);
  if (pwrite(fd, line, (size_t)n, 0) < 0) perror("flood: acked file");
}

int main(int argc, char **argv) {
  long events = 1000, conns = 1, payload = 0, kill_agent = 0, kill_self = 0;
  int acks = 0, sync_end = 0, open_only = 0;
  const char *acked_file = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
    if (!strcmp(a, "--events")) events = atol(v), i++;
    else if (!strcmp(a, "--conns")) conns = atol(v), i++;
    else if (!strcmp(a, "--payload")) payload = atol(v), i++;
    else if (!strcmp(a, "--kill-agent-at")) kill_agent = atol(v), i++;
    else if (!strcmp(a, "--kill-self-at")) kill_self = atol(v), i++;
    else if (!strcmp(a, "--acked-file")) acked_file = v, i++;
    else if (!strcmp(a, "--acks")) acks = 1;
    else if (!strcmp(a, "--sync")) sync_end = 1;
    else if (!strcmp(a, "--open-only")) open_only = 1;
    else {
      fprintf(stderr, "flood: unknown option %s\n", a);
      return 2;
    }
  }
  if (conns < 1 || events < 0 || payload < 0 || payload > 60000) return 2;
  const char *path = getenv("MLPROV_SOCKET");
  if (!path) {
    fprintf(stderr, "flood: MLPROV_SOCKET is not set\n");
    return 2;
  }
  int afd = acked_file ? open(acked_file, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
  conn *cs = calloc((size_t)conns, sizeof *cs);
  for (long k = 0; k < conns; k++) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    cs[k].fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (cs[k].fd < 0 || connect(cs[k].fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
      fprintf(stderr, "flood: connection %ld: %s\n", k, strerror(errno));
      return 3;
    }
    cs[k].rec_of = calloc((size_t)(events / conns + 2) * 2 + 4, sizeof(uint64_t));
    mp_frame_reader_init(&cs[k].rd, 4096);
    Mlprov__Event__V1__Hello h = MLPROV__EVENT__V1__HELLO__INIT;
    h.protocol_version = 1;
    h.pid = getpid();
    h.hook_kind = MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_C;
    h.hook_version = "flood";
    h.want_acks = acks;
    if (send_msg(cs[k].fd, &h.base) != 0 && !open_only) return 3;
  }
  if (open_only) {
    sleep(2);
    return 0;
  }
  char *pad = malloc((size_t)payload + 64);
  memset(pad, 'p', (size_t)payload + 64);
  int gone = 0;
  long sent = 0;
  for (long i = 1; i <= events && !gone; i++) {
    conn *c = &cs[(i - 1) % conns];
    char data[70000], dsname[32];
    int n = snprintf(data, sizeof data, "rec-%ld", i);
    memcpy(data + n, pad, (size_t)payload);
    snprintf(dsname, sizeof dsname, "flood-%ld", (i - 1) % conns);
    Mlprov__Event__V1__Event ev = MLPROV__EVENT__V1__EVENT__INIT;
    Mlprov__Event__V1__Record r = MLPROV__EVENT__V1__RECORD__INIT;
    r.dataset = dsname;
    r.data.data = (uint8_t *)data;
    r.data.len = (size_t)n + (size_t)payload;
    ev.seq = ++c->seq;
    ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_RECORD;
    ev.record = &r;
    c->rec_of[c->seq] = (uint64_t)i;
    if (send_msg(c->fd, &ev.base) != 0) {
      gone = 1;
      break;
    }
    if (i % 1000 == 0) {
      char key[32], val[32];
      snprintf(key, sizeof key, "progress-%ld", (i - 1) % conns);
      snprintf(val, sizeof val, "%ld", i);
      Mlprov__Event__V1__Parameter p = MLPROV__EVENT__V1__PARAMETER__INIT;
      p.key = key;
      p.value = val;
      ev.seq = ++c->seq;
      ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_PARAMETER;
      ev.parameter = &p;
      c->rec_of[c->seq] = (uint64_t)i;
      if (send_msg(c->fd, &ev.base) != 0) gone = 1;
    }
    sent = i;
    if (acks && (i % 64 == 0 || i == kill_agent || i == kill_self)) {
      read_acks(&cs[0], 0);
      note_acked(&cs[0], afd);
    }
    if (i == kill_agent) kill(getppid(), SIGKILL);
    if (i == kill_self) raise(SIGKILL);
  }
  if (acks) {
    /* what the agent acknowledged before it went away is still readable */
    for (long k = 0; k < conns; k++) {
      int wait = sync_end && !gone ? 10000 : 200;
      while (cs[k].acked < cs[k].seq) {
        uint64_t before = cs[k].acked;
        read_acks(&cs[k], wait);
        if (cs[k].acked == before) break;
      }
    }
    note_acked(&cs[0], afd);
  }
  uint64_t acked = 0;
  for (long k = 0; k < conns; k++) {
    acked += cs[k].acked;
    close(cs[k].fd);
    mp_frame_reader_free(&cs[k].rd);
    free(cs[k].rec_of);
  }
  printf("sent %ld acked %llu\n", sent, (unsigned long long)acked);
  free(pad);
  free(cs);
  if (afd >= 0) close(afd);
  return gone ? 3 : 0;
}
