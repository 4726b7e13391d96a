/* test_preload_wire.c — the LD_PRELOAD hook's hand encoder must produce the
 * very bytes protobuf-c packs for the same messages (schema/event.proto), and
 * its path set must remember exactly what it was given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "filebatch.h"
#include "pathset.h"
#include "unit.h"
#include "wire.h"

/* Packs msg with protobuf-c behind a frame header. */
static size_t reference(const ProtobufCMessage *msg, uint8_t *out) {
  size_t n = protobuf_c_message_pack(msg, out + 4);
  out[0] = (uint8_t)(n >> 24);
  out[1] = (uint8_t)(n >> 16);
  out[2] = (uint8_t)(n >> 8);
  out[3] = (uint8_t)n;
  return n + 4;
}

static void hello_matches_protobuf_c(void **state) {
  (void)state;
  uint8_t mine[512], ref[512];
  Mlprov__Event__V1__Hello h = MLPROV__EVENT__V1__HELLO__INIT;
  h.protocol_version = 1;
  h.pid = 4194304;
  h.hook_kind = MLPROV__EVENT__V1__HOOK_KIND__HOOK_KIND_PRELOAD;
  h.hook_version = "0.1.0";
  size_t n = mp_wire_hello(mine, sizeof mine, 4194304, 3, "0.1.0", NULL);
  assert_int_equal(n, reference(&h.base, ref));
  assert_memory_equal(mine, ref, n);

  /* with a rank, a negative local rank (10-byte varint) and an empty node */
  Mlprov__Event__V1__Rank r = MLPROV__EVENT__V1__RANK__INIT;
  r.rank = 7;
  r.local_rank = -1;
  r.world_size = 8;
  r.node = "";
  r.job_id = "slurm-42";
  h.rank = &r;
  mp_wire_rank wr = {7, -1, 8, "", "slurm-42"};
  n = mp_wire_hello(mine, sizeof mine, 4194304, 3, "0.1.0", &wr);
  assert_int_equal(n, reference(&h.base, ref));
  assert_memory_equal(mine, ref, n);
  /* rank 0 everywhere: the Rank message is present but empty */
  mp_wire_rank zero = {0, 0, 0, "n0", NULL};
  Mlprov__Event__V1__Rank rz = MLPROV__EVENT__V1__RANK__INIT;
  rz.node = "n0";
  rz.job_id = "";
  h.rank = &rz;
  n = mp_wire_hello(mine, sizeof mine, 4194304, 3, "0.1.0", &zero);
  assert_int_equal(n, reference(&h.base, ref));
  assert_memory_equal(mine, ref, n);
  assert_int_equal(mp_wire_hello(mine, 10, 1, 3, "0.1.0", &wr), 0);
}

/* A FileBatch built in place (entries after MP_WIRE_BATCH_HEAD_MAX, then
 * the header) is protobuf-c's encoding of the event, and its paths are the
 * bytes the agent's writer (filebatch.h) gives for the same paths, at every
 * length boundary of the paths field. */
static void batches_match_protobuf_c(void **state) {
  (void)state;
  static uint8_t mine[1 << 17], ref[1 << 17];
  static char names[2000][64];
  static mp_filebatch_buf agent;
  const size_t counts[] = {1, 2, 3, 10, 11, 12, 13, 700, 2000};
  const uint64_t seqs[] = {0, 1, 128, UINT64_MAX};
  const struct timespec times[] = {{1767225600, 123456789}, {0, 0}, {0, 7}};
  for (size_t c = 0; c < sizeof counts / sizeof *counts; c++)
    for (size_t q = 0; q < sizeof seqs / sizeof *seqs; q++)
      for (size_t w = 0; w < sizeof times / sizeof *times; w++) {
        size_t at = MP_WIRE_BATCH_HEAD_MAX;
        const char *prev = "";
        memset(&agent, 0, sizeof agent);
        for (size_t i = 0; i < counts[c]; i++) {
          /* shared prefixes of every length, a path equal to the one before */
          if (i % 9 == 4) memcpy(names[i], names[i - 1], sizeof names[i]); /* the path before again */
          else snprintf(names[i], sizeof names[i], "/d%zu/shard-%05zu.bin", i % 3, i * 37 % 1000);
          int written = i % 4 == 1;
          size_t shared = 99999, want = 0;
          while (prev[want] && prev[want] == names[i][want]) want++;
          size_t k = mp_wire_batch_entry(mine + at, sizeof mine - at, written, prev, strlen(prev), names[i],
                                         strlen(names[i]), &shared);
          assert_true(k > 0);
          assert_int_equal(shared, want);
          assert_int_equal(mp_wire_batch_entry(mine + at, k - 1, written, prev, strlen(prev), names[i],
                                               strlen(names[i]), NULL),
                           0);
          at += k;
          assert_int_equal(mp_filebatch_put(&agent, written, names[i], strlen(names[i])), 0);
          prev = names[i];
        }
        size_t paths_len = at - MP_WIRE_BATCH_HEAD_MAX;
        assert_int_equal(paths_len, agent.len);
        assert_memory_equal(mine + MP_WIRE_BATCH_HEAD_MAX, agent.data, agent.len);
        size_t n = mp_wire_batch_frame(mine, paths_len, seqs[q], &times[w]);
        Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        t.seconds = times[w].tv_sec;
        t.nanos = (int32_t)times[w].tv_nsec;
        Mlprov__Event__V1__FileBatch fb = MLPROV__EVENT__V1__FILE_BATCH__INIT;
        fb.paths.data = agent.data;
        fb.paths.len = agent.len;
        Mlprov__Event__V1__Event ev = MLPROV__EVENT__V1__EVENT__INIT;
        ev.seq = seqs[q];
        ev.time = &t;
        ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH;
        ev.file_batch = &fb;
        assert_int_equal(n, reference(&ev.base, ref));
        assert_memory_equal(mine, ref, n);
        mp_filebatch_buf_free(&agent);
      }
}

static void exec_and_stats_match_protobuf_c(void **state) {
  (void)state;
  uint8_t mine[1024], ref[1024];
  struct timespec ts = {.tv_sec = 5, .tv_nsec = 0};
  Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  t.seconds = 5;
  const char *argv[] = {"python3", "", "train.py", "--lr=0.1", NULL};
  Mlprov__Event__V1__Event ev = MLPROV__EVENT__V1__EVENT__INIT;
  Mlprov__Event__V1__Exec x = MLPROV__EVENT__V1__EXEC__INIT;
  x.path = "/usr/bin/python3.11";
  x.n_argv = 4;
  x.argv = (char **)argv;
  ev.seq = 1;
  ev.time = &t;
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_EXEC;
  ev.exec = &x;
  size_t n = mp_wire_exec_event(mine, sizeof mine, 1, &ts, "/usr/bin/python3.11", argv);
  assert_int_equal(n, reference(&ev.base, ref));
  assert_memory_equal(mine, ref, n);

  Mlprov__Event__V1__HookStats st = MLPROV__EVENT__V1__HOOK_STATS__INIT;
  st.events_sent = 100000;
  st.events_dropped = 3;
  st.note = "preload";
  ev.kind_case = MLPROV__EVENT__V1__EVENT__KIND_HOOK_STATS;
  ev.hook_stats = &st;
  ev.seq = 0; /* proto3: a zero seq is left out by both */
  n = mp_wire_stats_event(mine, sizeof mine, 0, &ts, 100000, 3, "preload");
  assert_int_equal(n, reference(&ev.base, ref));
  assert_memory_equal(mine, ref, n);
}

/* An argv longer than the room keeps a prefix and says how much is missing. */
static void long_exec_is_truncated_with_a_marker(void **state) {
  (void)state;
  static char big[300][40];
  const char *argv[301];
  for (int i = 0; i < 300; i++) {
    snprintf(big[i], sizeof big[i], "argument-number-%03d-xxxxxxxxxxxxxxx", i);
    argv[i] = big[i];
  }
  argv[300] = NULL;
  uint8_t buf[2048];
  struct timespec ts = {1, 2};
  size_t n = mp_wire_exec_event(buf, sizeof buf, 9, &ts, "/bin/prog", argv);
  assert_true(n > 0 && n <= sizeof buf);
  Mlprov__Event__V1__Event *ev = mlprov__event__v1__event__unpack(NULL, n - 4, buf + 4);
  assert_non_null(ev);
  assert_int_equal(ev->kind_case, MLPROV__EVENT__V1__EVENT__KIND_EXEC);
  size_t k = ev->exec->n_argv;
  assert_true(k > 10 && k < 300);
  for (size_t i = 0; i + 1 < k; i++) assert_string_equal(ev->exec->argv[i], argv[i]);
  char want[64];
  snprintf(want, sizeof want, "[mlprov: %zu more argument(s) not recorded]", 300 - (k - 1));
  assert_string_equal(ev->exec->argv[k - 1], want);
  mlprov__event__v1__event__free_unpacked(ev, NULL);
  assert_int_equal(mp_wire_exec_event(buf, 40, 9, &ts, "/bin/prog", argv), 0);
}

/* Adds (kind, key) to s as the hook does: by its fingerprint. */
static int pathset_add(mp_pathset *s, unsigned kind, const char *key, size_t len) {
  return mp_pathset_add_fp(s, mp_pathset_fingerprint(kind, key, len));
}

/* Capacities: fourfold up to 1 MiB, then twofold; keys added with a
 * prefetch between fingerprint and insert (the hook's prepare/report) are
 * found again, and the other kind of the same path is a new key. */
static void pathset_grows_and_splits(void **state) {
  (void)state;
  mp_pathset s = {0};
  mp_pathset_prefetch(&s, mp_pathset_fingerprint(10, "/a", 2)); /* empty: nothing to fetch */
  size_t caps[8], ncaps = 0;
  char p[64];
  for (int i = 0; i < 100000; i++) {
    int n = snprintf(p, sizeof p, "/data/x/%d", i);
    mp_pathset_fp fp = mp_pathset_fingerprint(10, p, (size_t)n);
    mp_pathset_prefetch(&s, fp);
    assert_int_equal(mp_pathset_add_fp(&s, fp), 1);
    if (!ncaps || caps[ncaps - 1] != s.cap) caps[ncaps++] = s.cap;
  }
  assert_int_equal(ncaps, 5);
  assert_int_equal(caps[0], 4096);
  assert_int_equal(caps[1], 16384);
  assert_int_equal(caps[2], 65536); /* 1 MiB */
  assert_int_equal(caps[3], 131072);
  assert_int_equal(caps[4], 262144);
  for (int i = 0; i < 100000; i += 7) {
    int n = snprintf(p, sizeof p, "/data/x/%d", i);
    assert_int_equal(pathset_add(&s, 10, p, (size_t)n), 0);
    assert_int_equal(mp_pathset_add_fp(&s, mp_pathset_fingerprint(19, p, (size_t)n)), 1);
  }
  mp_pathset_free(&s);
}

static void pathset_remembers_kind_and_path(void **state) {
  (void)state;
  mp_pathset s = {0};
  assert_int_equal(pathset_add(&s, 10, "/a", 2), 1);
  assert_int_equal(pathset_add(&s, 10, "/a", 2), 0);
  assert_int_equal(pathset_add(&s, 19, "/a", 2), 1); /* written is another key */
  assert_int_equal(pathset_add(&s, 10, "/a/", 3), 1);
  assert_int_equal(pathset_add(&s, 10, "", 0), 1);
  assert_int_equal(pathset_add(&s, 10, "", 0), 0);
  char p[64];
  for (int i = 0; i < 200000; i++) {
    int n = snprintf(p, sizeof p, "/data/shard-%06d.bin", i);
    assert_int_equal(pathset_add(&s, 10, p, (size_t)n), 1);
  }
  for (int i = 0; i < 200000; i += 997) {
    int n = snprintf(p, sizeof p, "/data/shard-%06d.bin", i);
    assert_int_equal(pathset_add(&s, 10, p, (size_t)n), 0);
  }
  assert_int_equal(s.n, 200004);
  assert_true(s.cap >= 2 * s.n);
  mp_pathset_free(&s);
  assert_int_equal(s.n, 0);
  assert_int_equal(pathset_add(&s, 10, "/a", 2), 1); /* usable again */
  mp_pathset_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hello_matches_protobuf_c),
      cmocka_unit_test(batches_match_protobuf_c),
      cmocka_unit_test(exec_and_stats_match_protobuf_c),
      cmocka_unit_test(long_exec_is_truncated_with_a_marker),
      cmocka_unit_test(pathset_remembers_kind_and_path),
      cmocka_unit_test(pathset_grows_and_splits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
