# Makefile — builds mlprov (one binary), libmlprov (core library),
# libmlprov-hook (C hook, shared + static), libmlprov-preload.so (LD_PRELOAD
# hook) and the tests.
#
#   make deps        install every build/test dependency (apt-get, one line)
#   make             build build/mlprov, build/libmlprov-hook.{so,a}, build/libmlprov-preload.so
#   make test        run all tests (tests/run); SAN=1 builds with ASan+UBSan
#   make example     run the built-in example end to end and verify it
#   make example-pytorch  the PyTorch example (Python hook, python3-torch)
#   make bench       benchmarks (ratios against a reference in the same run)
#   make install     install (PREFIX=/usr/local, DESTDIR= for staging); make uninstall
#   make fuzz        build the libFuzzer targets (clang) into build-fuzz/fuzz/
#   make fuzz-smoke  run each target for FUZZ_SECONDS (default 25) on its seed corpus
#   CC=clang make    the same with clang

VERSION   := 0.1.0
HOOK_SOVERSION := 0
CC        ?= cc
SAN       ?=

# Installation directories (GNU names, upper case). Override any of them:
#   make install PREFIX=/usr DESTDIR=/tmp/stage LIBDIR=/usr/lib/x86_64-linux-gnu
PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
PKGDATADIR   ?= $(DATADIR)/mlprov
MANDIR       ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
INSTALL      ?= install

DEBIAN_PACKAGES := build-essential clang pkg-config protobuf-c-compiler libprotobuf-c-dev \
  libprotobuf-dev libssl-dev libuv1-dev libjansson-dev libcmocka-dev libsqlite3-dev \
  libpq-dev postgresql libyaml-dev git python3 python3-yaml python3-jsonschema openssl man-db bash-completion chromium \
  fonts-dejavu-core python3-torch python3-setuptools python3-pip libclang-rt-14-dev valgrind

SAN_ON    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# FUZZ=1 (set by `make fuzz`, clang only): the library instrumented for libFuzzer.
FUZZ_ON   := $(SAN_ON) -fsanitize=fuzzer-no-link
SANFLAGS  := $(if $(filter 1,$(FUZZ)),$(FUZZ_ON),$(if $(filter 1,$(SAN)),$(SAN_ON)))
B         := $(if $(BUILD_DIR),$(BUILD_DIR),$(if $(filter 1,$(FUZZ)),build-fuzz,$(if $(filter 1,$(SAN)),build-san,build)))

PKGS      := libuv jansson libprotobuf-c openssl yaml-0.1 sqlite3 libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq is loaded at run time by the PostgreSQL index backend (lib/index_pg.c),
# not linked: its headers only.
PKG_LIBS  := $(shell pkg-config --libs $(filter-out libpq,$(PKGS)) 2>/dev/null) -ldl

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS    ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DMLPROV_VERSION='"$(VERSION)"' $(WARN) $(CFLAGS) $(SANFLAGS) \
  -I$(B)/gen -Ilib -Ihooks/c -Ihooks/preload -Irecorder -Iverifier -Ireport -Icli $(PKG_CFLAGS) -MMD -MP
GEN_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Werror $(CFLAGS) $(SANFLAGS) -I$(B)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LIBS      := $(PKG_LIBS) -lpthread -lm

PROTOS    := $(wildcard schema/*.proto)
WKT       := google/protobuf/struct.proto google/protobuf/timestamp.proto
GEN_C     := $(patsubst schema/%.proto,$(B)/gen/%.pb-c.c,$(PROTOS)) $(patsubst %.proto,$(B)/gen/%.pb-c.c,$(WKT))
GEN_H     := $(GEN_C:.c=.h) $(B)/gen/report_assets.h

LIB_SRC   := $(wildcard lib/*.c)
APP_SRC   := $(wildcard recorder/*.c verifier/*.c report/*.c cli/*.c)
HOOK_SRC  := $(wildcard hooks/c/*.c)

LIB_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(GEN_C:$(B)/gen/%.c=$(B)/obj/gen/%.o)
APP_OBJ   := $(patsubst %.c,$(B)/obj/%.o,$(APP_SRC))
# The hook library is self-contained: framing + generated event code only; it
# links protobuf-c and libcrypto (dataset records are hashed in the job).
HOOK_PIC  := $(patsubst %.c,$(B)/pic/%.o,$(HOOK_SRC) lib/frame.c lib/rank.c) \
             $(B)/pic/gen/event.pb-c.o $(B)/pic/gen/google/protobuf/timestamp.pb-c.o
# The LD_PRELOAD hook links libc only (its own encoder, see hooks/preload/wire.h)
# and is never sanitized: it is injected into programs built without the
# sanitizer runtimes. Its pure parts are also built normally for unit tests.
PRELOAD_SRC := $(wildcard hooks/preload/*.c) lib/rank.c
PRELOAD_OBJ := $(patsubst %.c,$(B)/preload/%.o,$(PRELOAD_SRC))
PRELOAD_CFLAGS := $(filter-out $(SANFLAGS),$(ALL_CFLAGS)) -fPIC -fvisibility=hidden
PRELOAD_TESTED := $(B)/obj/hooks/preload/wire.o $(B)/obj/hooks/preload/pathset.o

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TOOL_SRC))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
# A new target is tests/fuzz/fuzz_<name>.c (picked up by the wildcard above)
# with seeds in tests/fuzz/corpus/<name>/ (tests/fuzz/make_seeds.sh).
FUZZ_SECONDS ?= 25
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
EXAMPLE_BIN := $(B)/examples/linear-train

all: $(B)/mlprov $(B)/libmlprov-hook.so $(B)/libmlprov-hook.a $(B)/libmlprov-preload.so $(EXAMPLE_BIN) $(B)/man/mlprov.1

.PHONY: all deps test unit example example-pytorch bench clean install uninstall fuzz fuzz-targets fuzz-smoke \
  install-bin install-hook install-man install-completion install-data install-python \
  uninstall-bin uninstall-hook uninstall-man uninstall-completion uninstall-data uninstall-python
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

# The report page's stylesheet and script, as C string literals.
REPORT_ASSETS := report/page.css report/page.js
# (quotes and backslashes escaped; '?' too, so no "??x" trigraph can form)
C_STRING := sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/  "/' -e 's/$$/\\n"/'
$(B)/gen/report_assets.h: $(REPORT_ASSETS)
	@mkdir -p $(B)/gen
	{ echo '/* generated by the Makefile from $(REPORT_ASSETS); do not edit */'; \
	  echo 'static const char mp_report_css[] ='; $(C_STRING) report/page.css; echo ';'; \
	  echo 'static const char mp_report_js[] ='; $(C_STRING) report/page.js; echo ';'; } > $@.tmp
	mv $@.tmp $@

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
	$(CC) -shared -Wl,-soname,libmlprov-hook.so.$(HOOK_SOVERSION) $(LDFLAGS_ALL) $^ -o $@ $$(pkg-config --libs libprotobuf-c libcrypto)
$(B)/preload/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) -c $< -o $@
$(B)/libmlprov-preload.so: $(PRELOAD_OBJ)
	$(CC) -shared -Wl,-soname,libmlprov-preload.so -Wl,-z,nodelete -Wl,--no-undefined $(LDFLAGS) $^ -o $@
$(B)/mlprov: $(APP_OBJ) $(B)/libmlprov.a $(B)/libmlprov-hook.a
	$(CC) $(LDFLAGS_ALL) $(APP_OBJ) $(B)/libmlprov.a $(B)/libmlprov-hook.a $(LIBS) -o $@

$(B)/examples/linear-train: examples/linear/train.c $(B)/libmlprov-hook.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(B)/libmlprov-hook.a $$(pkg-config --libs libprotobuf-c libcrypto) -lm -o $@

