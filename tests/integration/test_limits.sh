#!/usr/bin/env bash
# test_limits.sh — the agent's limits on connections and memory (the frame
# size limit is in test_bad_input.sh): each refusal has a clear message and a
# counter in the mlprov/hooks byproduct, earlier events are kept, the job is
# not disturbed, and a recovered provenance counts the same.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
K=keys/p256.pem
mkdir o

cat >conns.sh <<JOB
"$TOOLS/flood" --conns 10 --open-only
"$MLPROV" event param after 1
echo x > o/c
JOB
expect_exit 0 "10 connections against a limit of 4" "$MLPROV" run --max-connections 4 --key $K --output o/c -- sh conns.sh
expect_grep "refusal explained" 'refused: the limit of 4 open connections is reached' "$T/err"
payload_of o/c.intoto.jsonl >c.json
expect_grep "connection-limit refusals counted" '"refusedOverConnectionLimit":6' c.json
expect_grep "accepted connections counted" '"connections":5' c.json
expect_grep "later connections work again" '"after":1' c.json
expect_exit 0 "recover counts the same" "$MLPROV" recover -q o/c.journal --key $K --out crec
expect_grep "recovered counter" '"refusedOverConnectionLimit":6' <(payload_of crec.intoto.jsonl)

cat >mem.sh <<JOB
"$TOOLS/flood" --events 20000 > flood.out
echo "flood exit \$?" >> flood.out
echo x > o/m
JOB
expect_exit 0 "a flood against a memory limit of 64 KiB" "$MLPROV" run --max-memory 65536 --key $K --output o/m -- sh mem.sh
expect_grep "memory refusal explained" 'closed: the memory limit of 65536 bytes is reached .* earlier event\(s\) kept' "$T/err"
expect_grep "the job saw its connection closed (it was not killed)" 'flood exit 3' flood.out
payload_of o/m.intoto.jsonl >m.json
expect_grep "memory-limit closes counted" '"closedOverMemoryLimit":1' m.json
python3 - m.json >kept.txt <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
d = [d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"] if d.get("name") == "flood-0"][0]
n = d["annotations"]["recordsTreeSize"]
print("kept", n, "ok" if 0 < n < 20000 else "bad")
PY
expect_grep "records before the limit are kept" '^kept [0-9]+ ok' kept.txt
expect_exit 2 "--max-memory below 64 KiB: usage error" "$MLPROV" run --max-memory 100 --key $K -- true
expect_exit 2 "--max-connections 0: usage error" "$MLPROV" run --max-connections 0 --key $K -- true
done_testing
