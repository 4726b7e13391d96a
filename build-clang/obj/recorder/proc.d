build-clang/obj/recorder/proc.o: recorder/proc.c recorder/collect.h

recorder/collect.h:
