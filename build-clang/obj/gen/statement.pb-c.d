build-clang/obj/gen/statement.pb-c.o: build-clang/gen/statement.pb-c.c \
  build-clang/gen/statement.pb-c.h \
  build-clang/gen/google/protobuf/struct.pb-c.h

build-clang/gen/statement.pb-c.h:

build-clang/gen/google/protobuf/struct.pb-c.h:
