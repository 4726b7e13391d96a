build-clang/obj/recorder/record.o: recorder/record.c recorder/record.h \
  lib/err.h build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h lib/encoding.h \
  lib/fileio.h lib/merkle.h lib/digest.h lib/statement.h

recorder/record.h:

lib/err.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

lib/encoding.h:

lib/fileio.h:

lib/merkle.h:

lib/digest.h:

lib/statement.h:
