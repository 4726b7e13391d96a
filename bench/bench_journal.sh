#!/usr/bin/env bash
# bench_journal.sh — what the run journal costs the agent's ingest rate.
# One job (tests/tools/flood) sends 200 000 events (dataset records) on one
# connection; the whole `mlprov run` is timed (best of 3), and each variant
# is printed as a ratio to the reference run without a journal:
#   none      --journal none                         (reference)
#   journal   the default: journal, fdatasync every 1000 ms
#   acked     journal, the hook asks for Acks and waits for the last one
#   sync0     journal, --journal-sync-ms 0: fdatasync before every Ack
# Goal: the default journal within 1.5x of no journal (it adds a SHA-256 and
# a memcpy per event and one write(2) per loop iteration).
set -u
B=${MLPROV_BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
N=${BENCH_EVENTS:-200000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$B/mlprov" keygen k.pem >/dev/null
echo model >m

best() { # label, run args..., -- flood args...
  local label=$1; shift
  local best=
  for _ in 1 2 3; do
    rm -f m.journal*
    local t0 t1
    t0=$(date +%s.%N)
    "$B/mlprov" run -q --key k.pem --output m "$@" >/dev/null 2>"$W/err" || { echo "$label: run failed"; cat "$W/err"; return 1; }
    t1=$(date +%s.%N)
    local d
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
    best=$(awk -v d="$d" -v b="$best" 'BEGIN {print (b == "" || d < b) ? d : b}')
  done
  echo "$best"
}

ref=$(best none --journal none -- "$B/tests/tools/flood" --events $N) || exit 1
jr=$(best journal -- "$B/tests/tools/flood" --events $N) || exit 1
ak=$(best acked -- "$B/tests/tools/flood" --events $N --acks --sync) || exit 1
s0=$(best sync0 --journal-sync-ms 0 -- "$B/tests/tools/flood" --events $N --acks --sync) || exit 1
size=$(stat -c %s m.journal 2>/dev/null || echo 0)
printf "%-10s %8s %12s %8s\n" variant seconds events/s "x none"
for v in "none $ref" "journal $jr" "acked $ak" "sync0 $s0"; do
  set -- $v
  awk -v v="$1" -v t="$2" -v n=$N -v r="$ref" 'BEGIN {printf "%-10s %8.3f %12.0f %8.2f\n", v, t, n / t, t / r}'
done
echo "journal size: $size bytes for $N events ($((size / N)) bytes/event)"
echo "goal: journal <= 1.5x none"
