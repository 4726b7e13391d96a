build-clang/obj/gen/provenance.pb-c.o: build-clang/gen/provenance.pb-c.c \
  build-clang/gen/provenance.pb-c.h \
  build-clang/gen/google/protobuf/struct.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h \
  build-clang/gen/statement.pb-c.h

build-clang/gen/provenance.pb-c.h:

build-clang/gen/google/protobuf/struct.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

build-clang/gen/statement.pb-c.h:
