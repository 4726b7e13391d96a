#!/usr/bin/env bash
# bench_index.sh — the provenance index at scale, SQLite and PostgreSQL side
# by side: insert rate of `mlprov index add` (verification + decomposition +
# writes, and the database writes alone) and the latency of every query kind,
# each as a ratio to its goal (>= 2,000 records/s; <= 100 ms a query).
#
# Data: tests/tools/gen_provenance --bulk signs BENCH_INDEX_RECORDS (default
# 100,000) statements with ~300 dependencies each (32 signing keys), in
# chunks of 10,000 records, one envelope a file as `mlprov run` writes them
# (BENCH_INDEX_PER_FILE=1000: JSON Lines files of 1,000), that are indexed
# into both backends and deleted, so /tmp never holds more than one chunk besides the
# two databases (about 3.4 GB and 2.3 GB at full size, deleted at the end).
# PostgreSQL is a throw-away server (tests/integration/pg.sh) with durable
# commits (fsync on) and server-sized buffers. Query latency is the wall time
# of the `mlprov index query` process, median of 5 runs. Besides wall-clock
# rates, the CPU time of `index add` gives the rate the cores would sustain on
# an unshared machine (the PostgreSQL server's own CPU is not in it).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${MLPROV_BUILD:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
M="$B/mlprov"
GEN="$B/tests/tools/gen_provenance"
N=${BENCH_INDEX_RECORDS:-100000}
PER_FILE=${BENCH_INDEX_PER_FILE:-1}
CHUNK=10000
[ "$N" -lt "$CHUNK" ] && CHUNK=$N
T=$(mktemp -d "${TMPDIR:-/tmp}/mlprov-bench-index.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$ROOT/tests/integration/pg.sh"

mkdir -p "$T/keys" "$T/chunk"
KEYS=() PUBS=()
for i in $(seq 1 32); do
  "$M" keygen "$T/keys/k$i.pem" >/dev/null || exit 2
  KEYS+=(--key "$T/keys/k$i.pem")
  PUBS+=(--key "$T/keys/k$i.pub.pem")
done
SQ="$T/index.db"
PG_OPTS="-c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min -c work_mem=64MB" pg_start ||
  { echo "bench_index: cannot start PostgreSQL (make deps)"; exit 2; }
PGU=$PG_URL

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
secs() { calc "$2 - $1"; }
json_num() { sed -n "s/.*\"$1\": \([0-9.e+-]*\).*/\1/p" | head -1; }

gen_s=0 sq_s=0 pg_s=0 sq_w=0 pg_w=0 sq_cpu=0 pg_cpu=0
TIMEFORMAT="%U + %S" # CPU seconds (user + system) of `index add`
echo "generating and indexing $N records (~300 dependencies each, $PER_FILE a file) in chunks of $CHUNK"
for ((first = 0; first < N; first += CHUNK)); do
  n=$((N - first < CHUNK ? N - first : CHUNK))
  rm -f "$T/chunk"/*
  t0=$(now)
  "$GEN" "${KEYS[@]}" --out "$T/chunk" --bulk "$n" --first "$first" --per-file "$PER_FILE" --threads 2 || exit 2
  t1=$(now)
  { time "$M" index add --db "$SQ" "${PUBS[@]}" --json "$T/chunk" >"$T/sq.json"; } 2>"$T/sq.cpu" ||
    { cat "$T/sq.json"; exit 2; }
  t2=$(now)
  { time "$M" index add --db "$PGU" "${PUBS[@]}" --json "$T/chunk" >"$T/pg.json"; } 2>"$T/pg.cpu" ||
    { cat "$T/pg.json"; exit 2; }
  t3=$(now)
  sq_cpu=$(calc "$sq_cpu + $(cat "$T/sq.cpu")") pg_cpu=$(calc "$pg_cpu + $(cat "$T/pg.cpu")")
  gen_s=$(calc "$gen_s + $t1 - $t0") sq_s=$(calc "$sq_s + $t2 - $t1") pg_s=$(calc "$pg_s + $t3 - $t2")
  sq_w=$(calc "$sq_w + $(json_num writeSeconds <"$T/sq.json")")
  pg_w=$(calc "$pg_w + $(json_num writeSeconds <"$T/pg.json")")
  printf '  %7d records: sqlite %6.0f/s  postgresql %6.0f/s\n' $((first + n)) \
    "$(calc "$n / ($t2 - $t1)")" "$(calc "$n / ($t3 - $t2)")"
done
rm -rf "$T/chunk"
cores=$(nproc)
printf '\ngenerated and signed %d statements in %.1f s (%.0f/s, 2 threads)\n' "$N" "$gen_s" "$(calc "$N / $gen_s")"
printf 'database size: sqlite %s, postgresql %s\n' "$(du -sh "$SQ"* | awk '{s = s $1 " "} END {print s}')" \
  "$(du -sh "$PG_DIR/data" | cut -f1)"
echo
echo "insert rate (goal >= 2000 records/s; $cores cores, verification on $cores threads)"
printf '  %-34s %12s %12s %8s\n' "" sqlite postgresql goal
r1=$(calc "$N / $sq_s") r2=$(calc "$N / $pg_s")
printf '  %-34s %10.0f/s %10.0f/s %8s   ratio to goal %.2f / %.2f\n' "index add (verify + write)" "$r1" "$r2" 2000 \
  "$(calc "$r1 / 2000")" "$(calc "$r2 / 2000")"
c1=$(calc "$cores * $N / $sq_cpu") c2=$(calc "$cores * $N / $pg_cpu")
printf '  %-34s %10.0f/s %10.0f/s %8s   ratio to goal %.2f / %.2f\n' "CPU-bound ($cores cores, unshared)" "$c1" "$c2" 2000 \
  "$(calc "$c1 / 2000")" "$(calc "$c2 / 2000")"
printf '  (mlprov CPU per record: sqlite %.2f ms, postgresql client %.2f ms; load average %s)\n' \
  "$(calc "$sq_cpu * 1000 / $N")" "$(calc "$pg_cpu * 1000 / $N")" "$(cut -d' ' -f1-3 /proc/loadavg)"
w1=$(calc "$N / $sq_w") w2=$(calc "$N / $pg_w")
printf '  %-34s %10.0f/s %10.0f/s %8s   ratio to goal %.2f / %.2f\n' "database writes alone" "$w1" "$w2" 2000 \
  "$(calc "$w1 / 2000")" "$(calc "$w2 / 2000")"

# --- queries ------------------------------------------------------------------
KEYID=$(openssl pkey -in "$T/keys/k1.pem" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-64)
MID=$((N / 2 + 345))
MODEL=$(printf 'model:bulk-%d' "$MID" | sha256sum | cut -c1-64)
ROOTD=$(printf 'root:crawl-07' | sha256sum | cut -c1-64)
queries=(
  "dependency, one version|--dependency pkg:pypi/torchtriton --version ==2.0.0.dev20221230"
  "dependency, one version, --affected|--dependency pkg:pypi/torchtriton --version ==2.0.0.dev20221230 --affected"
  "dependency, range of 10 nightlies|--dependency pkg:pypi/torchtriton --version >=2.0.0.dev20221201,<2.0.0.dev20221211"
  "dependency by name, one version|--dependency pkg0042 --version ==1.3.1"
  "dataset by name (+ lineage)|--dataset ds-0042"
  "dataset by Merkle root (+ lineage)|--dataset $ROOTD"
  "signer (1 of 32 keys)|--signer $KEYID"
  "model: record, ancestors, descendants|--model sha256:$MODEL"
  "time window (1 hour)|--since 2026-01-20T00:00:00Z --until 2026-01-20T01:00:00Z"
)
# median_ms DB ARGS...: prints "CLI-ms in-process-ms CPU-ms count", medians
# of 5 (CPU: user + system time of the mlprov process, not the server's)
median_ms() {
  local db=$1; shift
  local i a b
  : >"$T/runs"
  for i in 1 2 3 4 5; do
    a=$(now)
    { time "$M" index query --db "$db" --json "$@" >"$T/q.json" 2>"$T/q.err"; } 2>"$T/q.cpu" ||
      { echo "query failed: $*" >&2; head -3 "$T/q.err" >&2; }
    b=$(now)
    echo "$(calc "($b - $a) * 1000") $(json_num elapsedMs <"$T/q.json") $(calc "($(cat "$T/q.cpu")) * 1000")" >>"$T/runs"
  done
  echo "$(cut -d' ' -f1 "$T/runs" | sort -n | sed -n 3p) $(cut -d' ' -f2 "$T/runs" | sort -n | sed -n 3p)" \
    "$(cut -d' ' -f3 "$T/runs" | sort -n | sed -n 3p) $(grep -m1 '^  "count"' "$T/q.json" | tr -dc 0-9)"
}
base=()
for i in 1 2 3 4 5; do a=$(now); "$M" --version >/dev/null; b=$(now); base+=("$(calc "($b - $a) * 1000")"); done
echo
printf 'query latency, median of 5 (goal <= 100 ms each): in process (open + query), the whole\n'
printf 'command, and its CPU time (mlprov only: not the PostgreSQL server'"'"'s); reference: starting\n'
printf 'mlprov (--version) takes %.1f ms here now (load average %s)\n' \
  "$(printf '%s\n' "${base[@]}" | sort -n | sed -n 3p)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-38s %31s %31s\n' "" "sqlite: query / command / CPU" "postgresql: query / command / CPU"
TIMEFORMAT="%U + %S"
for q in "${queries[@]}"; do
  label=${q%%|*} args=${q#*|}
  # shellcheck disable=SC2086
  read -r sa sq scpu sc <<<"$(median_ms "$SQ" $args)"
  # shellcheck disable=SC2086
  read -r pa pq pcpu pc <<<"$(median_ms "$PGU" $args)"
  printf '  %-38s %6.1f / %6.1f / %5.0f ms %5s r %6.1f / %6.1f / %5.0f ms %5s r   ratio to goal %.2f / %.2f\n' \
    "$label" "$sq" "$sa" "$scpu" "$sc" "$pq" "$pa" "$pcpu" "$pc" "$(calc "$sq / 100")" "$(calc "$pq / 100")"
done
pg_stop