# --- tests ------------------------------------------------------------------
$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmlprov.a $(B)/libmlprov-hook.a $(APP_OBJ) $(PRELOAD_TESTED)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(filter-out $(B)/obj/cli/%,$(APP_OBJ)) $(PRELOAD_TESTED) $(B)/libmlprov.a \
	  $(B)/libmlprov-hook.a $(LIBS) -lcmocka $(LDFLAGS_ALL) -o $@
# Tools may use libmlprov too (e.g. tests/tools/merkle_dump.c).
$(B)/tests/tools/%: tests/tools/%.c $(B)/libmlprov.a $(B)/libmlprov-hook.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(B)/libmlprov.a $(B)/libmlprov-hook.a $(LIBS) $(LDFLAGS_ALL) -o $@

$(B)/bench/%: bench/%.c $(B)/libmlprov.a $(B)/libmlprov-hook.a $(APP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(filter-out $(B)/obj/cli/%,$(APP_OBJ)) $(B)/libmlprov.a \
	  $(B)/libmlprov-hook.a $(LIBS) $(LDFLAGS_ALL) -o $@

$(B)/fuzz/%: tests/fuzz/%.c $(B)/libmlprov.a $(B)/libmlprov-hook.a $(APP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(filter-out $(B)/obj/cli/%,$(APP_OBJ)) $(B)/libmlprov.a \
	  $(B)/libmlprov-hook.a $(LIBS) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@

unit: $(UNIT_BIN)

test: all $(UNIT_BIN) $(TOOL_BIN)
	MLPROV_BUILD=$(B) tests/run

example: all
	MLPROV_BUILD=$(B) examples/linear/run.sh

example-pytorch: all
	MLPROV_BUILD=$(B) examples/pytorch/run.sh

bench: all $(BENCH_BIN) $(TOOL_BIN)
	MLPROV_BUILD=$(B) bench/run

fuzz:
	$(MAKE) FUZZ=1 CC=clang fuzz-targets

fuzz-targets: $(B)/libmlprov-hook.a $(FUZZ_BIN)
	@echo "fuzz targets in $(B)/fuzz: $(notdir $(FUZZ_BIN))"

fuzz-smoke: fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) MLPROV_BUILD=build-fuzz tests/fuzz/run

clean:
	rm -rf build build-san build-fuzz build-clang

# --- install ----------------------------------------------------------------
# `install` and `uninstall` are the sum of install-<part>/uninstall-<part>
# targets. A component adds its own pair and two lines
#   install: install-<part>
#   uninstall: uninstall-<part>
# (e.g. the Python hook under $(PKGDATADIR)/python, a preload library under
# $(LIBDIR)). Uninstall removes exactly the files install wrote.
HOOK_SO := libmlprov-hook.so
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' \
  -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
  -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
  -e 's|@VERSION@|$(VERSION)|'

install: install-bin install-hook install-man install-completion install-data install-python
uninstall: uninstall-bin uninstall-hook uninstall-man uninstall-completion uninstall-python uninstall-data

install-bin: $(B)/mlprov
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(B)/mlprov $(DESTDIR)$(BINDIR)/mlprov
uninstall-bin:
	rm -f $(DESTDIR)$(BINDIR)/mlprov

# The .pc is written at install time so it always names the PREFIX installed to.
install-hook: $(B)/$(HOOK_SO) $(B)/libmlprov-hook.a
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0755 $(B)/$(HOOK_SO) $(DESTDIR)$(LIBDIR)/$(HOOK_SO).$(VERSION)
	ln -sf $(HOOK_SO).$(VERSION) $(DESTDIR)$(LIBDIR)/$(HOOK_SO).$(HOOK_SOVERSION)
	ln -sf $(HOOK_SO).$(HOOK_SOVERSION) $(DESTDIR)$(LIBDIR)/$(HOOK_SO)
	$(INSTALL) -m 0644 $(B)/libmlprov-hook.a $(DESTDIR)$(LIBDIR)/libmlprov-hook.a
	$(INSTALL) -m 0644 hooks/c/mlprov_hook.h $(DESTDIR)$(INCLUDEDIR)/mlprov_hook.h
	@mkdir -p $(B)
	$(PC_SUBST) hooks/c/mlprov-hook.pc.in > $(B)/mlprov-hook.pc
	$(INSTALL) -m 0644 $(B)/mlprov-hook.pc $(DESTDIR)$(PKGCONFIGDIR)/mlprov-hook.pc
uninstall-hook:
	rm -f $(DESTDIR)$(LIBDIR)/$(HOOK_SO) $(DESTDIR)$(LIBDIR)/$(HOOK_SO).$(HOOK_SOVERSION) \
	  $(DESTDIR)$(LIBDIR)/$(HOOK_SO).$(VERSION) $(DESTDIR)$(LIBDIR)/libmlprov-hook.a \
	  $(DESTDIR)$(INCLUDEDIR)/mlprov_hook.h $(DESTDIR)$(PKGCONFIGDIR)/mlprov-hook.pc

$(B)/man/mlprov.1: docs/mlprov.1
	@mkdir -p $(dir $@)
	sed -e 's|@VERSION@|$(VERSION)|g' $< > $@
install-man: $(B)/man/mlprov.1
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 $(B)/man/mlprov.1 $(DESTDIR)$(MANDIR)/man1/mlprov.1
uninstall-man:
	rm -f $(DESTDIR)$(MANDIR)/man1/mlprov.1

install-completion:
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0644 completions/mlprov.bash $(DESTDIR)$(BASHCOMPDIR)/mlprov
uninstall-completion:
	rm -f $(DESTDIR)$(BASHCOMPDIR)/mlprov

# Shared data: the CI gate examples (a starting point to copy).
CI_EXAMPLES := $(wildcard examples/ci/*)
install-data:
	$(INSTALL) -d $(DESTDIR)$(PKGDATADIR)/ci
	$(INSTALL) -m 0644 $(CI_EXAMPLES) $(DESTDIR)$(PKGDATADIR)/ci/
	chmod 0755 $(DESTDIR)$(PKGDATADIR)/ci/*.sh
uninstall-data:
	rm -f $(addprefix $(DESTDIR)$(PKGDATADIR)/ci/,$(notdir $(CI_EXAMPLES)))
	rmdir $(DESTDIR)$(PKGDATADIR)/ci $(DESTDIR)$(PKGDATADIR) 2>/dev/null || true

# The Python hook, where `mlprov run` looks for it (BINDIR/../share/mlprov/python).
# Uninstall also removes the __pycache__ directories Python may have written
# next to the installed files.
PYHOOK_DIR   := $(PKGDATADIR)/python/mlprov
PYHOOK_FILES := $(wildcard hooks/python/mlprov/*.py)
install-python:
	$(INSTALL) -d $(DESTDIR)$(PYHOOK_DIR)/_boot
	$(INSTALL) -m 0644 $(PYHOOK_FILES) $(DESTDIR)$(PYHOOK_DIR)/
	$(INSTALL) -m 0644 hooks/python/mlprov/_boot/sitecustomize.py $(DESTDIR)$(PYHOOK_DIR)/_boot/
uninstall-python:
	rm -f $(addprefix $(DESTDIR)$(PYHOOK_DIR)/,$(notdir $(PYHOOK_FILES))) \
	  $(DESTDIR)$(PYHOOK_DIR)/_boot/sitecustomize.py
	rm -rf $(DESTDIR)$(PYHOOK_DIR)/__pycache__ $(DESTDIR)$(PYHOOK_DIR)/_boot/__pycache__
	rmdir $(DESTDIR)$(PYHOOK_DIR)/_boot $(DESTDIR)$(PYHOOK_DIR) $(DESTDIR)$(PKGDATADIR)/python \
	  $(DESTDIR)$(PKGDATADIR) 2>/dev/null || true

-include $(shell find $(B) -name '*.d' 2>/dev/null)
