build-clang/obj/recorder/provenance.o: recorder/provenance.c \
  recorder/provenance.h lib/err.h recorder/record.h \
  build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h recorder/collect.h \
  lib/encoding.h lib/fileio.h lib/hashpool.h lib/digest.h lib/merkle.h \
  lib/modeldir.h lib/redact.h lib/statement.h

recorder/provenance.h:

lib/err.h:

recorder/record.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

recorder/collect.h:

lib/encoding.h:

lib/fileio.h:

lib/hashpool.h:

lib/digest.h:

lib/merkle.h:

lib/modeldir.h:

lib/redact.h:

lib/statement.h:
