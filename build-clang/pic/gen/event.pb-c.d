build-clang/pic/gen/event.pb-c.o: build-clang/gen/event.pb-c.c \
  build-clang/gen/event.pb-c.h \
  build-clang/gen/google/protobuf/timestamp.pb-c.h

build-clang/gen/event.pb-c.h:

build-clang/gen/google/protobuf/timestamp.pb-c.h:
