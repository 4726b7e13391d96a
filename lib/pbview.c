/* pbview.c — see pbview.h. */
#include "pbview.h"

#include "bigmem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const Google__Protobuf__Value *mp_pbs_get(const mp_pbs *s, const char *key) {
  if (!s) return NULL;
  for (size_t i = 0; i < s->n_fields; i++)
    if (s->fields[i]->key && strcmp(s->fields[i]->key, key) == 0) return s->fields[i]->value;
  return NULL;
}

const char *mp_pbs_str(const mp_pbs *s, const char *key) {
  const Google__Protobuf__Value *v = mp_pbs_get(s, key);
  return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ? v->string_value : NULL;
}

const mp_pbs *mp_pbs_obj(const mp_pbs *s, const char *key) {
  const Google__Protobuf__Value *v = mp_pbs_get(s, key);
  return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE ? v->struct_value : NULL;
}

const Google__Protobuf__ListValue *mp_pbs_list(const mp_pbs *s, const char *key) {
  const Google__Protobuf__Value *v = mp_pbs_get(s, key);
  return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE ? v->list_value : NULL;
}

int mp_pbs_bool(const mp_pbs *s, const char *key) {
  const Google__Protobuf__Value *v = mp_pbs_get(s, key);
  return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE ? (v->bool_value != 0) : -1;
}

double mp_pbs_num(const mp_pbs *s, const char *key, double def) {
  const Google__Protobuf__Value *v = mp_pbs_get(s, key);
  return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE ? v->number_value : def;
}

const mp_pbs *mp_pbl_obj(const Google__Protobuf__ListValue *l, size_t i) {
  if (!l || i >= l->n_values) return NULL;
  const Google__Protobuf__Value *v = l->values[i];
  return v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE ? v->struct_value : NULL;
}

const Google__Protobuf__ListValue *mp_pb_dependencies(const mp_pb_statement *st) {
  return mp_pbs_list(mp_pbs_obj(st->predicate, "buildDefinition"), "resolvedDependencies");
}

const char *mp_pb_rd_kind(const mp_pbs *rd) { return mp_pbs_str(mp_pbs_obj(rd, "annotations"), "kind"); }

const char *mp_pb_rd_digest(const mp_pbs *rd, const char *alg) { return mp_pbs_str(mp_pbs_obj(rd, "digest"), alg); }

int mp_pb_has_subject(const mp_pb_statement *st, const char *hex) {
  for (size_t i = 0; i < st->n_subject; i++)
    for (size_t k = 0; k < st->subject[i]->n_digest; k++)
      if (strcmp(st->subject[i]->digest[k]->key, "sha256") == 0 && strcmp(st->subject[i]->digest[k]->value, hex) == 0)
        return 1;
  return 0;
}

typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  int big;  /* from mp_big_alloc, else malloc */
  max_align_t data[];
} arena_block;

struct mp_pb_doc {
  mp_pb_statement *st;
  arena_block *blocks;
  size_t block_size;  /* standard block capacity, set from the input size */
  int failed;
};

/* A statement decodes into several times its encoded size of small
 * messages. Small documents use malloc'd blocks; large ones (a provenance
 * with 10,000 dependencies: megabytes) use huge-page blocks from
 * mp_big_alloc, which make that a few page faults instead of thousands. */
#define ARENA_SMALL ((size_t)64 << 10)
#define ARENA_BIG ((size_t)2 << 20)

static arena_block *new_block(size_t cap) {
  int big = sizeof(arena_block) + cap >= ARENA_BIG / 2;
  if (big) cap = (sizeof(arena_block) + cap + ARENA_BIG - 1) / ARENA_BIG * ARENA_BIG - sizeof(arena_block);
  arena_block *b = big ? mp_big_alloc(sizeof *b + cap) : malloc(sizeof *b + cap);
  if (!b) return NULL;
  b->used = 0;
  b->cap = cap;
  b->big = big;
  return b;
}

static void *arena_alloc(void *ctx, size_t size) {
  mp_pb_doc *d = ctx;
  size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  arena_block *b = d->blocks;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > d->block_size ? size : d->block_size;
    arena_block *nb = new_block(cap);
    if (!nb) {
      d->failed = 1;
      return NULL;
    }
    /* a block bigger than the standard size goes behind the current one so
     * the current block's free space is not wasted */
    if (b && cap > d->block_size) {
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      d->blocks = nb;
    }
    b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += size;
  return p;
}

static void arena_free(void *ctx, void *p) {
  (void)ctx;
  (void)p; /* released with the whole arena */
}

static void doc_release(mp_pb_doc *d) {
  for (arena_block *b = d->blocks, *n; b; b = n) {
    n = b->next;
    if (b->big) mp_big_free(b, sizeof *b + b->cap);
    else free(b);
  }
  free(d);
}

mp_pb_doc *mp_pb_doc_unpack(const uint8_t *buf, size_t len) {
  mp_pb_doc *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->block_size = len >= ARENA_BIG / 8 ? ARENA_BIG - sizeof(arena_block) : ARENA_SMALL;
  ProtobufCAllocator a = {.alloc = arena_alloc, .free = arena_free, .allocator_data = d};
  d->st = in_toto_attestation__v1__statement__unpack(&a, len, buf);
  if (!d->st || d->failed) {
    doc_release(d);
    return NULL;
  }
  return d;
}

const mp_pb_statement *mp_pb_doc_statement(const mp_pb_doc *d) { return d->st; }

void mp_pb_doc_free(mp_pb_doc *d) {
  if (d) doc_release(d);
}
