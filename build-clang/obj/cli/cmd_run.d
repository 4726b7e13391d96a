build-clang/obj/cli/cmd_run.o: cli/cmd_run.c recorder/agent.h lib/err.h \
  recorder/record.h build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h lib/attest.h \
  lib/dsse.h lib/keys.h cli/cli.h recorder/collect.h \
  recorder/provenance.h lib/statement.h

recorder/agent.h:

lib/err.h:

recorder/record.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

lib/attest.h:

lib/dsse.h:

lib/keys.h:

cli/cli.h:

recorder/collect.h:

recorder/provenance.h:

lib/statement.h:
