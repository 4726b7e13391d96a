build-clang/obj/lib/digest.o: lib/digest.c lib/digest.h lib/err.h \
  lib/encoding.h

lib/digest.h:

lib/err.h:

lib/encoding.h:
