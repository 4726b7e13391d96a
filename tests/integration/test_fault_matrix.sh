#!/usr/bin/env bash
# test_fault_matrix.sh — kill -9 the agent, the job, or both, at seeded random
# points of a 100k-event run (tests/tools/flood: dataset records rec-1..rec-N
# on one connection, acknowledged by the agent). After each kill:
# `mlprov journal verify` passes, `mlprov recover` signs a provenance whose
# dataset holds records rec-1..rec-M in order (its RFC 9162 root is recomputed
# here) with M >= every record the agent acknowledged before the kill, and
# that provenance signed this journal. One flipped byte in a killed run's
# journal fails the verification, naming the frame.
#
#   MLPROV_FAULT_SEED=S MLPROV_FAULT_EVENTS=N   to reproduce or enlarge a run
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
K=keys/p256.pem
PUB=keys/p256.pub.pem
N=${MLPROV_FAULT_EVENTS:-100000}
SEED=${MLPROV_FAULT_SEED:-20251125}
RANDOM=$SEED
echo "# seed $SEED, $N events per run"

cat >check.py <<'PY'
# check.py ENVELOPE ACKED N: the dataset flood-0 holds rec-1..rec-M in order,
# M >= ACKED and M <= N. Prints "M root-ok acked-ok", then the run byproduct.
import base64, hashlib, json, sys
env = json.loads(open(sys.argv[1]).readline())
st = json.loads(base64.b64decode(env["payload"]))
acked = int(open(sys.argv[2]).read().split()[0] or 0); n = int(sys.argv[3])
run = [b for b in st["predicate"]["runDetails"]["byproducts"] if b["name"] == "mlprov/run"][0]
print(json.dumps(run["annotations"], sort_keys=True))
ds = [d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"] if d.get("name") == "flood-0"]
if not ds:
    print("0 no-dataset" if acked == 0 else "missing dataset"); sys.exit(0)
a = ds[0]["annotations"]; m = a["recordsTreeSize"]
level = [hashlib.sha256(b"\0" + b"rec-%d" % i).digest() for i in range(1, m + 1)]
while len(level) > 1:  # RFC 9162: the last odd node is carried up
    nxt = [hashlib.sha256(b"\1" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2: nxt.append(level[-1])
    level = nxt
ok = level[0].hex() == a["recordsMerkleRoot"]
print(m, "root-ok" if ok else "root-MISMATCH", "acked-ok" if acked <= m <= n else "acked-MISMATCH acked=%d" % acked)
PY
cat >frames.py <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(); off, k, o = 16, 0, int(sys.argv[2])
while off + 24 <= len(b):
    (n,) = struct.unpack(">I", b[off:off + 4]); k += 1
    if off <= o < off + 24 + n + 32: print(k); break
    off += 24 + n + 32
PY

wait_gone() { # PIDFILE: wait (bounded) for an orphaned job to finish
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

mkdir o
i=0
for mode in agent job both agent job both; do
  i=$((i + 1))
  at=$(( (RANDOM * 32768 + RANDOM) % N + 1 ))
  case $mode in
    agent) kill="--kill-agent-at $at" ;;
    job) kill="--kill-self-at $at" ;;
    both) kill="--kill-agent-at $at --kill-self-at $at" ;;
  esac
  name="run $i: kill $mode at event $at"
  cat >job$i.sh <<JOB
echo model-$i > o/model$i.bin
echo \$\$ > pid$i
exec "$TOOLS/flood" --events $N --acks --acked-file acked$i $kill
JOB
  "$MLPROV" run -q --key $K --journal j$i.journal --output o/model$i.bin -- sh job$i.sh >run$i.out 2>run$i.err
  rc=$?
  wait_gone pid$i
  case $mode in
    job) want=137 ;; # the agent survives and exits with the job's status (128+9)
    *) want=137 ;;   # the shell reports the killed agent as 128+9
  esac
  if [ $rc -eq $want ]; then ok "$name: killed as planned"; else not_ok "$name: killed as planned" "exit $rc" "$(head -c 400 run$i.err)"; fi
  expect_exit 0 "$name: journal verify passes" "$MLPROV" journal verify j$i.journal
  expect_exit 0 "$name: recover" "$MLPROV" recover -q j$i.journal --key $K --out rec$i
  python3 check.py rec$i.intoto.jsonl acked$i $N >chk$i.txt
  echo "# $name: $(tail -1 chk$i.txt), acked $(cat acked$i | tr -d ' ')"
  expect_grep "$name: records 1..M in order (root recomputed)" 'root-ok' chk$i.txt
  expect_grep "$name: every acknowledged record recovered" 'acked-ok' chk$i.txt
  expect_grep "$name: recovered provenance marked incomplete" '"complete": false' chk$i.txt
  expect_exit 0 "$name: the recovered provenance signed this journal" "$MLPROV" journal verify j$i.journal --provenance rec$i.intoto.jsonl --key $PUB
  if [ $mode = job ]; then
    # the agent lived: its own provenance is complete and holds the records too
    python3 check.py o/model$i.bin.intoto.jsonl acked$i $N >live$i.txt
    expect_grep "$name: live provenance has every acknowledged record" 'root-ok acked-ok' live$i.txt
    expect_grep "$name: live provenance records the SIGKILL" '"termSignal": 9' live$i.txt
    expect_grep "$name: live provenance is complete" '"complete": true' live$i.txt
    expect_exit 0 "$name: live provenance signed this journal" "$MLPROV" journal verify j$i.journal --provenance o/model$i.bin.intoto.jsonl --key $PUB
  else
    expect_grep "$name: says the end record is missing" 'no end record' chk$i.txt
  fi
done

# one flipped byte in a killed run's journal: refused, frame named
size=$(stat -c %s j1.journal)
off=$(( 16 + (RANDOM * 32768 + RANDOM) % (size - 16) ))
cp j1.journal flip.journal
python3 -c 'import sys; p=sys.argv[1]; o=int(sys.argv[2]); b=bytearray(open(p,"rb").read()); b[o]^=1; open(p,"wb").write(b)' flip.journal $off
frame=$(python3 frames.py j1.journal $off)
expect_exit 1 "flipped byte at offset $off: journal verify fails" "$MLPROV" journal verify flip.journal
expect_grep "the failure names frame $frame" "frame $frame \\(offset" "$T/err"
done_testing
