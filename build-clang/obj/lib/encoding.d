build-clang/obj/lib/encoding.o: lib/encoding.c lib/encoding.h

lib/encoding.h:
