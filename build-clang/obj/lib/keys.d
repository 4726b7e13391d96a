build-clang/obj/lib/keys.o: lib/keys.c lib/keys.h lib/err.h lib/digest.h \
  lib/encoding.h lib/fileio.h

lib/keys.h:

lib/err.h:

lib/digest.h:

lib/encoding.h:

lib/fileio.h:
