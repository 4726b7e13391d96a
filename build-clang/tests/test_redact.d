build-clang/tests/test_redact: tests/unit/test_redact.c lib/redact.h \
  tests/unit/unit.h

lib/redact.h:

tests/unit/unit.h:
