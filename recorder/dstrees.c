/* dstrees.c — see dstrees.h. The tree files take their roots from the
 * statement (which provenance.c computed from the same leaves), so a run's
 * trees are hashed once. */
#include "dstrees.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "dsclaim.h"
#include "dstree.h"
#include "encoding.h"
#include "fileio.h"
#include "statement.h"

#define SAFE_MAX 64

char *mp_dstrees_path(const char *base, const char *name) {
  char safe[SAFE_MAX + 10];
  size_t n = strlen(name), k = 0;
  int changed = n > SAFE_MAX || n == 0;
  for (size_t i = 0; i < n && k < SAFE_MAX; i++) {
    char ch = name[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
             ch == '_' || ch == '-';
    safe[k++] = ok ? ch : '_';
    changed |= !ok;
  }
  safe[k] = '\0';
  if (changed) {
    uint8_t h[MP_SHA256_LEN];
    char hex[2 * MP_SHA256_LEN + 1];
    mp_sha256(name, n, h);
    mp_hex_encode(h, MP_SHA256_LEN, hex);
    snprintf(safe + k, sizeof safe - k, "-%.8s", hex);
  }
  size_t len = strlen(base) + strlen(safe) + sizeof ".records-" MP_DSTREE_SUFFIX;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s.records-%s%s", base, safe, MP_DSTREE_SUFFIX);
  return p;
}

int mp_dstrees_write(const mp_record *rec, const json_t *statement, const char *base,
                     json_t *written, mp_err *e) {
  const char *name;
  json_t *li;
  json_object_foreach(rec->leafsets_index, name, li) {
    const mp_leafset *ls = &rec->leafsets[json_integer_value(li)];
    mp_dsclaim c;
    mp_err ignore;
    if (ls->n == 0 || mp_dsclaim_find(statement, name, &c, &ignore) != 0) continue;
    char *path = mp_dstrees_path(base, name), *backup = NULL;
    if (!path) return mp_err_set(e, MP_ENOMEM, "out of memory");
    int rc = mp_file_backup(path, 0, &backup, e);
    if (rc == 0) rc = mp_dstree_write(path, name, c.format, ls->leaves, ls->n, &c.commit, 0, e);
    if (rc == 0 && written)
      json_array_append_new(written, backup ? json_sprintf("%s (the previous one kept as %s)", path, backup)
                                            : json_string(path));
    free(path);
    free(backup);
    if (rc) return mp_err_prefix(e, "dataset %s", name);
  }
  return 0;
}
