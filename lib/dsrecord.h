/* dsrecord.h — dataset records for dataset transparency: what one record is
 * in each record format, and its RFC 9162 leaf hash SHA-256(0x00 || record).
 * schema/dataset-transparency.md is the specification; in short:
 *
 *   lines    one record per line of a file, without its "\n" (nothing else is
 *            stripped, "\r" stays); an empty line is an (empty) record; a last
 *            line without "\n" is a record
 *   jsonl    as lines, and every line must be a JSON value (JSON Lines)
 *   files    one record per regular file: its bytes. A directory is walked in
 *            the OpenSSF Model Signing order (modeldir.h: by path components,
 *            .git & co ignored, symlinks refused)
 *   records  bytes handed to the hook one by one (mlprov_record), as given
 *
 * Records are streamed: a record of any size (a 2 GiB line or file) is hashed
 * in MP_HASH_BUF pieces and never held in memory, except a jsonl line, which
 * must fit MP_DSREC_JSONL_MAX to be parsed.
 */
#ifndef MP_DSRECORD_H
#define MP_DSRECORD_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"

#define MP_DSREC_JSONL_MAX (256u << 20)

typedef enum mp_dsformat {
  MP_DSFMT_RECORDS = 0,
  MP_DSFMT_LINES = 1,
  MP_DSFMT_FILES = 2,
  MP_DSFMT_JSONL = 3,
} mp_dsformat;

#define MP_DSFMT_COUNT 4

/* "records", "lines", "files", "jsonl"; NULL for an unknown code. */
const char *mp_dsformat_name(int f);
/* -1 when s names no format. */
int mp_dsformat_parse(const char *s, mp_dsformat *out);

/* Called once per record, in order, with its leaf hash. A non-zero return
 * stops the scan and is returned (with e filled by the callback). */
typedef int (*mp_dsrec_cb)(void *ctx, const uint8_t leaf[MP_SHA256_LEN], mp_err *e);

typedef struct mp_dsrec_stats {
  uint64_t records;
  uint64_t bytes;          /* record bytes hashed */
  uint64_t largest;        /* the longest record */
} mp_dsrec_stats;

/* Reads the records of path in format fmt ("-": standard input, not for
 * files) and calls cb for each. stats may be NULL and accumulates (callers
 * zero it). Errors name the file and, for lines/jsonl, the line. */
int mp_dsrec_scan(const char *path, mp_dsformat fmt, mp_dsrec_cb cb, void *ctx,
                  mp_dsrec_stats *stats, mp_err *e);

/* The leaf hash of one record held in a file ("-": standard input), as a
 * prover or verifier has it: for lines and jsonl one trailing "\n" is not part
 * of the record, and a file holding more than one line is refused (MP_EUSAGE:
 * it cannot be one record). Streamed. */
int mp_dsrec_leaf_of_file(const char *path, mp_dsformat fmt, uint8_t leaf[MP_SHA256_LEN],
                          uint64_t *size, mp_err *e);

#endif
