build-clang/obj/recorder/conn.o: recorder/conn.c \
  recorder/agent_internal.h recorder/agent.h lib/err.h recorder/record.h \
  build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h lib/frame.h

recorder/agent_internal.h:

recorder/agent.h:

lib/err.h:

recorder/record.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

lib/frame.h:
