build-clang/obj/lib/merkle.o: lib/merkle.c lib/merkle.h lib/digest.h \
  lib/err.h

lib/merkle.h:

lib/digest.h:

lib/err.h:
