/* fuzz_event.c — libFuzzer target for the agent's event decoder: the frame
 * reader (fed or lent in chunks whose size and mode the first input byte
 * picks), Hello then Event decoding, redaction (ingest.c) and
 * mp_record_event. Besides crashes and sanitizer reports it checks two
 * properties: ingesting the bytes ingest produced takes them as they are
 * (idempotence, which the journal replay relies on: they are the canonical
 * encoding of what redaction checked), and a frame the
 * protobuf-free path readers take (a single path, a FileBatch) is the event
 * protobuf-c decodes, left unchanged by redaction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ingest.h"
#include "journal.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_idempotent(const mp_ingest *in) {
  mp_ingest again;
  if (mp_ingest_event(in->bytes, in->len, &again, NULL) != 0) abort(); /* it decoded once */
  if (again.flags || again.bytes != in->bytes) abort(); /* the journaled bytes are canonical */
  mp_ingest_clear(&again);
}

static void check_path_event(const uint8_t *f, size_t len, const mp_ingest *in) {
  mp_ingest_path pe;
  if (mp_ingest_path_event(f, len, &pe) != 1) return;
  if (in->flags || in->bytes != f || (int)in->ev->kind_case != pe.kind || in->ev->seq != pe.seq) abort();
  const char *path = pe.kind == MLPROV__EVENT__V1__EVENT__KIND_FILE_READ ? in->ev->file_read->path
                                                                          : in->ev->file_written->path;
  if (!path || strcmp(path, pe.path) != 0) abort();
}

static void check_batch_event(const uint8_t *f, size_t len, const mp_ingest *in) {
  static mp_filebatch_iter it;
  mp_ingest_batch b;
  if (mp_ingest_batch_event(f, len, &b, &it) != 1) return;
  if (in->flags || in->bytes != f || in->ev->kind_case != MLPROV__EVENT__V1__EVENT__KIND_FILE_BATCH ||
      in->ev->seq != b.seq || in->ev->file_batch->paths.len != b.len ||
      memcmp(in->ev->file_batch->paths.data, b.paths, b.len) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t step = (size_t)(data[0] % 64) + 1;
  int lend = data[0] & 64;
  data++, size--;
  char *argv[] = {"job", NULL};
  mp_record *r = NULL;
  if (mp_record_new(argv, &r, NULL) != 0) return 0;
  r->max_entries = 64; /* reach the table limits too */
  mp_frame_reader rd;
  mp_frame_reader_init(&rd, 65536);
  int hello = 0, stop = 0;
  for (size_t off = 0; off < size && !stop; off += step) {
    size_t n = size - off < step ? size - off : step;
    if ((lend ? mp_frame_reader_lend(&rd, data + off, n) : mp_frame_reader_feed(&rd, data + off, n)) != 0) break;
    const uint8_t *f;
    size_t len;
    int rc;
    while (!stop && (rc = mp_frame_reader_next(&rd, &f, &len)) != 0) {
      if (rc < 0) {
        stop = 1;
        break;
      }
      if (!hello) {
        const uint8_t *b;
        size_t bl;
        uint8_t *owned;
        unsigned hflags;
        Mlprov__Event__V1__Hello *h = mp_ingest_hello(f, len, &b, &bl, &owned, &hflags);
        if (!h) {
          stop = 1;
          break;
        }
        mp_record_hello(r, h, 1);
        mlprov__event__v1__hello__free_unpacked(h, NULL);
        free(owned);
        hello = 1;
        continue;
      }
      mp_ingest in;
      if (mp_ingest_event(f, len, &in, NULL) != 0) {
        mp_ingest_path pe;
        if (mp_ingest_path_event(f, len, &pe) == 1) abort(); /* taken, but protobuf-c refuses it */
        stop = 1;
        break;
      }
      check_idempotent(&in);
      check_path_event(f, len, &in);
      check_batch_event(f, len, &in);
      mp_ingest_apply(r, &in, NULL);
      mp_ingest_clear(&in);
    }
    if (lend && mp_frame_reader_settle(&rd) != 0) break; /* before the next chunk is lent */
  }
  mp_frame_reader_free(&rd);
  mp_record_free(r);
  return 0;
}
