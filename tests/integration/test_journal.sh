#!/usr/bin/env bash
# test_journal.sh — the run journal end to end: where it goes, that the
# provenance names it, `mlprov journal verify` (alone and against the signed
# provenance), that a replay rebuilds exactly what the live agent recorded,
# and that one flipped byte, a cut or a foreign provenance is refused with
# the frame named (frames located by parsing the documented layout here, in
# Python, independently of lib/journal.c).
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
K=keys/p256.pem
PUB=keys/p256.pub.pem

# A Python view of the format in docs/journal.md: frame start offsets.
cat >frames.py <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off, k = 16, 0
assert b[:8] == b"MLPROVJ\n"
while off + 24 <= len(b):
    (n,) = struct.unpack(">I", b[off:off + 4])
    k += 1
    print(k, off, off + 24 + n + 32)
    off += 24 + n + 32
PY
frame_of() { # JOURNAL OFFSET -> the 1-based frame holding that byte
  python3 frames.py "$1" | awk -v o="$2" '$2 <= o && o < $3 {print $1}'
}

mkdir o
cat >job.sh <<JOB
"$MLPROV" event param lr 0.1 || exit 9
"$MLPROV" event dataset d --path job.sh --records 3 || exit 9
"$MLPROV" event record d alpha beta gamma || exit 9
"$MLPROV" event annotate note "first run" || exit 9
"$TOOLS/badhook" garbage
echo model > o/model.bin
JOB
expect_exit 0 "run with a journal" "$MLPROV" run --key $K --output o/model.bin -- sh job.sh
expect_grep "the journal path is reported" 'journal o/model.bin.journal' "$T/err"
check "journal next to the provenance" test -s o/model.bin.journal
expect_grep "journal is private (0600)" '^600$' <(stat -c %a o/model.bin.journal)
payload_of o/model.bin.intoto.jsonl >st.json
expect_grep "provenance names the journal" '"name":"mlprov/journal"' st.json
expect_grep "journal status complete" '"status":"complete"' st.json
expect_grep "final chain hash signed" '"finalChainHash":"[0-9a-f]{64}"' st.json
expect_grep "incident counted (bad frame)" '"badFrames":1' st.json
expect_exit 0 "journal verify alone" "$MLPROV" journal verify o/model.bin.journal
expect_grep "summary: end record present" 'end record: +present' "$T/out"
expect_grep "summary: incident frame listed" '1 incident' "$T/out"
expect_exit 0 "journal verify against the signed provenance" "$MLPROV" journal verify o/model.bin.journal --provenance o/model.bin.intoto.jsonl --key $PUB
expect_grep "provenance match reported" 'signed this journal up to frame' "$T/out"
expect_exit 1 "untrusted key for the provenance: refused" "$MLPROV" journal verify o/model.bin.journal --provenance o/model.bin.intoto.jsonl --key keys/other.pub.pem
expect_exit 2 "--provenance without a key: usage error" "$MLPROV" journal verify o/model.bin.journal --provenance o/model.bin.intoto.jsonl

# recover from a complete journal: the replayed record is the live one
expect_exit 0 "recover from the complete journal" "$MLPROV" recover o/model.bin.journal --key $K --out rec
payload_of rec.intoto.jsonl >rec.json
python3 - st.json rec.json >cmp.txt <<'PY'
import json, sys
a, b = (json.load(open(p))["predicate"] for p in sys.argv[1:3])
for k in ("externalParameters", "internalParameters", "resolvedDependencies"):
    print(k, a["buildDefinition"][k] == b["buildDefinition"][k])
bp = lambda p: {x["name"]: x for x in p["runDetails"]["byproducts"]}
print("hooks", bp(a)["mlprov/hooks"] == bp(b)["mlprov/hooks"])
print("invocation", a["runDetails"]["metadata"]["invocationId"] == b["runDetails"]["metadata"]["invocationId"])
run = bp(b)["mlprov/run"]["annotations"]
print("marked", run["complete"] is False and run["recovered"] is True and run["exitCode"] == 0)
PY
for k in externalParameters internalParameters resolvedDependencies hooks invocation; do
  expect_grep "replay rebuilds the same $k" "^$k True" cmp.txt
done
expect_grep "recovered provenance marked incomplete, exit code known" '^marked True' cmp.txt
expect_exit 0 "recovered provenance verifies" "$MLPROV" verify --key $PUB --provenance rec.intoto.jsonl o/model.bin
expect_exit 0 "journal verify against the recovered provenance" "$MLPROV" journal verify o/model.bin.journal --provenance rec.intoto.jsonl --key $PUB

# one flipped byte anywhere after the file header: refused, the frame named
cp o/model.bin.journal pristine.journal
size=$(stat -c %s pristine.journal)
RANDOM=6
for i in 1 2 3 4 5 6; do
  off=$(( 16 + (RANDOM * 32768 + RANDOM) % (size - 16) ))
  cp pristine.journal flip.journal
  python3 -c 'import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,"rb").read()); b[o]^=0x40; open(p,"wb").write(b)' flip.journal $off
  want=$(frame_of pristine.journal $off)
  expect_exit 1 "flipped byte at $off: refused" "$MLPROV" journal verify flip.journal
  expect_grep "flipped byte at $off: frame $want named" "frame $want \\(offset" "$T/err"
done
cp pristine.journal flip.journal
printf 'X' | dd of=flip.journal bs=1 seek=3 conv=notrunc 2>/dev/null
expect_exit 2 "damaged file header: not a journal" "$MLPROV" journal verify flip.journal

# a cut: alone it is a torn tail; against the provenance, frames are missing
head -c $((size - 20)) pristine.journal >cut.journal
expect_exit 0 "cut inside the last frame: a torn tail, accepted alone" "$MLPROV" journal verify cut.journal
expect_grep "torn tail reported" 'torn tail: +[0-9]+ bytes' "$T/out"
expect_grep "no end record after the cut" 'end record: +missing' "$T/out"
expect_exit 1 "cut journal against the provenance: refused" "$MLPROV" journal verify cut.journal --provenance o/model.bin.intoto.jsonl --key $PUB
expect_grep "refusal says frames were removed" 'frames were removed' "$T/err"
cat pristine.journal pristine.journal >long.journal
expect_exit 1 "frames appended after signing: refused" "$MLPROV" journal verify long.journal --provenance o/model.bin.intoto.jsonl --key $PUB

# another run's journal does not match this provenance
mkdir out2
expect_exit 0 "second run" "$MLPROV" run -q --key $K --output out2/m -- sh -c 'echo 2 > out2/m'
expect_exit 1 "journal of another run: refused" "$MLPROV" journal verify out2/m.journal --provenance o/model.bin.intoto.jsonl --key $PUB
expect_grep "refusal names both runs" 'is the journal of run .* is the provenance of run' "$T/err"

# where journals go and when they are removed
expect_exit 0 "rerun keeps the previous journal" "$MLPROV" run -q --key $K --output out2/m -- sh -c 'echo 3 > out2/m'
check "previous journal kept as a numbered backup" test -s out2/m.journal.~1~
expect_exit 0 "--discard-journal" "$MLPROV" run -q --discard-journal --key $K --output out2/d -- sh -c 'echo 4 > out2/d'
check "discarded journal removed" test ! -e out2/d.journal
expect_grep "provenance says the journal was not kept" '"keptAfterRun":false' <(payload_of out2/d.intoto.jsonl)
expect_exit 0 "--journal none: events still acknowledged (in memory)" "$MLPROV" run -q --journal none --key $K --output out2/n -- sh -c '"$0" event param nj 1 && echo 5 > out2/n' "$MLPROV"
payload_of out2/n.intoto.jsonl >n.json
expect_grep "provenance says there is no journal" '"status":"disabled"' n.json
expect_grep "... and has the event" '"nj":1' n.json
expect_exit 0 "output directory created by the job: journal in the state dir" "$MLPROV" run --key $K --output made/m -- sh -c 'mkdir made && echo 6 > made/m'
expect_grep "state-dir journal reported" "journal $MLPROV_STATE_DIR/journals/[0-9a-f-]{36}\\.journal" "$T/err"
expect_exit 2 "journal cannot be created: refused before the job runs" "$MLPROV" run --key $K --journal /nonexistent/j --output out2/x -- sh -c 'touch ran'
expect_grep "error names the journal and the way out" 'creating journal /nonexistent/j.*--journal none' "$T/err"
check "the job did not run" test ! -e ran

# the provenance cannot be written: the journal stays, recover signs it later
expect_exit 125 "missing output: provenance not written" "$MLPROV" run --key $K --output out2/late -- sh -c '"$0" event param p 1' "$MLPROV"
expect_grep "the journal is kept and recover is suggested" 'mlprov recover .*out2/late.journal' "$T/err"
echo late >out2/late
expect_exit 0 "recover once the output exists" "$MLPROV" recover out2/late.journal --key $K
expect_exit 0 "recovered provenance verifies" "$MLPROV" verify --key $PUB out2/late
expect_grep "recovered run keeps its parameters" '"p":1' <(payload_of out2/late.intoto.jsonl)
mkdir o3
(cd o3 && "$MLPROV" run -q --key ../$K --out prov --output m -- sh -c 'echo 7 > m') >/dev/null 2>&1
expect_exit 0 "recover from another directory" "$MLPROV" recover -q o3/prov.journal --key $K
check "... writes where the run would have (its --out, relative to its directory)" test -s o3/prov.intoto.jsonl.~1~
# a version 1 journal (written before EVENTS frames existed): this run's
# journal rewritten as one, its chain recomputed from the documented layout
python3 - o/model.bin.journal v1.journal <<'PY'
import hashlib, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[8:12] == b"\0\0\0\2"
b[8:12] = b"\0\0\0\1"
i = b.find(b'"mlprov-journal/2"')
b[i:i + 18] = b'"mlprov-journal/1"'
h, off = hashlib.sha256(b[:16]).digest(), 16
while off + 24 <= len(b):
    n = int.from_bytes(b[off:off + 4], "big")
    h = hashlib.sha256(h + b[off:off + 24 + n]).digest()
    b[off + 24 + n:off + 24 + n + 32] = h
    off += 24 + n + 32
open(sys.argv[2], "wb").write(b)
PY
expect_exit 0 "a version 1 journal verifies" "$MLPROV" journal verify v1.journal
expect_exit 0 "... and is recovered" "$MLPROV" recover v1.journal --key $K --out v1rec
expect_grep "... its format named in the recovered provenance" '"format":"mlprov-journal/1"' <(payload_of v1rec.intoto.jsonl)
expect_grep "a new journal is version 2" '"format":"mlprov-journal/2"' st.json
expect_exit 2 "recover of something else: usage/parse error" "$MLPROV" recover st.json --key $K
expect_grep "not a journal" 'not an mlprov journal' "$T/err"
expect_exit 2 "recover needs a key" env -u MLPROV_KEY "$MLPROV" recover out2/late.journal
done_testing
