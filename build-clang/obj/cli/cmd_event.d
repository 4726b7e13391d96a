build-clang/obj/cli/cmd_event.o: cli/cmd_event.c cli/cli.h lib/err.h \
  lib/keys.h lib/fileio.h hooks/c/mlprov_hook.h

cli/cli.h:

lib/err.h:

lib/keys.h:

lib/fileio.h:

hooks/c/mlprov_hook.h:
