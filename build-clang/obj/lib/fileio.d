build-clang/obj/lib/fileio.o: lib/fileio.c lib/fileio.h lib/err.h

lib/fileio.h:

lib/err.h:
