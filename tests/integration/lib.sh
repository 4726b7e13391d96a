# lib.sh — sourced by every integration test: TAP output, a scratch directory,
# fixture keys, and assertions that drive the real mlprov binary.
#
#   check NAME CMD...             passes when CMD exits 0
#   expect_exit CODE NAME CMD...  passes when CMD exits CODE; its stdout and
#                                 stderr are kept in $T/out and $T/err
#   expect_grep NAME PATTERN FILE  passes when FILE matches PATTERN (grep -E)
#   expect_no_grep NAME PATTERN FILE...
#   done_testing                  prints the plan and exits non-zero on failure
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${MLPROV_BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
MLPROV="$B/mlprov"
TOOLS="$B/tests/tools"
T=$(mktemp -d "${TMPDIR:-/tmp}/mlprov-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# journals of runs without a known output go here, not to ~/.local/state
export MLPROV_STATE_DIR="$T/state"
_n=0
_failed=0

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() {
  _n=$((_n + 1)); _failed=$((_failed + 1))
  echo "not ok $_n - $1"
  shift
  for line in "$@"; do echo "# $line"; done
}

check() {
  local name=$1; shift
  if "$@" >"$T/out" 2>"$T/err"; then ok "$name"
  else not_ok "$name" "command failed ($?): $*" "stderr: $(head -c 600 "$T/err")"; fi
}

expect_exit() {
  local want=$1 name=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"
  else not_ok "$name" "expected exit $want, got $got: $*" "stdout: $(head -c 400 "$T/out")" "stderr: $(head -c 600 "$T/err")"; fi
}

expect_grep() {
  local name=$1 pattern=$2 file=$3
  if grep -qE -- "$pattern" "$file"; then ok "$name"
  else not_ok "$name" "no match for /$pattern/ in $file:" "$(head -c 600 "$file")"; fi
}

expect_no_grep() {
  local name=$1 pattern=$2; shift 2
  if grep -qE -- "$pattern" "$@" 2>/dev/null; then not_ok "$name" "unexpected match for /$pattern/ in $*"
  else ok "$name"; fi
}

# Fresh keys for this test: $T/keys/{p256,p384,ed25519,other}.pem (+ .pub.pem)
make_keys() {
  mkdir -p "$T/keys"
  "$MLPROV" keygen --type ecdsa-p256 "$T/keys/p256.pem" >/dev/null
  "$MLPROV" keygen --type ecdsa-p384 "$T/keys/p384.pem" >/dev/null
  "$MLPROV" keygen --type ed25519 "$T/keys/ed25519.pem" >/dev/null
  "$MLPROV" keygen "$T/keys/other.pem" >/dev/null
}

# The statement inside the first envelope of a .intoto.jsonl file, as JSON.
payload_of() {
  python3 -c 'import json,base64,sys; e=json.loads(open(sys.argv[1]).readline()); print(base64.b64decode(e["payload"]).decode())' "$1"
}

done_testing() {
  echo "1..$_n"
  [ "$_failed" -eq 0 ]
  exit $?
}

# flip_byte FILE OFFSET — inverts every bit of one byte in place, so the file
# surely changes (writing a fixed byte into random data leaves it unchanged
# once in 256 runs).
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf %03o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
