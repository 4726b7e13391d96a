build-clang/obj/cli/cli.o: cli/cli.c cli/cli.h lib/err.h lib/keys.h

cli/cli.h:

lib/err.h:

lib/keys.h:
