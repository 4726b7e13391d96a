build-clang/tests/test_encoding: tests/unit/test_encoding.c \
  lib/encoding.h tests/unit/unit.h

lib/encoding.h:

tests/unit/unit.h:
