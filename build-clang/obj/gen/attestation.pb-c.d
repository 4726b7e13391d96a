build-clang/obj/gen/attestation.pb-c.o: \
  build-clang/gen/attestation.pb-c.c build-clang/gen/attestation.pb-c.h \
  build-clang/gen/envelope.pb-c.h build-clang/gen/statement.pb-c.h \
  build-clang/gen/google/protobuf/struct.pb-c.h

build-clang/gen/attestation.pb-c.h:

build-clang/gen/envelope.pb-c.h:

build-clang/gen/statement.pb-c.h:

build-clang/gen/google/protobuf/struct.pb-c.h:
