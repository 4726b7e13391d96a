build-clang/obj/cli/cmd_verify.o: cli/cmd_verify.c lib/attest.h \
  lib/dsse.h lib/err.h lib/keys.h cli/cli.h lib/statement.h \
  verifier/verify.h

lib/attest.h:

lib/dsse.h:

lib/err.h:

lib/keys.h:

cli/cli.h:

lib/statement.h:

verifier/verify.h:
