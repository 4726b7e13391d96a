build-clang/obj/gen/google/protobuf/struct.pb-c.o: \
  build-clang/gen/google/protobuf/struct.pb-c.c \
  build-clang/gen/google/protobuf/struct.pb-c.h

build-clang/gen/google/protobuf/struct.pb-c.h:
