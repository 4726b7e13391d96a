build-clang/obj/lib/attest.o: lib/attest.c lib/attest.h lib/dsse.h \
  lib/err.h lib/keys.h build-clang/gen/attestation.pb-c.h \
  build-clang/gen/envelope.pb-c.h build-clang/gen/statement.pb-c.h \
  build-clang/gen/google/protobuf/struct.pb-c.h lib/fileio.h \
  lib/statement.h

lib/attest.h:

lib/dsse.h:

lib/err.h:

lib/keys.h:

build-clang/gen/attestation.pb-c.h:

build-clang/gen/envelope.pb-c.h:

build-clang/gen/statement.pb-c.h:

build-clang/gen/google/protobuf/struct.pb-c.h:

lib/fileio.h:

lib/statement.h:
