build-clang/obj/cli/cmd_keygen.o: cli/cmd_keygen.c cli/cli.h lib/err.h \
  lib/keys.h

cli/cli.h:

lib/err.h:

lib/keys.h:
