#!/usr/bin/env bash
# test_dataset.sh — `mlprov dataset` like a user: commit, prove and verify
# (included / not included), records reported from a job under `mlprov run`
# (hook and `dataset add`) with the trees stored next to the provenance, and
# everything that must be refused: tampered proofs, records, provenances,
# forged absence, empty datasets, malformed proof and tree files, a record
# file of several lines; a record larger than 1 GiB is streamed.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
P256=keys/p256.pem PUB=keys/p256.pub.pem

for i in $(seq 1 300); do echo "sample $i"; done >data.txt
expect_exit 0 "commit a lines file, signed" "$MLPROV" dataset commit data.txt --key $P256
expect_grep "prints the record count" '^dataset data.txt: 300 records \(300 distinct\), format lines' "$T/out"
expect_grep "prints the records root" 'records root  [0-9a-f]{64}' "$T/out"
check "tree file written next to the data" test -s data.txt.mptree
check "signed statement written" test -s data.txt.intoto.jsonl
expect_exit 0 "the statement verifies with mlprov verify" "$MLPROV" verify --key $PUB --provenance data.txt.intoto.jsonl data.txt

echo "sample 42" >in.txt
printf 'sample 42' >in-no-newline.txt
echo "sample 301" >out.txt
expect_exit 0 "prove an included record" "$MLPROV" dataset prove --tree data.txt.mptree --record in.txt
expect_grep "prove says included" '^included: the record is leaf 41 of the 300 records' "$T/out"
expect_exit 0 "prove an absent record" "$MLPROV" dataset prove --tree data.txt.mptree --record out.txt
expect_grep "prove says not included" '^not included' "$T/out"
size=$(stat -c %s in.txt.mpproof)
# 32 * ceil(log2 300) = 288 bytes of path, plus 123 + the name (8 bytes)
if [ "$size" -le $((288 + 123 + 8)) ]; then ok "inclusion proof is 32*ceil(log2 n) bytes plus a small header ($size)"
else not_ok "inclusion proof is 32*ceil(log2 n) bytes plus a small header" "$size bytes"; fi

V() { "$MLPROV" dataset verify --provenance data.txt.intoto.jsonl --key $PUB "$@"; }
expect_exit 0 "verify: included" V --record in.txt --proof in.txt.mpproof
expect_grep "verify prints included" '^included: ' "$T/out"
expect_exit 0 "a lines record file may omit its newline" V --record in-no-newline.txt --proof in.txt.mpproof
expect_exit 0 "verify: not included" V --record out.txt --proof out.txt.mpproof
expect_grep "verify prints not included" '^not included: ' "$T/out"
expect_exit 0 "--expect not-included holds" V --record out.txt --proof out.txt.mpproof --expect not-included
expect_exit 1 "--expect included refused for an absent record" V --record out.txt --proof out.txt.mpproof --expect included
expect_exit 0 "--leaf-hash instead of the record" V --leaf-hash "$(python3 -c 'import hashlib;print(hashlib.sha256(b"\0sample 42").hexdigest())')" --proof in.txt.mpproof
expect_exit 0 "--json verdict" V --json --record in.txt --proof in.txt.mpproof
expect_grep "json says included" '"included": true' "$T/out"

# --- refused: exit 1 with a reason ----------------------------------------------
expect_exit 1 "proof of another record" V --record out.txt --proof in.txt.mpproof
expect_grep "reason: another record" 'another record' "$T/err"
expect_exit 1 "untrusted key" "$MLPROV" dataset verify --provenance data.txt.intoto.jsonl --key keys/other.pub.pem --record in.txt --proof in.txt.mpproof
expect_grep "reason: signature" 'signature' "$T/err"
expect_exit 1 "proof for another dataset name" V --record in.txt --proof in.txt.mpproof --dataset other
python3 - data.txt.intoto.jsonl tampered.jsonl <<'PY'
import base64, json, sys
e = json.loads(open(sys.argv[1]).readline())
p = json.loads(base64.b64decode(e["payload"]))
a = p["subject"][0]["annotations"]; r = bytearray.fromhex(a["recordsMerkleRoot"]); r[0] ^= 1
a["recordsMerkleRoot"] = r.hex()
e["payload"] = base64.b64encode(json.dumps(p).encode()).decode()
open(sys.argv[2], "w").write(json.dumps(e) + "\n")
PY
expect_exit 1 "statement with a changed root: signature refused" "$MLPROV" dataset verify --provenance tampered.jsonl --key $PUB --record in.txt --proof in.txt.mpproof
offsets="0 5 7 9 20 50 81 90 130 200 300 $((size - 1))"
python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
for off in sys.argv[2:]:
    f = bytearray(b); f[int(off)] ^= 0x10; open("flip%s.proof" % off, "wb").write(f)' in.txt.mpproof $offsets
for off in $offsets; do
  expect_exit 1 "proof with byte $off changed: refused" V --record in.txt --proof flip$off.proof
done
head -c 100 in.txt.mpproof >trunc.proof
expect_exit 1 "truncated proof: refused" V --record in.txt --proof trunc.proof
expect_grep "reason names a malformed proof" 'malformed proof file' "$T/err"
: >empty.proof
expect_exit 1 "empty proof file: refused" V --record in.txt --proof empty.proof
head -c 300000 /dev/urandom >noise.proof
expect_exit 1 "random bytes as a proof: refused" V --record in.txt --proof noise.proof
cat in.txt.mpproof in.txt.mpproof >double.proof
expect_exit 1 "proof with trailing bytes: refused" V --record in.txt --proof double.proof

# forged absence: a not-included proof for an included record never verifies;
# Python builds the most plausible forgeries from the full tree file
python3 - "$ROOT/tests/reference" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
from rfc9162 import Tree, leaf_hash
b = open("data.txt.mptree", "rb").read()
nl = struct.unpack(">H", b[6:8])[0]; n = struct.unpack(">Q", b[8:16])[0]
name = b[88:88 + nl]
leaves = sorted(set(b[88 + nl + 32 * i:88 + nl + 32 * (i + 1)] for i in range(n)))
t = Tree(leaves); m = len(leaves); root = t.mth(0, m)
rec = leaf_hash(b"sample 42"); pos = leaves.index(rec)
def proof(entries, size=m, r=root):
    out = b"MPRF" + bytes([1, 2, 1, len(entries)]) + struct.pack(">Q", size) + r + rec + struct.pack(">H", nl) + name
    for i in entries:
        p = t.path(i, 0, size)
        out += struct.pack(">Q", i) + leaves[i] + bytes([len(p)]) + b"".join(p)
    return out
open("forge1.proof", "wb").write(proof([pos - 1, pos + 1]))      # not adjacent
open("forge2.proof", "wb").write(proof([pos - 1, pos]))          # the record itself
open("forge3.proof", "wb").write(proof([0]))                     # a false edge
t2 = Tree(leaves[:pos]); r2 = t2.mth(0, pos)
p = t2.path(pos - 1, 0, pos)
open("forge4.proof", "wb").write(b"MPRF" + bytes([1, 2, 1, 1]) + struct.pack(">Q", pos) + r2 + rec + struct.pack(">H", nl)
                                 + name + struct.pack(">Q", pos - 1) + leaves[pos - 1] + bytes([len(p)]) + b"".join(p))
PY
for f in 1 2 3 4; do
  expect_exit 1 "forged absence of an included record ($f): refused" V --record in.txt --proof forge$f.proof
done

# --- usage and I/O: exit 2 ------------------------------------------------------------
: >empty.txt
expect_exit 2 "empty dataset: clear error" "$MLPROV" dataset commit empty.txt
expect_grep "error says there are no records" 'no records' "$T/err"
check "no tree file for an empty dataset" test ! -e empty.txt.mptree
printf '{"a":1}\n{"a":\n' >bad.jsonl
expect_exit 2 "malformed JSON Lines: clear error" "$MLPROV" dataset commit bad.jsonl --format jsonl
expect_grep "error names the line" 'bad.jsonl line 2' "$T/err"
expect_exit 2 "unknown format" "$MLPROV" dataset commit data.txt --format csv
printf 'sample 1\nsample 2\n' >two.txt
expect_exit 2 "a record file of two lines" "$MLPROV" dataset prove --tree data.txt.mptree --record two.txt
expect_grep "error explains one line" 'more than one line' "$T/err"
expect_exit 2 "missing proof file" V --record in.txt --proof nope.proof
expect_exit 2 "verify without a key" "$MLPROV" dataset verify --provenance data.txt.intoto.jsonl --record in.txt --proof in.txt.mpproof
expect_exit 2 "unknown subcommand" "$MLPROV" dataset frobnicate
expect_exit 0 "dataset --help" "$MLPROV" dataset --help
expect_grep "help shows an example" '^example: ' "$T/out"
cp data.txt.mptree bad.mptree
printf 'X' | dd of=bad.mptree bs=1 seek=200 conv=notrunc 2>/dev/null
expect_exit 2 "corrupt tree file: refused before proving" "$MLPROV" dataset prove --tree bad.mptree --record in.txt
expect_grep "error says corrupt" 'corrupt tree file' "$T/err"

# duplicates: committed, counted, proven at their first occurrence
printf 'a\nb\na\nc\na\n' >dups.txt
expect_exit 0 "commit with duplicate records" "$MLPROV" dataset commit dups.txt
expect_grep "duplicates noted" '2 duplicate record' "$T/out"
echo a >a.txt
expect_exit 0 "prove a duplicated record" "$MLPROV" dataset prove --tree dups.txt.mptree --record a.txt
expect_grep "first occurrence" 'leaf 0 of the 5 records.*first of its occurrences' "$T/out"

# a record larger than 1 GiB, streamed (a sparse file keeps this fast; verify
# reads a record file with the same code as prove, test_dsrecord streams more)
mkdir -p big
truncate -s $(((1 << 30) + 1)) big/huge.bin
echo small >big/small.txt
expect_exit 0 "commit a directory with a 1 GiB record" "$MLPROV" dataset commit big --json
expect_grep "two file records" '"recordsTreeSize": 2' "$T/out"
expect_grep "the largest record is 1 GiB + 1" '"largestRecord": 1073741825' "$T/out"
expect_exit 0 "prove the 1 GiB record" "$MLPROV" dataset prove --tree big.mptree --record big/huge.bin --out huge.proof
expect_grep "the huge record is included" '^included' "$T/out"
rm -f big/huge.bin

# --- records from a job under mlprov run ---------------------------------------------
expect_exit 0 "example job under mlprov run" "$MLPROV" run -q --key $P256 --output job/model.bin -- "$B/examples/linear-train" --out job --samples 500 --epochs 1
check "tree file stored next to the provenance" test -s job/model.bin.records-synthetic-8d.mptree
payload_of job/model.bin.intoto.jsonl >st.json
expect_grep "records root signed" '"recordsMerkleRoot":"[0-9a-f]{64}"' st.json
expect_grep "sorted root signed" '"recordsSortedMerkleRoot":"[0-9a-f]{64}"' st.json
expect_grep "record format signed" '"recordFormat":"lines"' st.json
sed -n 7p job/data/train.csv >line.txt
expect_exit 0 "prove a training sample" "$MLPROV" dataset prove --tree job/model.bin.records-synthetic-8d.mptree --record line.txt
expect_exit 0 "verify it against the model's provenance" "$MLPROV" dataset verify --provenance job/model.bin.intoto.jsonl --key $PUB --record line.txt --proof line.txt.mpproof
expect_grep "sample included" '^included: the record is leaf 5 of the 500 records of dataset "synthetic-8d"' "$T/out"
sed -n 1p job/data/train.csv >header.txt
expect_exit 0 "prove the CSV header (never a sample)" "$MLPROV" dataset prove --tree job/model.bin.records-synthetic-8d.mptree --record header.txt
expect_exit 0 "verify: the header was not trained on" "$MLPROV" dataset verify --provenance job/model.bin.pb --key $PUB --record header.txt --proof header.txt.mpproof --expect not-included

# `mlprov dataset add` inside a job gives the same roots as `dataset commit`
mkdir -p add
expect_exit 0 "dataset add inside mlprov run" "$MLPROV" run -q --key $P256 --output add/out.txt -- sh -c "\"$MLPROV\" dataset add -q corpus data.txt dups.txt && echo done > add/out.txt"
cat data.txt dups.txt >both.txt
"$MLPROV" dataset commit both.txt --name corpus --json >both.json
payload_of add/out.txt.intoto.jsonl >add.json
python3 - add.json both.json <<'PY' && ok "roots from dataset add equal dataset commit's" || not_ok "roots from dataset add equal dataset commit's" "$(cat both.json)"
import json, sys
st = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
d = [x for x in st["predicate"]["buildDefinition"]["resolvedDependencies"] if x["name"] == "corpus"][0]["annotations"]
sys.exit(0 if all(d[k] == c[k] for k in ("recordsMerkleRoot", "recordsSortedMerkleRoot", "recordsTreeSize", "recordsSortedTreeSize", "recordFormat")) else 1)
PY
expect_exit 0 "prove from the run's tree" "$MLPROV" dataset prove --tree add/out.txt.records-corpus.mptree --record in.txt
expect_exit 0 "verify against the run's provenance" "$MLPROV" dataset verify --provenance add/out.txt.intoto.jsonl --key $PUB --record in.txt --proof in.txt.mpproof --expect included
expect_exit 0 "a rerun keeps the previous tree file" "$MLPROV" run -q --key $P256 --output add/out.txt -- sh -c "\"$MLPROV\" dataset add -q corpus dups.txt && echo again > add/out.txt"
check "previous tree kept as a numbered backup" test -s add/out.txt.records-corpus.mptree.~1~
# the C hook batches records: small frames (--max-frame 4096: about 96 hashes a
# batch), two datasets alternating on every record, four threads each with its
# own dataset; every dataset's roots must equal those of its lines committed
mkdir -p rs
expect_exit 0 "hook records in batches, alternating datasets, 4 threads" "$MLPROV" run -q --key $P256 --max-frame 4096 --output rs/out -- sh -c "\"$TOOLS/record_stream\" 3000 4 && echo ok > rs/out"
payload_of rs/out.intoto.jsonl >rs.json
awk 'BEGIN { for (i = 0; i < 3000; i += 2) print "record " i }' >rs/even
awk 'BEGIN { for (i = 1; i < 3000; i += 2) print "record " i }' >rs/odd
for k in 0 1 2 3; do awk -v k=$k 'BEGIN { for (i = 0; i < 3000; i++) print k ":" i }' >rs/t$k; done
for d in even odd t0 t1 t2 t3; do "$MLPROV" dataset commit rs/$d --json --tree rs/$d.mptree >rs/$d.json; done
python3 - rs.json even odd t0 t1 t2 t3 >rs/agree.txt <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
deps = {x["name"]: x.get("annotations", {}) for x in st["predicate"]["buildDefinition"]["resolvedDependencies"]}
for name in sys.argv[2:]:
    c = json.load(open("rs/%s.json" % name)); d = deps.get(name, {})
    keys = ("recordsMerkleRoot", "recordsSortedMerkleRoot", "recordsTreeSize", "recordFormat")
    print(name, "agree" if all(d.get(k) == c[k] for k in keys) else "differ")
PY
for d in even odd t0 t1 t2 t3; do
  expect_grep "hook dataset $d: signed roots equal the committed lines'" "^$d agree\$" rs/agree.txt
done
expect_grep "no event dropped" '"eventsDroppedByHooks":0' rs.json
# the journal keeps the record hashes: `mlprov recover` rebuilds the same trees
expect_exit 0 "recover a run with records from its journal" "$MLPROV" recover -q add/out.txt.journal --key $P256 --out add/rec
check "recover writes the tree next to the recovered provenance" test -s add/rec.records-corpus.mptree
expect_exit 0 "prove from the recovered tree" "$MLPROV" dataset prove -q --tree add/rec.records-corpus.mptree --record a.txt --out rec.proof
expect_exit 0 "...the proof holds against the live run's provenance" "$MLPROV" dataset verify --provenance add/out.txt.intoto.jsonl --key $PUB --record a.txt --proof rec.proof --expect included
expect_exit 0 "...and against the recovered one" "$MLPROV" dataset verify --provenance add/rec.intoto.jsonl --key $PUB --record a.txt --proof rec.proof --expect included
expect_exit 1 "...not against the first run's (other roots)" "$MLPROV" dataset verify --provenance add/out.txt.intoto.jsonl.~1~ --key $PUB --record a.txt --proof rec.proof
expect_exit 0 "dataset add outside mlprov run is a no-op" env -u MLPROV_SOCKET "$MLPROV" dataset add corpus data.txt
done_testing
