build-clang/obj/lib/redact.o: lib/redact.c lib/redact.h

lib/redact.h:
