/* fuzz_journal.c — libFuzzer target for the run journal reader and its
 * replay (what `mlprov journal verify` and `mlprov recover` run on a file
 * that may be torn, damaged or hostile): every frame the reader yields must
 * lie inside the input, and replay must build a record or fail cleanly. */
#include <stdint.h>
#include <stdlib.h>

#include "journal.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mp_journal_reader *r = NULL;
  if (mp_journal_reader_mem(data, size, &r, NULL) != 0) return 0;
  mp_journal_frame f;
  while (mp_journal_next(r, &f, NULL) == 1)
    if (f.body < data || f.body + f.len > data + size || f.offset + f.len > size) abort();
  mp_journal_reader_free(r);
  if (mp_journal_reader_mem(data, size, &r, NULL) != 0) abort(); /* it opened once */
  mp_replay rp;
  if (mp_replay_journal(r, &rp, NULL) == 0) mp_replay_clear(&rp);
  mp_journal_reader_free(r);
  return 0;
}
