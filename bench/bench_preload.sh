#!/usr/bin/env bash
# bench_preload.sh — what the LD_PRELOAD hook costs a job: a program that
# opens 100,000 files on 4 threads (tests/tools/preload_probe threads), timed
# by itself, run plainly and under `mlprov run --preload` in the same script,
# rounds interleaved. Printed: median wall seconds of each; the median of
# each round's preload/plain ratio (goal < 1.05: a round pairs two runs a
# second apart, so a VM that drifts from fast to slow moments skews neither;
# the ratio of the two medians is printed beside it), and the same for the
# program's own CPU time
# (the in-process cost of the hook alone; the agent's decoding runs beside
# it, in another process). Also the agent's CPU while the program ran (its
# main thread's run time from /proc/PID/schedstat, read by the job's shell
# before and after the program), per event, and (program + agent CPU) / plain
# program CPU: what the wall ratio comes to when the program keeps every core
# busy, and steadier than wall time on a shared machine. The agent's hashing
# after the job is not part of the job's time and is not counted.
set -eu
B=${MLPROV_BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
N=${BENCH_FILES:-100000}
THREADS=${BENCH_THREADS:-4}
ROUNDS=${BENCH_ROUNDS:-9}
PROBE="$B/tests/tools/preload_probe"
W=$(mktemp -d "${TMPDIR:-/tmp}/mlprov-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/files"
"$PROBE" make "$W/files" "$N"
"$B/mlprov" keygen "$W/k.pem" >/dev/null

plain() { "$PROBE" threads "$W/files" "$N" "$THREADS" 2>&1 >/dev/null | awk '/^elapsed/ {print $2, $4}'; }
preload() {
  "$B/mlprov" run -q --no-pb --preload --key "$W/k.pem" --output "$W/o" --out "$W/prov.$1" -- \
    sh -c "read a x </proc/\$PPID/schedstat; '$PROBE' threads '$W/files' $N $THREADS >/dev/null 2>'$W/t';
           read b x </proc/\$PPID/schedstat; echo agent \$a \$b >>'$W/t'; touch '$W/o'"
  awk -v n=$N '/^elapsed/ {e = $2; c = $4} /^agent/ {a = ($3 - $2) / 1e9} END {print e, c, a, a * 1e6 / n}' "$W/t"
}
# median of column $1 of stdin
median() { awk -v c="$1" '{print $c}' | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

plain >/dev/null # warm the page cache
: >"$W/plain.txt"
: >"$W/preload.txt"
for r in $(seq "$ROUNDS"); do
  plain >>"$W/plain.txt"
  preload "$r" >>"$W/preload.txt"
done
paste -d' ' "$W/plain.txt" "$W/preload.txt" | awk '{print $3 / $1, $4 / $2}' >"$W/ratios.txt"
P=$(median 1 <"$W/plain.txt")
L=$(median 1 <"$W/preload.txt")
PC=$(median 2 <"$W/plain.txt")
LC=$(median 2 <"$W/preload.txt")
echo "files=$N threads=$THREADS rounds=$ROUNDS (job time as measured by the program; load average $(cut -d' ' -f1 /proc/loadavg))"
echo "plain    median wall ${P}s cpu ${PC}s  runs (wall cpu): $(tr '\n' ' ' <"$W/plain.txt")"
echo "preload  median wall ${L}s cpu ${LC}s  runs (wall cpu agent-cpu agent-us/event): $(tr '\n' ' ' <"$W/preload.txt")"
RW=$(median 1 <"$W/ratios.txt")
RC=$(median 2 <"$W/ratios.txt")
awk -v r="$RW" -v p="$P" -v l="$L" 'BEGIN {printf "ratio preload/plain, wall: %.3f (goal < 1.05; median of the rounds; of the medians %.3f)\n", r, l / p}'
awk -v r="$RC" -v p="$PC" -v l="$LC" 'BEGIN {printf "ratio preload/plain, job CPU: %.3f (of the medians %.3f)\n", r, l / p}'
AC=$(median 3 <"$W/preload.txt")
AE=$(median 4 <"$W/preload.txt")
awk -v p="$PC" -v l="$LC" -v a="$AC" -v e="$AE" \
  'BEGIN {printf "agent CPU while the job ran: median %.3fs, %.3f us an event; (job + agent CPU) / plain job CPU: %.3f\n", a, e, (l + a) / p}'
