build-clang/obj/cli/main.o: cli/main.c cli/cli.h lib/err.h lib/keys.h

cli/cli.h:

lib/err.h:

lib/keys.h:
