build-clang/obj/recorder/collect_env.o: recorder/collect_env.c \
  recorder/collect.h lib/redact.h

recorder/collect.h:

lib/redact.h:
