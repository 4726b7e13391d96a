build-clang/pic/gen/google/protobuf/timestamp.pb-c.o: \
  build-clang/gen/google/protobuf/timestamp.pb-c.c \
  build-clang/gen/google/protobuf/timestamp.pb-c.h

build-clang/gen/google/protobuf/timestamp.pb-c.h:
