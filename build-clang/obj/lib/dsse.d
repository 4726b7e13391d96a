build-clang/obj/lib/dsse.o: lib/dsse.c lib/dsse.h lib/err.h lib/keys.h \
  lib/encoding.h build-clang/gen/envelope.pb-c.h

lib/dsse.h:

lib/err.h:

lib/keys.h:

lib/encoding.h:

build-clang/gen/envelope.pb-c.h:
