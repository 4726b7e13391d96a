build-clang/obj/lib/statement.o: lib/statement.c lib/statement.h \
  lib/err.h lib/encoding.h build-clang/gen/google/protobuf/struct.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h \
  build-clang/gen/provenance.pb-c.h build-clang/gen/statement.pb-c.h

lib/statement.h:

lib/err.h:

lib/encoding.h:

build-clang/gen/google/protobuf/struct.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

build-clang/gen/provenance.pb-c.h:

build-clang/gen/statement.pb-c.h:
