build-clang/pic/hooks/c/hook.o: hooks/c/hook.c hooks/c/mlprov_hook.h \
  build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h lib/frame.h

hooks/c/mlprov_hook.h:

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:

lib/frame.h:
