build-clang/examples/linear-train: examples/linear/train.c \
  hooks/c/mlprov_hook.h

hooks/c/mlprov_hook.h:
