build-clang/obj/lib/hashpool.o: lib/hashpool.c lib/hashpool.h \
  lib/digest.h lib/err.h lib/encoding.h

lib/hashpool.h:

lib/digest.h:

lib/err.h:

lib/encoding.h:
