build-clang/tests/test_frame: tests/unit/test_frame.c lib/err.h \
  lib/frame.h tests/unit/unit.h

lib/err.h:

lib/frame.h:

tests/unit/unit.h:
