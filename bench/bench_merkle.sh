#!/usr/bin/env bash
# bench_merkle.sh — dataset transparency (issue 5): building the commitment of
# 1 M and 10 M records of 100 bytes, proof sizes and verification time.
# Reference, measured in the same run: SHA-256 of the same bytes in one stream
# (OpenSSL, SHA-NI where the CPU has it); build times print as multiples of it.
# Goals (from the issue): >= 2 M leaves/s, verify <= 50 us, proof size
# 32*ceil(log2 n) bytes plus a small header.
#
#   library   bench/bench_merkle.c: leaf hashes of in-memory records (all
#             cores) + both trees (mp_dstree_commit)
#   CLI       `mlprov dataset commit FILE` on a file of those lines, end to
#             end (read, hash, trees, tree file), against `openssl dgst`
#   hook      what a training loop pays per sample: mlprov_record under
#             `mlprov run`, against one SHA-256 of the sample
set -u
B=${MLPROV_BUILD:-build}
BIN="$B/bench/bench_merkle"
MLPROV="$B/mlprov"
SIZES=${BENCH_MERKLE_SIZES:-"1000000 10000000"}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-merkle.XXXXXX")
trap 'rm -rf "$W"' EXIT
[ -x "$BIN" ] || { echo "missing $BIN (make bench builds it)"; exit 1; }

val() { awk -v k="$1" '$1 == k { print $2 }' "$W/out"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
printf '%-9s %-11s %-10s %-10s %-12s %-13s %-9s %-11s %s\n' records "ref SHA-256" leaves trees "build rate" "vs reference" verify "proof size" "32*ceil(log2 n)"
for n in $SIZES; do
  "$BIN" "$n" >"$W/out" || { echo "bench_merkle $n failed"; exit 1; }
  ref=$(val ref_s) leaves=$(val leaves_s) trees=$(val trees_s)
  awk -v n="$n" -v ref="$ref" -v l="$leaves" -v t="$trees" -v vi="$(val verify_in_us)" -v vo="$(val verify_out_us)" \
      -v pb="$(val proof_in_bytes)" -v po="$(val proof_out_bytes)" -v h="$(val path_hashes)" \
      -v bc="$(val build_cpu_s)" -v rc="$(val ref_cpu_s)" 'BEGIN {
    b = l + t; lg = 0; while (2 ^ lg < n) lg++
    printf "%-9d %-11s %-10s %-10s %-12s %-13s %-9s %-11s %d\n", n, sprintf("%.3f s", ref), sprintf("%.3f s", l),
      sprintf("%.3f s", t), sprintf("%.2f M/s", n / b / 1e6), sprintf("%.1fx", b / ref), sprintf("%.1f us", vi),
      sprintf("%d B", pb), 32 * lg
    printf "          (non-inclusion: verify %.1f us, proof %d B = two paths; inclusion path %d hashes)\n", vo, po, h
    printf "          (CPU time: build %.3f s = %.2f M leaves per CPU-second; reference %.3f s)\n", bc, n / bc / 1e6, rc }'
done
echo "goal: build >= 2 M leaves/s; verify <= 50 us; inclusion proof = 32*ceil(log2 n) + header (123 B + name)"
echo
printf '%-9s %-14s %-14s %-12s %s\n' records "openssl dgst" "dataset commit" "rate" "vs reference"
for n in $SIZES; do
  "$BIN" --write-lines "$n" "$W/data.txt" || exit 1
  cat "$W/data.txt" >/dev/null # both start from the page cache
  s=$(date +%s.%N); openssl dgst -sha256 "$W/data.txt" >/dev/null; ref=$(since "$s")
  s=$(date +%s.%N); "$MLPROV" dataset commit -q "$W/data.txt" --tree "$W/t.mptree" || exit 1; c=$(since "$s")
  awk -v n="$n" -v r="$ref" -v c="$c" 'BEGIN { printf "%-9d %-14s %-14s %-12s %.1fx\n", n, sprintf("%.3f s", r), sprintf("%.3f s", c), sprintf("%.2f M/s", n / c / 1e6), c / r }'
  echo "record" >"$W/r"
  s=$(date +%s.%N); "$MLPROV" dataset prove -q --tree "$W/t.mptree" --record "$W/r" --out "$W/p" || exit 1
  echo "          prove (load tree, check its root, sort, 2 paths): $(since "$s") s, proof $(stat -c %s "$W/p") B"
  rm -f "$W/data.txt" "$W/t.mptree" "$W/p"
done
echo
"$MLPROV" keygen "$W/k.pem" >/dev/null || exit 1
mkdir -p "$W/job"
"$MLPROV" run -q --key "$W/k.pem" --output "$W/job/o" -- sh -c "\"$BIN\" --hook 1000000 >\"$W/out\" && echo done >\"$W/job/o\"" || exit 1
awk '$1 == "hook_ref_ns" { r = $2 } $1 == "hook_record_ns" { h = $2 }
  END { printf "hook: mlprov_record of a 100-byte record %.0f ns (SHA-256 of it alone %.0f ns, %.1fx), 1 M records\n", h, r, h / r }' "$W/out"
