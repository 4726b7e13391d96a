build-clang/obj/recorder/agent.o: recorder/agent.c recorder/agent.h \
  lib/err.h recorder/record.h build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h \
  recorder/agent_internal.h lib/frame.h lib/statement.h

recorder/agent.h:

lib/err.h:

recorder/record.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

recorder/agent_internal.h:

lib/frame.h:

lib/statement.h:
