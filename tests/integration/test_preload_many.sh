#!/usr/bin/env bash
# test_preload_many.sh — a multi-threaded program opening 100,000 files (a
# third each through open, openat and fopen, on four threads) under
# `mlprov run --preload`: the program's result is unchanged and the
# provenance lists every file exactly once, with no event lost.
. "$(dirname "$0")/lib.sh"
make_keys
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PROBE="$TOOLS/preload_probe"
N=100000
cd "$T"
mkdir many
check "make $N files" "$PROBE" make "$T/many" $N
"$PROBE" threads "$T/many" $N 4 >plain.txt
expect_exit 0 "$N files on 4 threads under --preload" "$MLPROV" run -q --preload --no-pb --key keys/p256.pem --output result.txt -- sh -c "'$PROBE' threads '$T/many' $N 4 > result.txt"
check "the program's result is unchanged" cmp plain.txt result.txt
python3 - result.txt.intoto.jsonl "$T/many/" $N >facts.txt <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
p = json.loads(base64.b64decode(e["payload"]))["predicate"]
prefix, n = "file://" + sys.argv[2], int(sys.argv[3])
uris = [d["uri"] for d in p["buildDefinition"]["resolvedDependencies"] if d.get("annotations", {}).get("kind") == "file"]
mine = [u for u in uris if u.startswith(prefix)]
want = {prefix + "f-%d" % i for i in range(n)}
print("listed", len(mine), "distinct", len(set(mine)), "missing", len(want - set(mine)), "extra", len(set(mine) - want))
hooks = next(b for b in p["runDetails"]["byproducts"] if b["name"] == "mlprov/hooks")["annotations"]
print("dropped", hooks["eventsDroppedByHooks"], "bad", hooks["badFrames"], "torn", hooks["tornFrames"])
PY
expect_grep "every file listed exactly once" "^listed $N distinct $N missing 0 extra 0\$" facts.txt
expect_grep "no event dropped, no bad or torn frame" "^dropped 0 bad 0 torn 0\$" facts.txt
done_testing
