#!/usr/bin/env bash
# test_merge.sh — a distributed job simulated on one machine: 4 nodes x 2
# ranks, each node its own `mlprov run --job-id` agent with its own key, ranks
# as processes (RANK/LOCAL_RANK/WORLD_SIZE as torchrun sets them). Merge
# passes; then a node that ran different code, a missing rank, a duplicated
# rank, a different dataset, an untrusted key and the wrong job id are each
# refused with their reason, and nothing is written.
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export MLPROV
cd "$T"
mkdir keys
for i in 0 1 2 3; do "$MLPROV" keygen "keys/node$i.pem" >/dev/null; done
"$MLPROV" keygen keys/release.pem >/dev/null
TRUST="--trusted-key keys/node0.pub.pem --trusted-key keys/node1.pub.pem --trusted-key keys/node2.pub.pem --trusted-key keys/node3.pub.pem"
JOB=sim-4242
DATASET=sha256:$(printf 'manifest v1' | sha256sum | cut -d' ' -f1)

# The per-node launch script (what srun/torchrun would start on each node)
# and the training code every rank runs.
cat >launch.sh <<'SH'
#!/bin/sh
# one node: two ranks as processes
for l in 0 1; do
  RANK=$((NODE_INDEX * 2 + l)) LOCAL_RANK=$l WORLD_SIZE=8 sh train.sh >"rank$l.log" &
done
wait
cat rank0.log rank1.log >out.log
SH
cat >train.sh <<'SH'
#!/bin/sh
# a rank: read its shard, declare the dataset, rank 0 saves the model
cat "data/shard-$RANK.txt" >/dev/null
"$MLPROV" event dataset train --digest "$DATASET"
if [ "$RANK" = 0 ]; then
  echo "weights" >model.bin
  "$MLPROV" event artifact model.bin --role model
fi
echo "rank $RANK done"
SH

# node DIR INDEX: runs one node's agent in DIR, with the code in $CODE (default
# the shared one) and the dataset version $DATASET
node() {
  local dir=$1 i=$2
  mkdir -p "$dir/data"
  cp launch.sh "${CODE:-.}/train.sh" "$dir/"
  for r in 0 1 2 3 4 5 6 7; do echo "shard $r" >"$dir/data/shard-$r.txt"; done
  (cd "$dir" && SLURMD_NODENAME=node$i NODE_INDEX=$i DATASET=$DATASET \
    "$MLPROV" run -q --preload --job-id $JOB --key "../keys/node$i.pem" --output out.log -- sh launch.sh)
}
for i in 0 1 2 3; do
  expect_exit 0 "node $i runs under its own agent" node n$i $i
done
check "rank 0 saved the model" test -s n0/model.bin
payload_of n1/out.log.intoto.jsonl >n1.json
expect_grep "a node attestation records the job and its ranks" '"job":\{"id":"sim-4242","node":"node1","rankSource":"hooks","ranks":\[2,3\],"worldSize":8\}' n1.json

N="n0/out.log.intoto.jsonl n1/out.log.intoto.jsonl n2/out.log.intoto.jsonl n3/out.log.intoto.jsonl"
expect_exit 0 "merge: four nodes, eight ranks" "$MLPROV" merge -q --job $JOB $TRUST --key keys/release.pem --out job $N
check "job provenance written" test -s job.intoto.jsonl
expect_exit 0 "the job provenance verifies against the model" "$MLPROV" verify --key keys/release.pub.pem --provenance job.intoto.jsonl n0/model.bin
payload_of job.intoto.jsonl >job.json
python3 - job.json $N >facts.txt <<'PY'
import json, sys, hashlib
st = json.load(open(sys.argv[1]))
p = st["predicate"]
print("subjects", ",".join(s["name"] for s in st["subject"]))
print("buildType", p["buildDefinition"]["buildType"])
print("worldSize", p["buildDefinition"]["externalParameters"]["worldSize"])
refs = {b["digest"]["sha256"]: b for b in p["runDetails"]["byproducts"] if b.get("annotations", {}).get("kind") == "node-attestation"}
for f in sys.argv[2:]:
    d = hashlib.sha256(open(f, "rb").read()).hexdigest()
    b = refs.get(d)
    print("ref", f, "ok" if b else "MISSING", b["annotations"]["node"] if b else "", b["annotations"]["ranks"] if b else "")
code = [d for d in p["buildDefinition"]["resolvedDependencies"] if d["name"] == "train.sh"]
print("train.sh", len(code), len({d["digest"]["sha256"] for d in code}), sorted(n for d in code for n in d["annotations"]["nodes"]))
PY
expect_grep "subjects are the model artifacts" "^subjects model.bin\$" facts.txt
expect_grep "job build type" "^buildType https://mlprov.dev/buildtypes/training-job/v1\$" facts.txt
expect_grep "world size recorded" "^worldSize 8\$" facts.txt
for i in 0 1 2 3; do
  expect_grep "node $i attestation referenced by its SHA-256" "^ref n$i/out.log.intoto.jsonl ok node$i \[$((2 * i)), $((2 * i + 1))\]\$" facts.txt
done
# each node ran it from its own directory (another URI), with the same digest
expect_grep "the code of every node is listed, one digest" "^train.sh 4 1 \['node0', 'node1', 'node2', 'node3'\]\$" facts.txt

# --- refusals ---------------------------------------------------------------------
refused() { # NAME REASON-PATTERN ARGS...
  local name=$1 reason=$2; shift 2
  rm -f refused.intoto.jsonl
  expect_exit 1 "$name: refused" "$MLPROV" merge --job $JOB $TRUST --key keys/release.pem --out refused "$@"
  cp "$T/err" refusal.txt
  expect_grep "$name: the reason is given" "$reason" refusal.txt
  check "$name: nothing written" test ! -e refused.intoto.jsonl
}
mkdir patched && sed 's/^# a rank: .*/# a rank (patched on node 3)/' train.sh >patched/train.sh
CODE=patched
expect_exit 0 "node 3 reruns with different code" node n3b 3
CODE=
refused "different code digest on one node" "code file train.sh differs between nodes: node node0 \(n0/out.log.intoto.jsonl\) has sha256:[0-9a-f]{64}, node node3 \(n3b/out.log.intoto.jsonl\) has sha256:" \
  n0/out.log.intoto.jsonl n1/out.log.intoto.jsonl n2/out.log.intoto.jsonl n3b/out.log.intoto.jsonl
refused "missing ranks" "2 rank\(s\) missing of world size 8 in job sim-4242: 6, 7" \
  n0/out.log.intoto.jsonl n1/out.log.intoto.jsonl n2/out.log.intoto.jsonl
expect_exit 0 "node 2 runs a second time" node n2b 2
refused "duplicated ranks" "rank 4 is duplicated: it appears in 2 node attestations \(node node2 \(n2/out.log.intoto.jsonl\), node node2 \(n2b/out.log.intoto.jsonl\)\)" $N n2b/out.log.intoto.jsonl
expect_grep "duplicated ranks: rank 5 too" "rank 5 is duplicated" refusal.txt
DATASET_V1=$DATASET
DATASET=sha256:$(printf 'manifest v2' | sha256sum | cut -d' ' -f1)
expect_exit 0 "node 1 runs on another dataset version" node n1b 1
DATASET=$DATASET_V1
refused "different dataset on one node" "dataset train differs between nodes" \
  n0/out.log.intoto.jsonl n1b/out.log.intoto.jsonl n2/out.log.intoto.jsonl n3/out.log.intoto.jsonl
rm -f refused.intoto.jsonl
expect_exit 1 "a node signed with an untrusted key: refused" "$MLPROV" merge --job $JOB --trusted-key keys/node0.pub.pem \
  --trusted-key keys/node1.pub.pem --trusted-key keys/node2.pub.pem --key keys/release.pem --out refused $N
expect_grep "untrusted key: the reason names the file" "n3/out.log.intoto.jsonl: not verified with the trusted node keys" "$T/err"
expect_exit 1 "the wrong job id: refused" "$MLPROV" merge --job other-job $TRUST --key keys/release.pem --out refused $N
expect_grep "wrong job id: the reason names it" 'belongs to job "sim-4242", not "other-job"' "$T/err"
expect_exit 1 "a plain run is not a node attestation" "$MLPROV" merge --job $JOB $TRUST --key keys/release.pem --out refused $N "$(
  mkdir -p plain && cd plain && "$MLPROV" run -q --key ../keys/node0.pem --output o -- sh -c 'echo > o' && echo plain/o.intoto.jsonl)"
expect_grep "a plain run: the reason says why" "not a node attestation" "$T/err"
expect_exit 2 "merge without trusted keys: usage error" "$MLPROV" merge --job $JOB --key keys/release.pem $N
expect_exit 2 "merge of a missing file: I/O error" "$MLPROV" merge --job $JOB $TRUST --key keys/release.pem nope.intoto.jsonl
done_testing
