build-clang/obj/lib/modeldir.o: lib/modeldir.c lib/modeldir.h \
  lib/digest.h lib/err.h lib/encoding.h lib/hashpool.h

lib/modeldir.h:

lib/digest.h:

lib/err.h:

lib/encoding.h:

lib/hashpool.h:
