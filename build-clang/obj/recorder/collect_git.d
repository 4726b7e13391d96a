build-clang/obj/recorder/collect_git.o: recorder/collect_git.c \
  recorder/collect.h lib/encoding.h lib/redact.h

recorder/collect.h:

lib/encoding.h:

lib/redact.h:
