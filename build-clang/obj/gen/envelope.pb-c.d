build-clang/obj/gen/envelope.pb-c.o: build-clang/gen/envelope.pb-c.c \
  build-clang/gen/envelope.pb-c.h

build-clang/gen/envelope.pb-c.h:
