/* evdump.c — decodes a stream of hook frames with protobuf-c, the way the
 * agent does (recorder/conn.c), and prints each message as one JSON line. It
 * is the C half of the Python hook's wire tests: whatever the Python encoder
 * writes must decode here to the values it meant, and packing the decoded
 * message again with protobuf-c must give back the very same bytes.
 *
 *   evdump FILE          FILE holds frames (4-byte big-endian length + body):
 *                        a Hello, then Events; "-" reads standard input
 *
 * Output, one line per frame:
 *   {"frame":N,"type":"Hello"|"Event","repack":"same"|"differs","msg":{...}}
 * A message is printed field by field in protobuf-c's view: a proto3 scalar
 * only when it is not its default, a message when present, a oneof member
 * when it is the case set, a map as an array of {"key":..,"value":..}; bytes
 * as lowercase hex; "unknownFields": N when the decoder kept unknown fields.
 * Exit status: 0 every frame decoded and re-packed identically; 1 a frame did
 * not decode, was torn, or re-packed differently; 2 usage or I/O error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"
#include "frame.h"

static void put_string(const char *s, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void put_message(const ProtobufCMessage *m);

/* Prints the value stored at p (one element) for field f. */
static void put_value(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM: printf("%" PRId32, *(const int32_t *)p); break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: printf("%" PRIu32, *(const uint32_t *)p); break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: printf("%" PRId64, *(const int64_t *)p); break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: printf("%" PRIu64, *(const uint64_t *)p); break;
    case PROTOBUF_C_TYPE_FLOAT: printf("%.9g", (double)*(const float *)p); break;
    case PROTOBUF_C_TYPE_DOUBLE: printf("%.17g", *(const double *)p); break;
    case PROTOBUF_C_TYPE_BOOL: fputs(*(const protobuf_c_boolean *)p ? "true" : "false", stdout); break;
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)p;
      put_string(s ? s : "", s ? strlen(s) : 0);
      break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *b = p;
      putchar('"');
      for (size_t i = 0; i < b->len; i++) printf("%02x", b->data[i]);
      putchar('"');
      break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: put_message(*(ProtobufCMessage *const *)p); break;
  }
}

/* True when a singular proto3 field holds something other than its default. */
static int is_set(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_FLOAT: return *(const uint32_t *)p != 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return *(const uint64_t *)p != 0;
    case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)p != 0;
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)p;
      return s && *s;
    }
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len != 0;
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p != NULL;
  }
  return 0;
}

static size_t value_size(const ProtobufCFieldDescriptor *f) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 4;
  }
}

static void put_message(const ProtobufCMessage *m) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  int first = 1;
  putchar('{');
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const void *p = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      if (!n) continue;
      printf("%s\"%s\":[", first ? "" : ",", f->name);
      const char *arr = *(const char *const *)p;
      for (size_t k = 0; k < n; k++) {
        if (k) putchar(',');
        put_value(f, arr + k * value_size(f));
      }
      putchar(']');
    } else {
      if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        if (*(const uint32_t *)(base + f->quantifier_offset) != f->id) continue;
      } else if (!is_set(f, p)) {
        continue;
      }
      printf("%s\"%s\":", first ? "" : ",", f->name);
      put_value(f, p);
    }
    first = 0;
  }
  if (m->n_unknown_fields) printf("%s\"unknownFields\":%u", first ? "" : ",", m->n_unknown_fields);
  putchar('}');
}

/* Decodes one frame body as desc, prints it; 0 when it decoded and re-packed
 * to the same bytes. */
static int dump(size_t n, const char *type, const ProtobufCMessageDescriptor *desc, const uint8_t *body,
                size_t len) {
  ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, body);
  if (!m) {
    printf("{\"frame\":%zu,\"type\":\"%s\",\"error\":\"undecodable %zu-byte frame\"}\n", n, type, len);
    return 1;
  }
  size_t plen = protobuf_c_message_get_packed_size(m);
  uint8_t *packed = malloc(plen ? plen : 1);
  int same = packed && protobuf_c_message_pack(m, packed) == plen && plen == len && memcmp(packed, body, len) == 0;
  printf("{\"frame\":%zu,\"type\":\"%s\",\"repack\":\"%s\",\"msg\":", n, type, same ? "same" : "differs");
  put_message(m);
  puts("}");
  free(packed);
  protobuf_c_message_free_unpacked(m, NULL);
  return same ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fputs("usage: evdump FILE|-\n", stderr);
    return 2;
  }
  FILE *in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
  if (!in) {
    perror(argv[1]);
    return 2;
  }
  mp_frame_reader r;
  mp_frame_reader_init(&r, (size_t)1 << 30);
  uint8_t buf[65536];
  size_t got, n = 0;
  int bad = 0;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
    if (mp_frame_reader_feed(&r, buf, got) != 0) {
      fputs("evdump: out of memory\n", stderr);
      bad = 2;
      break;
    }
    const uint8_t *f;
    size_t len;
    int rc;
    while ((rc = mp_frame_reader_next(&r, &f, &len)) == 1) {
      bad |= n == 0 ? dump(n, "Hello", &mlprov__event__v1__hello__descriptor, f, len)
                    : dump(n, "Event", &mlprov__event__v1__event__descriptor, f, len);
      n++;
    }
    if (rc < 0) {
      printf("{\"frame\":%zu,\"error\":\"oversize frame\"}\n", n);
      bad = 1;
      break;
    }
  }
  if (ferror(in)) {
    perror(argv[1]);
    bad = 2;
  }
  if (!bad && mp_frame_reader_pending(&r)) {
    printf("{\"frame\":%zu,\"error\":\"torn frame: %zu bytes left\"}\n", n, mp_frame_reader_pending(&r));
    bad = 1;
  }
  mp_frame_reader_free(&r);
  if (in != stdin) fclose(in);
  return bad >= 2 ? 2 : bad;
}
