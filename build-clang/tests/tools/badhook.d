build-clang/tests/tools/badhook: tests/tools/badhook.c \
  build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h lib/frame.h

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

lib/frame.h:
