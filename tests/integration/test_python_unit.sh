#!/usr/bin/env bash
# test_python_unit.sh — the Python hook's own tests (tests/python, unittest):
# the encoder against protobuf-c (tests/tools/evdump), the queue and the
# connection against a fake agent, automatic mode in real interpreters.
# Their TAP lines are this program's.
. "$(dirname "$0")/lib.sh"
PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable if sys.version_info >= (3, 8) else "")' 2>/dev/null)
if [ -z "$PY" ]; then
  echo "ok 1 - python hook unit tests # skip no python3 >= 3.8 on PATH"
  echo "1..1"
  exit 0
fi
if [ ! -x "$TOOLS/evdump" ]; then
  not_ok "the C decoder tool is built" "$TOOLS/evdump missing (make test builds it)"
  done_testing
fi
cd "$T"
MLPROV_BUILD="$B" PYTHONDONTWRITEBYTECODE=1 "$PY" "$ROOT/tests/python/tap.py"
