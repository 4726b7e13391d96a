#!/usr/bin/env bash
# bench_policy.sh — time to gate a model whose provenance has 10,000
# dependencies, with a 3-deep lineage (each generation 10,000 dependencies,
# every rule configured; the model files are tiny, so this is the cost of
# parsing, verifying signatures and evaluating rules). Goal: <= 50 ms.
# Reference in the same run: `mlprov verify --key` of the same provenance
# (one signature, no policy, no lineage).
set -eu
B=${MLPROV_BUILD:-build}
D=$(mktemp -d /tmp/mlprov-bench-policy.XXXXXX)
trap 'rm -rf "$D"' EXIT
"$B/bench/gen_lineage" "$D" 10000
median_ms() { # command... ; prints the median wall time of 15 runs in ms
  python3 - "$@" <<'PY'
import subprocess, sys, time
ts = []
for _ in range(15):
    t = time.perf_counter(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
    if r.returncode != 0: sys.exit("command failed: %s (exit %d)" % (" ".join(sys.argv[1:]), r.returncode))
ts.sort(); print("%.1f" % ts[len(ts) // 2])
PY
}
size=$(stat -c %s "$D/distil.bin.intoto.jsonl")
ref=$(median_ms "$B/mlprov" verify --key "$D/key.pub.pem" "$D/distil.bin")
gate=$(median_ms "$B/mlprov" verify --policy "$D/policy.yaml" "$D/distil.bin")
echo "provenance with 10,000 dependencies: $((size / 1024)) KiB per generation, 3 generations"
echo "mlprov verify --key (1 generation, no policy):  ${ref} ms  (reference)"
echo "mlprov verify --policy (3 generations, all rules): ${gate} ms  = $(python3 -c "print('%.2f' % ($gate/$ref))") x reference, $(python3 -c "print('%.2f' % ($gate/3/$ref))") x reference per generation"
echo "goal: <= 50 ms  -> $(python3 -c "print('met' if $gate <= 50 else 'NOT met')")"
