#!/usr/bin/env bash
# test_install.sh — `make install` / `make uninstall` into a temporary DESTDIR:
# every file lands where the Makefile's directory variables say, the shared
# library carries its soname and symlinks, the pkg-config file names the
# PREFIX (never the DESTDIR), a program builds against the installed hook with
# `pkg-config --cflags --libs mlprov-hook` and reports to the installed
# `mlprov run`, the installed `mlprov run` loads the installed Python hook,
# and uninstall leaves nothing behind.
. "$(dirname "$0")/lib.sh"
make_keys
BUILD=${MLPROV_BUILD:-build}
VERSION=$("$MLPROV" --version | awk 'NR == 1 { print $2 }')
mk() { make -s -C "$ROOT" BUILD_DIR="$BUILD" "$@"; }

S=$T/stage
P=$S/usr/local
check "make install DESTDIR=... PREFIX=/usr/local" mk install DESTDIR="$S" PREFIX=/usr/local
for f in bin/mlprov include/mlprov_hook.h lib/libmlprov-hook.a "lib/libmlprov-hook.so.$VERSION" \
  lib/pkgconfig/mlprov-hook.pc share/man/man1/mlprov.1 share/bash-completion/completions/mlprov \
  share/mlprov/ci/mlprov-gate.sh share/mlprov/python/mlprov/__init__.py \
  share/mlprov/python/mlprov/_wire.py share/mlprov/python/mlprov/_boot/sitecustomize.py; do
  check "installed $f" test -f "$P/$f"
done
check "mlprov is executable" test -x "$P/bin/mlprov"
check "gate script is executable" test -x "$P/share/mlprov/ci/mlprov-gate.sh"
expect_grep "libmlprov-hook.so.0 -> libmlprov-hook.so.$VERSION" "^libmlprov-hook.so.$VERSION\$" <(readlink "$P/lib/libmlprov-hook.so.0")
expect_grep "libmlprov-hook.so -> libmlprov-hook.so.0" '^libmlprov-hook.so.0$' <(readlink "$P/lib/libmlprov-hook.so")
expect_grep "shared library soname is libmlprov-hook.so.0" 'SONAME.*\[libmlprov-hook\.so\.0\]' <(readelf -d "$P/lib/libmlprov-hook.so.$VERSION")
expect_grep "only the hook API is exported" '^mlprov_hook_open$' <(nm -D --defined-only "$P/lib/libmlprov-hook.so" | awk '{print $3}')
expect_no_grep "no internal symbol exported" '^(mp_|mlprov__)' <(nm -D --defined-only "$P/lib/libmlprov-hook.so" | awk '{print $3}')
expect_grep ".pc names the prefix" '^prefix=/usr/local$' "$P/lib/pkgconfig/mlprov-hook.pc"
expect_grep ".pc libdir is relative to prefix" '^libdir=\$\{prefix\}/lib$' "$P/lib/pkgconfig/mlprov-hook.pc"
expect_no_grep ".pc does not leak the DESTDIR" "$S" "$P/lib/pkgconfig/mlprov-hook.pc"
expect_grep ".pc version is the release" "^Version: $VERSION\$" "$P/lib/pkgconfig/mlprov-hook.pc"
expect_exit 0 "installed mlprov runs" "$P/bin/mlprov" --version
expect_grep "installed mlprov reports its version" "^mlprov $VERSION" "$T/out"
expect_exit 0 "installed man page renders" man --warnings -l "$P/share/man/man1/mlprov.1"
cp "$T/out" "$T/man.out"; cp "$T/err" "$T/man.err"
expect_grep "installed man page carries the version" "mlprov $VERSION" "$T/man.out"
expect_no_grep "man --warnings: no warning" '.' "$T/man.err"
expect_exit 0 "man finds mlprov(1) through MANPATH" env MANPATH="$P/share/man" man -w mlprov
expect_grep "man -w names the installed page" "$P/share/man/man1/mlprov.1" "$T/out"

# --- a program built against the installed hook ------------------------------
cat >"$T/job.c" <<'C'
#include <mlprov_hook.h>
#include <stdio.h>
int main(int argc, char **argv) {
  mlprov_hook *h = mlprov_hook_open();
  mlprov_dataset(h, "installed-hook-data", NULL, NULL, 3, NULL);
  mlprov_param_int(h, "epochs", 7);
  FILE *f = fopen(argv[1], "w");
  if (!f) return 1;
  fputs("weights\n", f);
  fclose(f);
  mlprov_artifact(h, argv[1], MLPROV_ROLE_MODEL);
  mlprov_hook_close(h);
  return argc == 2 ? 0 : 1;
}
C
PC() { PKG_CONFIG_PATH="$P/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$S" pkg-config "$@"; }
# A sanitizer build (make test SAN=1) installs an instrumented hook library:
# programs built against it need the same runtime.
CCSAN=""
if readelf -d "$B/libmlprov-hook.so" | grep -q 'libasan'; then
  CCSAN="-fsanitize=address,undefined"
fi
export CCSAN
expect_exit 0 "pkg-config knows mlprov-hook" PC --modversion mlprov-hook
expect_grep "pkg-config --modversion" "^$VERSION\$" "$T/out"
expect_exit 0 "pkg-config --cflags --libs mlprov-hook" PC --cflags --libs mlprov-hook
expect_grep "flags point into the install" "-I$P/include .*-L$P/lib -lmlprov-hook" "$T/out"
expect_exit 0 "pkg-config --static lists the hook's private dependencies" PC --static --libs mlprov-hook
expect_grep "static link pulls in protobuf-c" '-lprotobuf-c' "$T/out"
expect_exit 0 "a program builds against the installed hook (shared)" \
  sh -c "cc \$CCSAN -o '$T/job' '$T/job.c' \$(PKG_CONFIG_PATH='$P/lib/pkgconfig' PKG_CONFIG_SYSROOT_DIR='$S' pkg-config --cflags --libs mlprov-hook)"
expect_grep "program needs libmlprov-hook.so.0" 'NEEDED.*\[libmlprov-hook\.so\.0\]' <(readelf -d "$T/job")
expect_exit 0 "a program links the installed static library" \
  sh -c "cc \$CCSAN -o '$T/job-static' '$T/job.c' \$(PKG_CONFIG_PATH='$P/lib/pkgconfig' PKG_CONFIG_SYSROOT_DIR='$S' pkg-config --cflags mlprov-hook) '$P/lib/libmlprov-hook.a' \$(pkg-config --libs libprotobuf-c) -lpthread"
expect_no_grep "static program does not need the shared hook" 'libmlprov-hook' <(readelf -d "$T/job-static")
cd "$T"
expect_exit 0 "program runs without mlprov (hook is a no-op)" env LD_LIBRARY_PATH="$P/lib" ./job plain.bin
expect_exit 0 "program runs under the installed mlprov run" \
  env LD_LIBRARY_PATH="$P/lib" "$P/bin/mlprov" run -q --key keys/p256.pem -- ./job model.bin
payload_of model.bin.intoto.jsonl >st.json
expect_grep "its dataset event reached the agent" '"name":"installed-hook-data"' st.json
expect_grep "its parameter reached the agent" '"epochs":7' st.json
expect_exit 0 "installed mlprov verifies it" "$P/bin/mlprov" verify --key keys/p256.pub.pem model.bin
expect_exit 0 "static program runs under mlprov run" "$P/bin/mlprov" run -q --key keys/p256.pem -- ./job-static static.bin
payload_of static.bin.intoto.jsonl >st2.json
expect_grep "static hook delivers too" '"name":"installed-hook-data"' st2.json

# --- the installed Python hook ---------------------------------------------------
PY=$(python3 -c 'import sys; print(sys.executable if sys.version_info >= (3, 8) else "")' 2>/dev/null)
if [ -n "$PY" ]; then
  echo 'import os, mlprov; open("pyjob.out", "w").write(os.environ["PYTHONPATH"] + " " + mlprov.__file__)' >pyjob.py
  expect_exit 0 "installed mlprov runs a Python job" env -u MLPROV_PYTHON_HOOK -u PYTHONPATH \
    "$P/bin/mlprov" run -q --key keys/p256.pem --output pyjob.out -- "$PY" pyjob.py
  PP=$(cd "$P" && pwd -P)/share/mlprov/python
  expect_grep "it found the installed Python hook (PREFIX/share/mlprov/python)" \
    "^$PP/mlprov/_boot:$PP $PP/mlprov/__init__.py\$" pyjob.out
  expect_grep "the Python hook reported to it" '"kind":"python"' <(payload_of pyjob.out.intoto.jsonl)
else
  ok "installed Python hook # skip no python3 >= 3.8"
fi

# --- uninstall ----------------------------------------------------------------
check "make uninstall DESTDIR=... PREFIX=/usr/local" mk uninstall DESTDIR="$S" PREFIX=/usr/local
expect_no_grep "uninstall removes every installed file" '.' <(find "$S" -type f -o -type l)
check "uninstall removes mlprov's data directory" test ! -e "$P/share/mlprov"

# --- a prefix without DESTDIR, and a distribution libdir -----------------------
O=$T/opt/mlprov
check "make install PREFIX=<private dir>" mk install PREFIX="$O"
expect_exit 0 "pkg-config resolves the private prefix" env PKG_CONFIG_PATH="$O/lib/pkgconfig" pkg-config --variable=libdir mlprov-hook
expect_grep "libdir follows the prefix" "^$O/lib\$" "$T/out"
expect_exit 0 "a program builds against the private prefix" \
  sh -c "cc \$CCSAN -o '$T/job2' '$T/job.c' \$(PKG_CONFIG_PATH='$O/lib/pkgconfig' pkg-config --cflags --libs mlprov-hook)"
expect_exit 0 "and runs with it" env LD_LIBRARY_PATH="$O/lib" "$T/job2" "$T/x.bin"
check "make uninstall PREFIX=<private dir>" mk uninstall PREFIX="$O"
expect_no_grep "private prefix emptied" '.' <(find "$O" -type f -o -type l)

D=$T/deb
check "make install PREFIX=/usr LIBDIR=/usr/lib/<multiarch>" mk install DESTDIR="$D" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu
check "library in the multiarch libdir" test -f "$D/usr/lib/x86_64-linux-gnu/libmlprov-hook.so.$VERSION"
check ".pc in the multiarch libdir" test -f "$D/usr/lib/x86_64-linux-gnu/pkgconfig/mlprov-hook.pc"
expect_grep ".pc libdir follows LIBDIR" '^libdir=\$\{prefix\}/lib/x86_64-linux-gnu$' "$D/usr/lib/x86_64-linux-gnu/pkgconfig/mlprov-hook.pc"
check "binary in /usr/bin" test -x "$D/usr/bin/mlprov"
done_testing
