/* dstrees.h — the tree files of a run's datasets, stored next to the
 * provenance so that (non-)inclusion proofs can be made later
 * (docs/dataset-transparency.md):
 *
 *   BASE.records-SAFE.mptree   one per dataset with records (dstree.h format)
 *
 * BASE is the provenance's base (BASE.intoto.jsonl). SAFE is the dataset name
 * with every byte outside [A-Za-z0-9._-] replaced by "_"; when that changed
 * the name or it is longer than 64 bytes, it is cut to 64 bytes and followed
 * by "-" and the first 8 hex digits of SHA-256(name), so names never collide.
 * The name is not in the signed statement: it depends on where the
 * provenance is written (`mlprov recover --out` writes elsewhere), and the
 * statement records what the run did, not where its files went. A file
 * already there is kept as a numbered backup (PATH.~N~), never overwritten.
 */
#ifndef MP_DSTREES_H
#define MP_DSTREES_H

#include <jansson.h>

#include "err.h"
#include "record.h"

/* The tree file path for dataset `name` (malloc'd). */
char *mp_dstrees_path(const char *base, const char *name);

/* Writes the tree file of every dataset the statement commits to, with the
 * roots the statement holds. Paths written (and backups kept) are appended
 * to `written` (array of strings) when it is not NULL. */
int mp_dstrees_write(const mp_record *rec, const json_t *statement, const char *base,
                     json_t *written, mp_err *e);

#endif
