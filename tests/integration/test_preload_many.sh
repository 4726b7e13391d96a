#!/usr/bin/env bash
# test_preload_many.sh — a multi-threaded program opening 100,000 files (a
# third each through open, openat and fopen, on four threads) with the
# LD_PRELOAD hook: the program's result is unchanged and the hook sends
# exactly one read event per file — counted by tests/tools/event_sink, which
# keeps every event (the agent would hide duplicates). Then 10,000 of them
# end to end through `mlprov run --preload`: each listed once in the
# provenance, nothing lost; the journal holds them in EVENTS frames, from
# which `mlprov recover` rebuilds the same files read, written and programs
# run; and when the agent is killed before it applied them to its record
# (it does so after the job), recovery still lists every file.
. "$(dirname "$0")/lib.sh"
make_keys
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PROBE="$TOOLS/preload_probe"
LIB="$B/libmlprov-preload.so"
N=100000
cd "$T"
mkdir many
check "make $N files" "$PROBE" make "$T/many" $N
"$PROBE" threads "$T/many" $N 4 >plain.txt 2>/dev/null
expect_exit 0 "$N files on 4 threads with the hook" env LD_PRELOAD="$LIB" "$TOOLS/event_sink" events.txt -- sh -c "'$PROBE' threads '$T/many' $N 4 >hooked.txt 2>/dev/null"
cp "$T/out" sink.txt
check "the program's result is unchanged" cmp plain.txt hooked.txt
expect_grep "no event dropped, no bad or torn frame" " dropped 0 bad 0\$" sink.txt
grep "^read $T/many/f-" events.txt >reads.txt
check "one read event per file" test "$(wc -l <reads.txt)" -eq $N
check "no file reported twice" test "$(sort -u reads.txt | wc -l)" -eq $N
check "every file reported" test "$(sort -u reads.txt | sed "s|^read $T/many/f-||" | sort -n | awk -v n=$N '$1 == NR - 1 {k++} END {print k}')" -eq $N

M=10000
expect_exit 0 "$M files end to end under mlprov run --preload" "$MLPROV" run -q --preload --no-pb --key keys/p256.pem --output result.txt -- sh -c "'$PROBE' threads '$T/many' $M 4 > result.txt 2>/dev/null"
python3 - result.txt.intoto.jsonl "$T/many/" $M >facts.txt <<'PY'
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
expect_grep "every file listed exactly once" "^listed $M distinct $M missing 0 extra 0\$" facts.txt
expect_grep "no event dropped, no bad or torn frame" "^dropped 0 bad 0 torn 0\$" facts.txt

# The provenance's files read, files written and programs run, as sorted lines.
cat >what.py <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
p = json.loads(base64.b64decode(e["payload"]))["predicate"]
deps = p["buildDefinition"]["resolvedDependencies"]
for d in deps:
    if d.get("annotations", {}).get("kind") == "file":
        print("read", d["uri"])
for b in p["runDetails"]["byproducts"]:
    if b.get("annotations", {}).get("kind") == "file-written":
        print("written", b["uri"])
    if b["name"] == "mlprov/execs":
        for x in b["annotations"]["items"]:
            print("exec", json.dumps(x, sort_keys=True))
PY
expect_exit 0 "the journal verifies" "$MLPROV" journal verify result.txt.journal
expect_grep "path events journaled in batches" "batch of [0-9]+ events" "$T/out"
expect_exit 0 "recover from the complete journal" "$MLPROV" recover result.txt.journal --key keys/p256.pem --no-pb --out rec
python3 what.py result.txt.intoto.jsonl | sort >live.txt
python3 what.py rec.intoto.jsonl | sort >rec.txt
check "recovered: the same files read and written and programs run" cmp live.txt rec.txt
check "... $M files among them" test "$(grep -c "^read file://$T/many/f-" rec.txt)" -eq $M

# kill -9 of the agent once the job has sent everything: its record never got
# the file events (they wait for the job's end), the journal has them all
expect_exit 137 "agent killed after the job reported" "$MLPROV" run -q --preload --no-pb --key keys/p256.pem --output killed.txt -- sh -c "'$PROBE' threads '$T/many' $M 4 > killed.txt 2>/dev/null; sleep 1; kill -9 \$PPID"
expect_exit 0 "recover the killed run" "$MLPROV" recover killed.txt.journal --key keys/p256.pem --no-pb --out krec
python3 what.py krec.intoto.jsonl | grep -c "^read file://$T/many/f-" >kfiles.txt
check "every file of the killed run recovered" test "$(cat kfiles.txt)" -eq $M
payload_of krec.intoto.jsonl >krec.json
expect_grep "marked recovered and incomplete" '"recovered":true' krec.json
done_testing
