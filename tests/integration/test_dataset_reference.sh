#!/usr/bin/env bash
# test_dataset_reference.sh — mlprov's Merkle trees and files against an
# independent implementation (tests/reference/rfc9162.py, Python stdlib):
# every root, inclusion path and consistency proof for tree sizes 1..257; the
# roots `mlprov dataset commit` prints for lines, jsonl and files; the tree
# file; and proof files made by `mlprov dataset prove`, checked by Python
# against the signed statement.
. "$(dirname "$0")/lib.sh"
REF="$ROOT/tests/reference/rfc9162.py"
make_keys
cd "$T"

"$TOOLS/merkle_dump" 257 >c.txt
python3 "$REF" vectors 257 >py.txt
if cmp -s c.txt py.txt; then ok "roots, paths, consistency proofs of sizes 1..257 equal the Python reference"
else not_ok "roots, paths, consistency proofs of sizes 1..257 equal the Python reference" "$(diff c.txt py.txt | head -5)"; fi
expect_grep "the dump covers size 257" '^cons 257 257 $' c.txt
rm -f c.txt py.txt

# records with duplicates, an empty line, CR, non-ASCII
python3 - <<'PY'
import random
random.seed(7)
lines = ["sample %d: %s" % (i, "x" * random.randint(0, 40)) for i in range(500)]
lines += ["", "sample 3: dup", "sample 3: dup", "crlf\r", "caf\u00e9"]
random.shuffle(lines)
open("data.txt", "w").write("\n".join(lines) + "\n")
open("data.jsonl", "w").write("\n".join('{"i": %d, "text": "t%d"}' % (i, i % 97) for i in range(300)) + "\n")
import os
os.makedirs("imgs/sub", exist_ok=True)
for i in range(40):
    open("imgs/%s%02d.bin" % ("sub/" if i % 3 == 0 else "", i), "wb").write(bytes([i % 7]) * (i * 13))
PY

for spec in "lines data.txt" "jsonl data.jsonl" "files imgs"; do
  set -- $spec
  expect_exit 0 "commit --format $1" "$MLPROV" dataset commit "$2" --format "$1" --json --key keys/p256.pem
  cp "$T/out" "mine-$1.json"
done
# one Python process checks all three (starting Python is the slow part)
python3 "$REF" agree lines data.txt mine-lines.json data.txt.mptree jsonl data.jsonl mine-jsonl.json data.jsonl.mptree \
  files imgs mine-files.json imgs.mptree >agree.txt
for f in lines jsonl files; do
  expect_grep "$f: roots and sizes (commit output and tree file) equal the Python reference" "^$f: agree\$" agree.txt
done
expect_grep "duplicates counted once in the sorted tree" '"recordsSortedTreeSize": 504' mine-lines.json
expect_grep "every occurrence in the record tree" '"recordsTreeSize": 505' mine-lines.json

# proofs made by mlprov, checked by Python against the signed statement
payload_of data.txt.intoto.jsonl >statement.json
n=0
while IFS= read -r line; do
  n=$((n + 1))
  printf '%s\n' "$line" >"rec$n"
done < <(sed -n '1p;2p;250p;$p' data.txt; echo "never seen"; echo "zzzz"; echo "")
pairs=()
for i in $(seq 1 $n); do
  "$MLPROV" dataset prove -q --tree data.txt.mptree --record "rec$i" --out "rec$i.proof" || not_ok "prove rec$i" "exit $?"
  pairs+=("rec$i.proof" "rec$i")
done
pairs+=(rec1.proof rec2) # a proof for another record
python3 "$REF" verify statement.json "${pairs[@]}" >py.out
for i in $(seq 1 $n); do
  py=$(sed -n "${i}p" py.out)
  "$MLPROV" dataset verify -q --provenance data.txt.intoto.jsonl --key keys/p256.pub.pem --record "rec$i" --proof "rec$i.proof"
  rc=$?
  want="included"; [ "$i" -ge 5 ] && [ "$i" -le 6 ] && want="not included"
  if [ "$py" = "$want" ] && [ $rc -eq 0 ]; then ok "record $i: Python and mlprov agree: $want"
  else not_ok "record $i: Python and mlprov agree: $want" "python: $py, mlprov exit $rc"; fi
done
expect_grep "Python refuses a proof for another record" '^refused: the proof is about another record' <(sed -n "$((n + 1))p" py.out)
done_testing
