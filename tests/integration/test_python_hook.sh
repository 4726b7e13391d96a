#!/usr/bin/env bash
# test_python_hook.sh — the Python hook through the real `mlprov run`: an
# unmodified script's provenance names the files it read and its packages and
# the same script runs unchanged without mlprov; the agent killed mid-run does
# not stop the job; a flood beyond the queue is counted in the provenance;
# --no-python-hook, a wrong MLPROV_PYTHON_HOOK and a missing hook; and
# `pip install ./hooks/python`. Uses python3 from PATH (3.8+), no torch; the
# install falls back to /usr/bin/python3 when that one cannot build.
. "$(dirname "$0")/lib.sh"
# The interpreter itself, not a wrapper script (a pyenv shim costs seconds).
PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable if sys.version_info >= (3, 8) else "")' 2>/dev/null)
if [ -z "$PY" ]; then
  ok "python hook tests # skip no python3 >= 3.8 on PATH"
  done_testing
fi
make_keys
cd "$T"
# This tree's hook, wherever BUILD_DIR put the binary (the lookup next to the
# binary is tested on its own below).
ROOTP=$(cd "$ROOT" && pwd -P)
export MLPROV_PYTHON_HOOK="$ROOTP/hooks/python"

# Python assertions on the signed statement of a provenance file:
#   jq_py FILE 'PYTHON EXPRESSION over s (statement), deps, byp, params'
jq_py() {
  "$PY" - "$1" "$2" <<'PY'
import base64, json, sys
e = json.loads(open(sys.argv[1]).readline())
s = json.loads(base64.b64decode(e["payload"]))
p = s["predicate"]
deps = p["buildDefinition"]["resolvedDependencies"]
byp = dict((b["name"], b.get("annotations", {})) for b in p["runDetails"]["byproducts"] if "annotations" in b)
params = p["buildDefinition"]["externalParameters"]["parameters"]
files = dict((d["name"], d) for d in deps if d["annotations"]["kind"] == "file")
pkgs = dict((d["uri"], d) for d in deps if d["annotations"]["kind"] == "package")
r = eval(sys.argv[2])
print(r)
sys.exit(0 if r else 1)
PY
}
expect_py() { # NAME FILE EXPR
  if jq_py "$2" "$3" >"$T/py.out" 2>&1; then ok "$1"; else not_ok "$1" "false: $3" "$(tail -5 "$T/py.out")"; fi
}

# --- an unmodified script ----------------------------------------------------------
mkdir -p job/data site/demo_mod site/Demo_Pkg-1.2.3.dist-info site/idle_mod site/idle_pkg-0.5.dist-info
echo "x,y" >job/data/train.csv
echo "setting = 1" >job/conf.txt
echo "VALUE = 2" >job/helper.py
echo "print('demo')" >site/demo_mod/__init__.py
printf 'Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.2.3\n' >site/Demo_Pkg-1.2.3.dist-info/METADATA
echo demo_mod >site/Demo_Pkg-1.2.3.dist-info/top_level.txt
printf 'Metadata-Version: 2.1\nName: idle-pkg\nVersion: 0.5\n' >site/idle_pkg-0.5.dist-info/METADATA
echo idle_mod >site/idle_pkg-0.5.dist-info/top_level.txt
cat >job/train.py <<'EOF'
import os, sys
import helper, demo_mod
rows = open("data/train.csv").read().splitlines()
conf = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "conf.txt")).read()
os.makedirs("out", exist_ok=True)
with open("out/model.bin", "w") as f:
    f.write("model %d %s\n" % (len(rows), helper.VALUE))
print("trained on", len(rows), "rows; argv", sys.argv[1:])
sys.exit(int(os.environ.get("EXIT", "0")))
EOF
cd job
PYTHONPATH="$T/site" "$PY" train.py a b >"$T/plain.out" 2>"$T/plain.err"
plain_rc=$?
rm -rf out
expect_exit 0 "unmodified script under mlprov run" env PYTHONPATH="$T/site" "$MLPROV" run -q --key ../keys/p256.pem --output out/model.bin -- "$PY" train.py a b
cp "$T/out" "$T/hooked.out"; cp "$T/err" "$T/hooked.err"
P=out/model.bin.intoto.jsonl
check "its provenance verifies" "$MLPROV" verify --key ../keys/p256.pub.pem out/model.bin
expect_py "the data file it read is listed" $P '"data/train.csv" in files and files["data/train.csv"]["digest"]["sha256"]'
expect_py "a file read through an absolute path is listed" $P '"conf.txt" in files'
expect_py "the script and its local module are listed" $P '"train.py" in files and "helper.py" in files'
expect_py "the model it wrote is not an input" $P '"out/model.bin" not in files'
expect_py "stdlib and package code are not listed file by file" $P 'not [n for n in files if n.endswith((".pyc", ".so")) or "/lib/python3" in n]'
expect_py "the imported package is recorded and loaded" $P 'pkgs["pkg:pypi/demo-pkg@1.2.3"]["annotations"].get("loaded") is True'
expect_py "an installed, unused package is recorded, not loaded" $P '"loaded" not in pkgs["pkg:pypi/idle-pkg@0.5"]["annotations"]'
expect_py "the interpreter is recorded" $P '[u for u in pkgs if u.startswith("pkg:generic/cpython@")]'
expect_py "the python hook connected" $P '[h for h in byp["mlprov/hooks"]["hooks"] if h["kind"] == "python"]'
expect_py "imported modules are listed" $P '"demo_mod" in json.loads([a["text"] for a in byp["mlprov/annotations"]["items"] if a["key"] == "python.modules"][0])'
expect_py "nothing was dropped" $P 'byp["mlprov/hooks"]["eventsDroppedByHooks"] == 0'
expect_grep "without mlprov the script runs unchanged (stdout)" "^trained on 1 rows; argv \['a', 'b'\]$" "$T/plain.out"
if [ "$plain_rc" -eq 0 ] && cmp -s "$T/plain.out" "$T/hooked.out"; then ok "same output and status with and without mlprov"
else not_ok "same output and status with and without mlprov" "rc $plain_rc" "$(diff "$T/plain.out" "$T/hooked.out")"; fi
expect_no_grep "the hook writes nothing on stderr" '.' "$T/plain.err" "$T/hooked.err"
expect_exit 4 "the job's exit status is kept" env EXIT=4 PYTHONPATH="$T/site" "$MLPROV" run -q --key ../keys/p256.pem --output out/model.bin -- "$PY" train.py
cd "$T"

# --- the job's own sitecustomize still runs ------------------------------------------
mkdir -p usersite
echo 'import os; os.environ["USER_SITE_RAN"] = "yes"' >usersite/sitecustomize.py
echo 'import os; open("uc.out", "w").write(os.environ.get("USER_SITE_RAN", "no"))' >uc.py
expect_exit 0 "job with its own sitecustomize" env PYTHONPATH="$T/usersite" "$MLPROV" run -q --key keys/p256.pem --output uc.out -- "$PY" uc.py
expect_grep "its sitecustomize ran under mlprov" '^yes$' uc.out

# --- agent killed mid-run -------------------------------------------------------------
cat >victim.py <<'EOF'
import mlprov, os, sys, time
open("ready", "w").write(str(os.getpid()))
for _ in range(3000):                 # wait (bounded) until the agent is gone
    if os.path.exists("go"):
        break
    time.sleep(0.01)
for i in range(20000):
    mlprov.param("after-kill", i)
    if i % 1000 == 0:
        open("data-%d.txt" % i, "w").close(); open("data-%d.txt" % i).read()
open("finished", "w").write("finished")
EOF
"$MLPROV" run -q --key keys/p256.pem --output finished -- "$PY" victim.py >victim.out 2>victim.err &
agent=$!
for _ in $(seq 300); do [ -s ready ] && break; sleep 0.05; done
kill -KILL $agent; wait $agent 2>/dev/null
touch go
job=$(cat ready 2>/dev/null)
for _ in $(seq 400); do kill -0 "$job" 2>/dev/null || break; sleep 0.05; done
if [ -n "$job" ] && ! kill -0 "$job" 2>/dev/null; then ok "agent killed: the job still exits"
else not_ok "agent killed: the job still exits" "pid ${job:-?} still running"; kill -KILL "$job" 2>/dev/null; fi
expect_grep "agent killed: the script ran to its end" "^finished$" finished
expect_no_grep "agent killed: no traceback" 'Traceback' victim.err
expect_grep "agent killed: undelivered events are reported on stderr" 'could not be reported to the agent' victim.err

# --- a flood beyond the queue ----------------------------------------------------------
cat >flood.py <<'EOF'
import json, mlprov
for i in range(50000):
    mlprov.param("flood", i)
mlprov.flush(30)
open("flood.json", "w").write(json.dumps(mlprov.stats()))
EOF
expect_exit 0 "flood beyond the queue: the job succeeds" env MLPROV_PYTHON_QUEUE=64 "$MLPROV" run -q --key keys/p256.pem --output flood.json -- "$PY" flood.py
expect_py "flood: drops happened" flood.json.intoto.jsonl 'json.load(open("flood.json"))["dropped"] > 0'
expect_py "flood: the provenance counts exactly the drops the hook saw" flood.json.intoto.jsonl 'byp["mlprov/hooks"]["eventsDroppedByHooks"] == json.load(open("flood.json"))["dropped"]'
expect_py "flood: the agent decoded everything that was sent" flood.json.intoto.jsonl 'byp["mlprov/hooks"]["badFrames"] == 0 and byp["mlprov/hooks"]["tornFrames"] == 0'
expect_no_grep "flood: stderr says the drops were reported, not lost" 'could not be reported' "$T/err"

# --- options and lookup ----------------------------------------------------------------
echo 'import os; open("pp.out", "w").write(os.environ.get("PYTHONPATH", "<unset>"))' >pp.py
expect_exit 0 "--no-python-hook" env -u PYTHONPATH "$MLPROV" run -q --no-python-hook --key keys/p256.pem --output pp.out -- "$PY" pp.py
expect_grep "--no-python-hook leaves PYTHONPATH alone" '^<unset>$' pp.out
expect_py "--no-python-hook: no python connection" pp.out.intoto.jsonl 'byp["mlprov/hooks"]["connections"] == 0'
case "$(cd "$B" && pwd -P)" in
  "$ROOTP"/*) lookup="env -u MLPROV_PYTHON_HOOK" ;;   # a build dir inside the tree: found next to the binary
  *) lookup="env" ;;
esac
expect_exit 0 "default run puts the hook first on PYTHONPATH" $lookup PYTHONPATH=/mine "$MLPROV" run -q --key keys/p256.pem --output pp.out -- "$PY" pp.py
expect_grep "PYTHONPATH: boot dir, hook dir, then the job's own" "^$ROOTP/hooks/python/mlprov/_boot:$ROOTP/hooks/python:/mine\$" pp.out
expect_exit 2 "a wrong MLPROV_PYTHON_HOOK is refused before the job" env MLPROV_PYTHON_HOOK="$T/nowhere" "$MLPROV" run --key keys/p256.pem --output pp.out -- sh -c 'touch ran'
expect_grep "the refusal names the variable and the directory" "MLPROV_PYTHON_HOOK=$T/nowhere is not a Python hook directory" "$T/err"
check "the job did not run" test ! -e ran
mkdir -p otherhook && cp -r "$ROOT/hooks/python/mlprov" otherhook/
expect_exit 0 "MLPROV_PYTHON_HOOK points at another copy" env MLPROV_PYTHON_HOOK="$T/otherhook" "$MLPROV" run -q --key keys/p256.pem --output pp.out -- "$PY" pp.py
TP=$(pwd -P)
expect_grep "that copy is used" "^$TP/otherhook/mlprov/_boot:$TP/otherhook\$" pp.out
mkdir -p lone/bin && cp "$MLPROV" lone/bin/mlprov
expect_exit 0 "a binary without its hook still runs the job" env -u MLPROV_PYTHON_HOOK lone/bin/mlprov run -q --key keys/p256.pem --output pp.out -- "$PY" pp.py
expect_grep "and warns" 'warning: Python hook not found' "$T/err"
expect_py "and the provenance says so" pp.out.intoto.jsonl '[w for w in byp["mlprov/warnings"]["items"] if "Python hook not found" in w]'

# --- pip install ./hooks/python -----------------------------------------------------------
# Built offline with the interpreter's own setuptools and wheel (setuptools
# < 70.1 needs wheel to build one). A python3 on PATH that cannot (a pyenv
# build without wheel) hands over to Debian's /usr/bin/python3, which
# `make deps` equips (python3-pip depends on python3-setuptools and
# python3-wheel). The install goes to --target under $T, never the system.
can_build() {
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null &&
    "$1" -m pip --version >/dev/null 2>&1 && "$1" -c 'import setuptools, wheel' 2>/dev/null
}
BPY=""
for cand in "$PY" /usr/bin/python3; do
  if [ -x "$cand" ] && can_build "$cand"; then BPY=$cand; break; fi
done
# Where BPY imports mlprov from without PYTHONPATH (None: nowhere), from a
# directory without one: a pip install that escaped --target changes it.
own_mlprov() { (cd / && env -u PYTHONPATH "$BPY" -c 'import importlib.util as u; s = u.find_spec("mlprov"); print(s and s.origin)'); }
if [ -n "$BPY" ]; then
  echo "# pip install with $BPY"
  own_before=$(own_mlprov 2>&1)
  cp -r "$ROOT/hooks/python" "$T/pysrc"     # an in-tree build would leave mlprov.egg-info behind
  rm -rf "$T/pysrc/mlprov/__pycache__" "$T/pysrc/mlprov/_boot/__pycache__"
  expect_exit 0 "pip install ./hooks/python (offline)" env PIP_CONFIG_FILE=/dev/null "$BPY" -m pip install --quiet \
    --no-index --no-build-isolation --no-cache-dir --no-warn-script-location --target "$T/pipdest" "$T/pysrc"
  check "the installed package imports" env PYTHONPATH="$T/pipdest" "$BPY" -c 'import mlprov, mlprov._auto, mlprov._wire; assert mlprov.__file__.startswith("'"$T"'/pipdest")'
  check "the boot sitecustomize is installed with it" test -f "$T/pipdest/mlprov/_boot/sitecustomize.py"
  check "no top-level sitecustomize is installed" test ! -e "$T/pipdest/sitecustomize.py"
  expect_grep "its distribution metadata names mlprov 0.1.0" '^Version: 0\.1\.0$' "$T"/pipdest/mlprov-0.1.0.dist-info/METADATA
  check "it installs only the mlprov package and its metadata" \
    test "$(cd "$T/pipdest" && ls | sort | tr '\n' ' ')" = "mlprov mlprov-0.1.0.dist-info "
  own_after=$(own_mlprov 2>&1)
  if [ "$own_before" = "$own_after" ]; then ok "the interpreter's own site-packages are untouched"
  else not_ok "the interpreter's own site-packages are untouched" "mlprov found at: before $own_before, after $own_after"; fi
  check "explicit calls from the installed package reach the agent" "$MLPROV" run -q --no-python-hook --key keys/p256.pem --output pp.out -- \
    env PYTHONPATH="$T/pipdest" "$BPY" -c 'import mlprov; mlprov.param("installed", True)'
  expect_grep "the parameter is in the provenance" '"installed":true' <(payload_of pp.out.intoto.jsonl)
  printf 'import mlprov\nopen("in.txt").read()\nopen("installed.out", "w").write(mlprov.__file__)\n' >inst.py
  echo data >in.txt
  check "automatic mode from the installed package" env MLPROV_PYTHON_HOOK="$T/pipdest" \
    "$MLPROV" run -q --key keys/p256.pem --output installed.out -- "$BPY" inst.py
  expect_grep "the job imported the installed copy" "^$T/pipdest/mlprov/__init__.py\$" installed.out
  expect_py "the installed copy recorded the file the job read" installed.out.intoto.jsonl '"in.txt" in files'
else
  ok "pip install ./hooks/python # skip no python3 >= 3.8 with pip, setuptools and wheel ($PY, /usr/bin/python3; make deps installs python3-pip)"
fi
done_testing
