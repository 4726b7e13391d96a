build-clang/obj/verifier/verify.o: verifier/verify.c verifier/verify.h \
  lib/err.h lib/keys.h lib/attest.h lib/dsse.h lib/digest.h \
  lib/modeldir.h lib/statement.h

verifier/verify.h:

lib/err.h:

lib/keys.h:

lib/attest.h:

lib/dsse.h:

lib/digest.h:

lib/modeldir.h:

lib/statement.h:
