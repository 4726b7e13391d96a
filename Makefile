# Makefile — builds mlprov (one binary), libmlprov (core library),
# libmlprov-hook (C hook, shared + static) and the tests.
#
#   make deps        install every build/test dependency (apt-get, one line)
#   make             build build/mlprov and build/libmlprov-hook.{so,a}
#   make test        run all tests (tests/run); SAN=1 builds with ASan+UBSan
#   make example     run the built-in example end to end and verify it
#   make bench       benchmarks (ratios against a reference in the same run)
#   CC=clang make    the same with clang

VERSION   := 0.1.0
CC        ?= cc
SAN       ?=
PREFIX    ?= /usr/local
DESTDIR   ?=

DEBIAN_PACKAGES := build-essential clang pkg-config protobuf-c-compiler libprotobuf-c-dev \
  libprotobuf-dev libssl-dev libuv1-dev libjansson-dev libcmocka-dev libsqlite3-dev \
  libpq-dev postgresql libyaml-dev git python3 openssl

SAN_ON    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS  := $(if $(filter 1,$(SAN)),$(SAN_ON))
B         := $(if $(BUILD_DIR),$(BUILD_DIR),$(if $(filter 1,$(SAN)),build-san,build))

PKGS      := libuv jansson libprotobuf-c openssl sqlite3 libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS    ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DMLPROV_VERSION='"$(VERSION)"' $(WARN) $(CFLAGS) $(SANFLAGS) \
  -I$(B)/gen -Ilib -Ihooks/c -Irecorder -Iverifier -Icli $(PKG_CFLAGS) -MMD -MP
GEN_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Werror $(CFLAGS) $(SANFLAGS) -I$(B)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LIBS      := $(PKG_LIBS) -lpthread -lm

PROTOS    := $(wildcard schema/*.proto)
WKT       := google/protobuf/struct.proto google/protobuf/timestamp.proto
GEN_C     := $(patsubst schema/%.proto,$(B)/gen/%.pb-c.c,$(PROTOS)) $(patsubst %.proto,$(B)/gen/%.pb-c.c,$(WKT))
GEN_H     := $(GEN_C:.c=.h)

LIB_SRC   := $(wildcard lib/*.c)
APP_SRC   := $(wildcard recorder/*.c verifier/*.c cli/*.c)
HOOK_SRC  := $(wildcard hooks/c/*.c)

LIB_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(GEN_C:$(B)/gen/%.c=$(B)/obj/gen/%.o)
APP_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(APP_SRC))
# The hook library is self-contained: framing + generated event code only.
HOOK_PIC  := $(patsubst %.c,$(B)/pic/%.o,$(HOOK_SRC) lib/frame.c) \
             $(B)/pic/gen/event.pb-c.o $(B)/pic/gen/google/protobuf/timestamp.pb-c.o

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TOOL_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
EXAMPLE_BIN := $(B)/examples/linear-train

all: $(B)/mlprov $(B)/libmlprov-hook.so $(B)/libmlprov-hook.a $(EXAMPLE_BIN)

.PHONY: all deps test unit example bench clean install uninstall fuzz
.SECONDARY:

# apt-get needs root: sudo is used only when not already root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
deps:
	$(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES) || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); }

# --- generated protobuf code ------------------------------------------------
$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: schema/%.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -Ischema -I/usr/include $<
$(B)/gen/google/protobuf/%.pb-c.c $(B)/gen/google/protobuf/%.pb-c.h: /usr/include/google/protobuf/%.proto
	@mkdir -p $(B)/gen
	protoc-c --c_out=$(B)/gen -I/usr/include $<

# --- objects ----------------------------------------------------------------
$(B)/obj/gen/%.o: $(B)/gen/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c $< -o $@
$(B)/obj/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(B)/pic/gen/%.o: $(B)/gen/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
$(B)/pic/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

# --- libraries and binaries ---------------------------------------------------
$(B)/libmlprov.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(B)/libmlprov-hook.a: $(HOOK_PIC)
	@rm -f $@
	ar rcs $@ $^
$(B)/libmlprov-hook.so: $(HOOK_PIC)
	$(CC) -shared -Wl,-soname,libmlprov-hook.so.0 $(LDFLAGS_ALL) $^ -o $@ $$(pkg-config --libs libprotobuf-c)
$(B)/mlprov: $(APP_OBJ) $(B)/libmlprov.a $(B)/libmlprov-hook.a
	$(CC) $(LDFLAGS_ALL) $(APP_OBJ) $(B)/libmlprov.a $(B)/libmlprov-hook.a $(LIBS) -o $@

$(B)/examples/linear-train: examples/linear/train.c $(B)/libmlprov-hook.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(B)/libmlprov-hook.a $$(pkg-config --libs libprotobuf-c) -lm -o $@

# --- tests ------------------------------------------------------------------
$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmlprov.a $(APP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(filter-out $(B)/obj/cli/%,$(APP_OBJ)) $(B)/libmlprov.a \
	  $(B)/libmlprov-hook.a $(LIBS) -lcmocka $(LDFLAGS_ALL) -o $@
# Tools may use libmlprov too (unused members of the archive are not linked).
$(B)/tests/tools/%: tests/tools/%.c $(B)/libmlprov.a $(B)/libmlprov-hook.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(B)/libmlprov.a $(B)/libmlprov-hook.a $(LIBS) $(LDFLAGS_ALL) -o $@

$(B)/bench/%: bench/%.c $(B)/libmlprov.a $(APP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(filter-out $(B)/obj/cli/%,$(APP_OBJ)) $(B)/libmlprov.a \
	  $(B)/libmlprov-hook.a $(LIBS) $(LDFLAGS_ALL) -o $@

unit: $(UNIT_BIN)

test: all $(UNIT_BIN) $(TOOL_BIN)
	MLPROV_BUILD=$(B) tests/run

example: all
	MLPROV_BUILD=$(B) examples/linear/run.sh

bench: all $(BENCH_BIN) $(TOOL_BIN)
	MLPROV_BUILD=$(B) bench/run

clean:
	rm -rf build build-san build-fuzz build-clang

-include $(shell find $(B) -name '*.d' 2>/dev/null)
