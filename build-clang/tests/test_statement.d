build-clang/tests/test_statement: tests/unit/test_statement.c \
  lib/statement.h lib/err.h tests/unit/unit.h

lib/statement.h:

lib/err.h:

tests/unit/unit.h:
