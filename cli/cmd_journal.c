/* cmd_journal.c — `mlprov journal verify JOURNAL [--provenance P --key K]`:
 * checks the journal's hash chain frame by frame (journal.h) and, given a
 * provenance, that the provenance is signed by a trusted key, belongs to the
 * same run (invocation id) and signed exactly this journal: its mlprov/journal
 * byproduct's finalChainHash is the chain hash of frame `frames`, and no
 * frame follows it. A torn tail is reported and accepted (a crash leaves one);
 * any other damage fails, naming the first bad frame. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "cli.h"
#include "encoding.h"
#include "journal.h"
#include "replay.h"
#include "statement.h"

static const char usage_text[] =
    "usage: mlprov journal verify JOURNAL [--provenance FILE --key PUB]...\n"
    "\n"
    "Checks the run journal's hash chain (every frame, in order) and prints a\n"
    "summary. With --provenance, also checks that FILE is signed by a trusted\n"
    "key, is the provenance of the same run, and that the final chain hash it\n"
    "signed is this journal's, at the frame it names, with nothing after it.\n"
    "A torn last frame (what a crash leaves) is reported and accepted.\n"
    "\n"
    "options:\n"
    "  -p, --provenance FILE  a provenance written by `mlprov run` or `mlprov recover`\n"
    "  -k, --key PUB          trusted public key (repeatable; needed with --provenance)\n"
    "  -h, --help             this text\n"
    "\n"
    "exit status: 0 the journal checks; 1 it is damaged (the first bad frame is\n"
    "named) or does not match the provenance; 2 usage or I/O error\n"
    "example: mlprov journal verify out/model.bin.journal --provenance out/model.bin.intoto.jsonl --key ci.pub.pem\n";

/* The signed facts about the journal from a verified provenance. */
typedef struct signed_journal {
  uint8_t chain[MP_SHA256_LEN];
  uint64_t frames;
  char invocation[128];
} signed_journal;

static int load_signed(const char *prov, const cli_keys *keys, signed_journal *sj, mp_err *e) {
  mp_attest_file *f = NULL;
  int rc = mp_attest_load(prov, &f, e);
  if (rc) return rc;
  json_t *st = NULL;
  mp_err ve;
  mp_err_clear(&ve);
  rc = MP_EVERIFY;
  for (size_t i = 0; i < f->n && rc; i++)
    rc = mp_attest_verify(&f->entries[i], (const mp_key *const *)keys->keys, keys->n, 1, &st, NULL, &ve);
  mp_attest_file_free(f);
  if (rc) {
    *e = ve;
    return mp_err_prefix(e, "%s", prov);
  }
  json_t *rd = json_object_get(json_object_get(st, "predicate"), "runDetails");
  json_t *bps = json_object_get(rd, "byproducts"), *ann = NULL, *b;
  size_t i;
  json_array_foreach(bps, i, b) {
    const char *name = json_string_value(json_object_get(b, "name"));
    if (name && strcmp(name, "mlprov/journal") == 0) ann = json_object_get(b, "annotations");
  }
  const char *hex = json_string_value(json_object_get(ann, "finalChainHash"));
  json_t *frames = json_object_get(ann, "frames");
  const char *inv = json_string_value(json_object_get(json_object_get(rd, "metadata"), "invocationId"));
  if (!hex || !json_is_integer(frames) || strlen(hex) != 2 * MP_SHA256_LEN ||
      mp_hex_decode(hex, strlen(hex), sj->chain, MP_SHA256_LEN) != 0) {
    const char *status = json_string_value(json_object_get(ann, "status"));
    rc = mp_err_set(e, MP_EVERIFY, "%s names no journal (%s)", prov,
                    status ? status : "no mlprov/journal byproduct with a finalChainHash");
  } else {
    sj->frames = (uint64_t)json_integer_value(frames);
    snprintf(sj->invocation, sizeof sj->invocation, "%s", inv ? inv : "");
    rc = 0;
  }
  json_decref(st);
  return rc;
}

static int verify(int argc, char **argv) {
  static const struct option opts[] = {{"provenance", required_argument, NULL, 'p'},
                                       {"key", required_argument, NULL, 'k'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  cli_keys keys = {0};
  const char *prov = NULL;
  int c, status = 2;
  mp_err e;
  mp_err_clear(&e);
  mp_journal_reader *r = NULL;
  signed_journal sj;
  memset(&sj, 0, sizeof sj);
  optind = 1;
  while ((c = getopt_long(argc, argv, "p:k:h", opts, NULL)) != -1) {
    switch (c) {
      case 'p': prov = optarg; break;
      case 'k':
        if (cli_keys_add(&keys, optarg, 0, &e)) {
          status = cli_fail("journal verify", &e);
          goto out;
        }
        break;
      case 'h': fputs(usage_text, stdout); status = 0; goto out;
      default: status = cli_bad_option("journal verify", argv); goto out;
    }
  }
  if (argc - optind != 1) {
    status = cli_usage_error("journal verify", "give exactly one JOURNAL");
    goto out;
  }
  if (prov && keys.n == 0) {
    status = cli_usage_error("journal verify", "--provenance needs a trusted --key PUB");
    goto out;
  }
  const char *path = argv[optind];
  if (prov && load_signed(prov, &keys, &sj, &e)) {
    status = cli_fail("journal verify", &e);
    goto out;
  }
  if (mp_journal_reader_open(path, &r, &e)) {
    status = cli_fail("journal verify", &e);
    goto out;
  }
  uint64_t by_type[8] = {0};
  mp_journal_frame f;
  int rc, matched = 0;
  char invocation[128] = "";
  uint64_t batched = 0;
  while ((rc = mp_journal_next(r, &f, &e)) == 1) {
    by_type[f.type < 8 ? f.type : 0]++;
    if (f.type == MP_JOURNAL_EVENTS) {
      size_t off = 0, evlen;
      const uint8_t *ev;
      while (mp_journal_events_next(f.body, f.len, &off, &ev, &evlen) == 1) batched++;
    }
    if (f.type == MP_JOURNAL_START) {
      json_error_t je;
      json_t *s = json_loadb((const char *)f.body, f.len, 0, &je);
      const char *inv = json_string_value(json_object_get(s, "invocationId"));
      snprintf(invocation, sizeof invocation, "%s", inv ? inv : "");
      json_decref(s);
      if (prov && strcmp(invocation, sj.invocation) != 0) {
        rc = mp_err_set(&e, MP_EVERIFY, "%s is the journal of run %s, %s is the provenance of run %s", path,
                        invocation, prov, sj.invocation);
        break;
      }
    }
    if (prov && f.index == sj.frames) {
      if (memcmp(f.chain, sj.chain, MP_SHA256_LEN) != 0) {
        rc = mp_err_set(&e, MP_EVERIFY, "%s: frame %llu (offset %llu): its chain hash is not the final chain hash "
                                        "signed in %s", path, (unsigned long long)f.index,
                        (unsigned long long)f.offset, prov);
        break;
      }
      matched = 1;
    } else if (prov && f.index > sj.frames) {
      rc = mp_err_set(&e, MP_EVERIFY, "%s: frame %llu (offset %llu) and any after it were added after %s was "
                                      "signed (it covers %llu frames)", path, (unsigned long long)f.index,
                      (unsigned long long)f.offset, prov, (unsigned long long)sj.frames);
      break;
    }
  }
  if (rc == 0 && prov && !matched)
    rc = mp_err_set(&e, MP_EVERIFY, "%s ends after frame %llu, but %s signed %llu frames: frames were removed", path,
                    (unsigned long long)mp_journal_frames(r), prov, (unsigned long long)sj.frames);
  if (rc < 0) {
    status = cli_fail("journal verify", &e);
    goto out;
  }
  char hex[2 * MP_SHA256_LEN + 1];
  mp_hex_encode(mp_journal_chain(r), MP_SHA256_LEN, hex);
  printf("journal %s: OK\n", path);
  printf("  run:              %s\n", invocation);
  printf("  frames:           %llu (%llu start, %llu accept, %llu hello, %llu event, %llu batch of %llu events, "
         "%llu incident, %llu end",
         (unsigned long long)mp_journal_frames(r), (unsigned long long)by_type[MP_JOURNAL_START],
         (unsigned long long)by_type[MP_JOURNAL_ACCEPT], (unsigned long long)by_type[MP_JOURNAL_HELLO],
         (unsigned long long)by_type[MP_JOURNAL_EVENT], (unsigned long long)by_type[MP_JOURNAL_EVENTS],
         (unsigned long long)batched, (unsigned long long)by_type[MP_JOURNAL_INCIDENT],
         (unsigned long long)by_type[MP_JOURNAL_END]);
  if (by_type[0]) printf(", %llu of newer types", (unsigned long long)by_type[0]);
  printf(")\n  final chain hash: %s\n", hex);
  printf("  end record:       %s\n", mp_journal_ended(r) ? "present" : "missing (the agent stopped before the run ended)");
  if (mp_journal_torn_bytes(r))
    printf("  torn tail:        %llu bytes after the last frame, dropped\n", (unsigned long long)mp_journal_torn_bytes(r));
  if (prov) printf("  provenance:       %s signed this journal up to frame %llu\n", prov, (unsigned long long)sj.frames);
  status = 0;
out:
  mp_journal_reader_free(r);
  cli_keys_free(&keys);
  return status;
}

int cmd_journal(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "verify") == 0) return verify(argc - 1, argv + 1);
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage_text, stdout);
    return 0;
  }
  return cli_usage_error("journal", "usage: mlprov journal verify JOURNAL [--provenance FILE --key PUB]");
}
