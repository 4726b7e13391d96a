/* badhook.c — a misbehaving hook for the agent's bad-input tests.
 *
 *   badhook garbage|truncated|oversize|badhello|newproto|unknown
 *
 * Connects to $MLPROV_SOCKET and sends what its mode says, then exits 0.
 * "unknown" sends a valid Hello and then an Event whose kind (field 99) this
 * agent does not know plus a known event with an unknown field: both must be
 * kept, not fatal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "event.pb-c.h"
#include "frame.h"

static int connect_agent(void) {
  const char *path = getenv("MLPROV_SOCKET");
  if (!path) return -1;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
  return fd;
}

static void send_all(int fd, const void *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return;
    p = (const char *)p + w;
    n -= (size_t)w;
  }
}

static void send_frame(int fd, const uint8_t *body, size_t n) {
  uint8_t h[4];
  mp_frame_header((uint32_t)n, h);
  send_all(fd, h, 4);
  send_all(fd, body, n);
}

static void send_hello(int fd, uint32_t version) {
  Mlprov__Event__V1__Hello hello = MLPROV__EVENT__V1__HELLO__INIT;
  hello.protocol_version = version;
  hello.pid = getpid();
  hello.hook_kind = MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_C;
  uint8_t buf[256];
  size_t n = mlprov__event__v1__hello__pack(&hello, buf);
  send_frame(fd, buf, n);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: badhook garbage|truncated|oversize|badhello|newproto|unknown\n");
    return 2;
  }
  int fd = connect_agent();
  if (fd < 0) {
    fprintf(stderr, "badhook: cannot connect to MLPROV_SOCKET\n");
    return 1;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "garbage") == 0) {
    send_hello(fd, 1);
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 37 + 11);
    send_frame(fd, junk, sizeof junk); /* a frame whose body is not an Event */
  } else if (strcmp(mode, "truncated") == 0) {
    send_hello(fd, 1);
    uint8_t h[4];
    mp_frame_header(100, h);
    send_all(fd, h, 4);
    send_all(fd, "only-part-of-it", 15);
  } else if (strcmp(mode, "oversize") == 0) {
    send_hello(fd, 1);
    uint8_t h[4];
    mp_frame_header(64u << 20, h);
    send_all(fd, h, 4);
  } else if (strcmp(mode, "badhello") == 0) {
    send_all(fd, "\x00\x00\x00\x03\xff\xff\xff", 7);
  } else if (strcmp(mode, "newproto") == 0) {
    send_hello(fd, 99);
  } else if (strcmp(mode, "unknown") == 0) {
    send_hello(fd, 1);
    /* Event{seq=1, field 99 (length-delimited) = "future"} */
    static const uint8_t unknown_kind[] = {0x08, 0x01, 0x9a, 0x06, 0x06, 'f', 'u', 't', 'u', 'r', 'e'};
    send_frame(fd, unknown_kind, sizeof unknown_kind);
    /* Event{seq=2, parameter{key="k", value="v", field 9 = "x"}} */
    static const uint8_t unknown_field[] = {0x08, 0x02, 0x6a, 0x09, 0x0a, 0x01, 'k', 0x12, 0x01, 'v', 0x4a, 0x01, 'x'};
    send_frame(fd, unknown_field, sizeof unknown_field);
  } else {
    fprintf(stderr, "badhook: unknown mode %s\n", mode);
    return 2;
  }
  close(fd);
  return 0;
}
