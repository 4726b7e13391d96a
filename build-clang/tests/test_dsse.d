build-clang/tests/test_dsse: tests/unit/test_dsse.c lib/dsse.h lib/err.h \
  lib/keys.h tests/unit/unit.h

lib/dsse.h:

lib/err.h:

lib/keys.h:

tests/unit/unit.h:
