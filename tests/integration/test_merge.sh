#!/usr/bin/env bash
# test_merge.sh — a distributed job simulated on one machine: 4 nodes x 2
# ranks, each node its own `mlprov run --job-id` agent with its own key, ranks
# as processes (RANK/LOCAL_RANK/WORLD_SIZE as torchrun sets them). Merge
# passes; then a node that ran different code, a missing rank, a duplicated
# rank, a different dataset, an untrusted key, the wrong job id, another
# command line, another world size, another source commit, a rank conflict on
# a node, a node that failed, the same attestation given twice and nodes
# whose copies of the model differ are each refused with their reason, and
# nothing is written.
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
# one node of NNODES: two ranks as processes; the node fails when a rank fails
for l in 0 1; do
  RANK=$((NODE_INDEX * 2 + l)) LOCAL_RANK=$l WORLD_SIZE=$((NNODES * 2)) sh train.sh >"rank$l.log" &
  eval "pid$l=\$!"
done
st=0
wait "$pid0" || st=$?
wait "$pid1" || st=$?
cat rank0.log rank1.log >out.log
exit $st
SH
cat >train.sh <<'SH'
#!/bin/sh
# a rank: read its shard, declare the dataset, rank 0 saves the model (with
# SAVE_ON_EACH_NODE=1 local rank 0 of every node saves its copy); the weights
# stand for what was learnt from the node's data
cat "data/shard-$RANK.txt" >/dev/null || exit 1
"$MLPROV" event dataset "${DATASET_NAME:-train}" --digest "$DATASET"
if [ "$RANK" = 0 ] || { [ "$SAVE_ON_EACH_NODE" = 1 ] && [ "$LOCAL_RANK" = 0 ]; }; then
  cat data/shard-*.txt | sha256sum >model.bin
  "$MLPROV" event artifact model.bin --role model
fi
echo "rank $RANK done"
SH

# node DIR INDEX [LAUNCH-ARG...]: runs one node's agent in DIR, with the code
# in $CODE (default the shared one) and the dataset version $DATASET. What a
# misconfigured or unlucky node differs by: NODE_RANK (default INDEX) and
# NNODES (default 4) as given to its launcher, SAVE_ON_EACH_NODE=1, a shard
# LOST_SHARD missing or CORRUPT_SHARD altered in its local data.
node() {
  local dir=$1 i=$2
  shift 2
  mkdir -p "$dir/data"
  cp launch.sh "${CODE:-.}/train.sh" "$dir/"
  for r in 0 1 2 3 4 5 6 7 8 9; do echo "shard $r" >"$dir/data/shard-$r.txt"; done
  if [ -n "${LOST_SHARD:-}" ]; then rm "$dir/data/shard-$LOST_SHARD.txt"; fi
  if [ -n "${CORRUPT_SHARD:-}" ]; then echo "bit rot" >"$dir/data/shard-$CORRUPT_SHARD.txt"; fi
  (cd "$dir" && SLURMD_NODENAME=node$i NODE_INDEX=${NODE_RANK:-$i} NNODES=${NNODES:-4} DATASET=$DATASET \
    SAVE_ON_EACH_NODE=${SAVE_ON_EACH_NODE:-0} DATASET_NAME=${DATASET_NAME:-train} \
    "$MLPROV" run -q --preload --job-id $JOB --key "../keys/node$i.pem" --output out.log -- sh launch.sh "$@")
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
# data parallelism: nodes may declare different names (their own shards); the
# job provenance then says which node declared which (docs/multinode.md)
DATASET_NAME=other-shards
expect_exit 0 "node 1 declares its data under another name" node n1c 1
DATASET_NAME=
rm -rf shards.intoto.jsonl
expect_exit 0 "different dataset names merge" "$MLPROV" merge -q --job $JOB $TRUST --key keys/release.pem --out shards \
  n0/out.log.intoto.jsonl n1c/out.log.intoto.jsonl n2/out.log.intoto.jsonl n3/out.log.intoto.jsonl
payload_of shards.intoto.jsonl >shards.json
expect_exit 0 "the job provenance names the nodes that declared each dataset" python3 - shards.json <<'PY'
import json, sys
deps = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["resolvedDependencies"]
ds = {d["name"]: sorted(d["annotations"]["nodes"]) for d in deps if d.get("annotations", {}).get("kind") == "dataset"}
assert ds == {"train": ["node0", "node2", "node3"], "other-shards": ["node1"]}, ds
PY
rm -f refused.intoto.jsonl
expect_exit 1 "a node signed with an untrusted key: refused" "$MLPROV" merge --job $JOB --trusted-key keys/node0.pub.pem \
  --trusted-key keys/node1.pub.pem --trusted-key keys/node2.pub.pem --key keys/release.pem --out refused $N
expect_grep "untrusted key: the reason names the file" "n3/out.log.intoto.jsonl: not verified with the trusted node keys" "$T/err"
expect_exit 1 "the wrong job id: refused" "$MLPROV" merge --job other-job $TRUST --key keys/release.pem --out refused $N
expect_grep "wrong job id: the reason names it" 'belongs to job "sim-4242", not "other-job"' "$T/err"
expect_exit 1 "a plain run is not a node attestation" "$MLPROV" merge --job $JOB $TRUST --key keys/release.pem --out refused $N "$(
  mkdir -p plain && cd plain && "$MLPROV" run -q --key ../keys/node0.pem --output o -- sh -c 'echo > o' && echo plain/o.intoto.jsonl)"
expect_grep "a plain run: the reason says why" "not a node attestation" "$T/err"
# problems NAME COUNT: the last refusal gave exactly COUNT problems
problems() {
  expect_grep "$1: $2 problem(s) in all" "job $JOB NOT merged \($2 problem\(s\)\)" refusal.txt
}
R="n0/out.log.intoto.jsonl n1/out.log.intoto.jsonl n2/out.log.intoto.jsonl"
expect_exit 0 "node 3 is started with an extra argument" node n3c 3 --resume
refused "another command line on one node" \
  'command differs: node node0 \(n0/out.log.intoto.jsonl\) ran \["sh","launch.sh"\], node node3 \(n3c/out.log.intoto.jsonl\) ran \["sh","launch.sh","--resume"\]' \
  $R n3c/out.log.intoto.jsonl
problems "another command line on one node" 1
NNODES=8 expect_exit 0 "node 3 is launched for 8 nodes" node n3w 3
payload_of n3w/out.log.intoto.jsonl >n3w.json
expect_grep "that node records world size 16" '"ranks":\[6,7\],"worldSize":16\}' n3w.json
refused "another world size on one node" \
  "world size differs: node node0 \(n0/out.log.intoto.jsonl\) says 8, node node3 \(n3w/out.log.intoto.jsonl\) says 16" \
  $R n3w/out.log.intoto.jsonl
problems "another world size on one node" 1
NODE_RANK=4 expect_exit 0 "node 3 is started as node rank 4" node n3r 3
refused "a node recorded a rank conflict" \
  "node node3 \(n3r/out.log.intoto.jsonl\) recorded a rank conflict: rank 8 is outside the world size 8" \
  $R n3r/out.log.intoto.jsonl
expect_grep "a node recorded a rank conflict: rank 9 too" \
  "node node3 \(n3r/out.log.intoto.jsonl\) recorded a rank conflict: rank 9 is outside the world size 8" refusal.txt
LOST_SHARD=3 expect_exit 1 "node 1 fails: rank 3 finds no shard" node n1f 1
check "the failed node still has its attestation" test -s n1f/out.log.intoto.jsonl
refused "a node that did not finish cleanly" \
  "node node1 \(n1f/out.log.intoto.jsonl\) did not finish cleanly \(exit status 1, signal 0\)" \
  n0/out.log.intoto.jsonl n1f/out.log.intoto.jsonl n2/out.log.intoto.jsonl n3/out.log.intoto.jsonl
problems "a node that did not finish cleanly" 1
cp n1/out.log.intoto.jsonl n1-copy.intoto.jsonl
refused "the same attestation under two names" \
  "node node1 \(n1/out.log.intoto.jsonl\) and node node1 \(n1-copy.intoto.jsonl\) are the same node attestation" \
  $N n1-copy.intoto.jsonl
refused "the same attestation twice" \
  "node node1 \(n1/out.log.intoto.jsonl\) and node node1 \(n1/out.log.intoto.jsonl\) are the same node attestation" \
  $N n1/out.log.intoto.jsonl

# every node saves its copy of the model: equal copies merge, a copy trained
# on a corrupted shard is refused
for i in 0 1 2 3; do
  SAVE_ON_EACH_NODE=1 expect_exit 0 "node $i saves its copy of the model" node m$i $i
done
M="m0/out.log.intoto.jsonl m1/out.log.intoto.jsonl m2/out.log.intoto.jsonl m3/out.log.intoto.jsonl"
expect_exit 0 "merge: four equal copies of the model" "$MLPROV" merge -q --job $JOB $TRUST --key keys/release.pem --out mjob $M
SAVE_ON_EACH_NODE=1 CORRUPT_SHARD=5 expect_exit 0 "node 2 saves a model trained on a corrupted shard" node m2c 2
check "node 2's model differs" sh -c '! cmp -s m0/model.bin m2c/model.bin'
refused "different model copies" \
  "model artifact model.bin differs between nodes: node node0 \(m0/out.log.intoto.jsonl\) has sha256:$(sha256sum m0/model.bin | cut -d' ' -f1), node node2 \(m2c/out.log.intoto.jsonl\) has sha256:$(sha256sum m2c/model.bin | cut -d' ' -f1)" \
  m0/out.log.intoto.jsonl m1/out.log.intoto.jsonl m2c/out.log.intoto.jsonl m3/out.log.intoto.jsonl
problems "different model copies" 1

# every node runs from a git checkout: one commit merges, a node one commit
# behind is refused (the code it ran is the same, only the commit differs)
git init -q src && cp launch.sh train.sh src/
gitc() { git -C src -c user.name=t -c user.email=t@example.org "$@"; }
gitc add launch.sh train.sh && gitc commit -q -m v1
OLD=$(git -C src rev-parse HEAD)
echo "notes" >src/NOTES && gitc add NOTES && gitc commit -q -m v2
NEW=$(git -C src rev-parse HEAD)
for i in 0 1 2 3; do
  git clone -q src g$i
  expect_exit 0 "node $i runs from a checkout of the new commit" node g$i $i
done
G="g0/out.log.intoto.jsonl g1/out.log.intoto.jsonl g2/out.log.intoto.jsonl"
expect_exit 0 "merge: four nodes at one commit" "$MLPROV" merge -q --job $JOB $TRUST --key keys/release.pem --out gjob $G g3/out.log.intoto.jsonl
git clone -q src g3o && git -C g3o checkout -q "$OLD"
expect_exit 0 "node 3 runs from a checkout of the old commit" node g3o 3
refused "another source commit on one node" \
  "source commit differs: node node0 \(g0/out.log.intoto.jsonl\) has $NEW, node node3 \(g3o/out.log.intoto.jsonl\) has $OLD" \
  $G g3o/out.log.intoto.jsonl
problems "another source commit on one node" 1
expect_exit 2 "merge without trusted keys: usage error" "$MLPROV" merge --job $JOB --key keys/release.pem $N
expect_exit 2 "merge of a missing file: I/O error" "$MLPROV" merge --job $JOB $TRUST --key keys/release.pem nope.intoto.jsonl
done_testing
