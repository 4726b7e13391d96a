#!/usr/bin/env bash
# test_index.sh — `mlprov index` end to end, the same scenarios on SQLite and
# on a throw-away PostgreSQL server: the incident drill (50 jobs, a 3-deep
# lineage, one bad package version -> exactly the affected models), every
# query kind, idempotent re-adds, corrupted/tampered/unsigned files skipped
# whole (one transaction per file), a reader during a write, verification
# upgrades, export -> rebuild across backends, schema versions, package rows
# at the multi-row insert boundaries (0, 1, 15, 16, 17, 300, repeated), and real
# `mlprov run` output with lineage through hashed base-model files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
make_keys
GEN="$TOOLS/gen_provenance"
# Debian's python starts in a fraction of the time of a pyenv shim
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
K="--key $T/keys/p256.pub.pem --key $T/keys/ed25519.pub.pem"

# --- the drill: 50 jobs ----------------------------------------------------------
# j00..j49 trained at minute j; jobs j%3==0 signed by the ed25519 key. Base
# trainings use numpy, torch and (but j%5==4) a torchtriton version chosen by
# j%5: 0 dev20221230, 1 dev20221231 (the bad nightly), 2 2.0.0, 3 2.1.0rc1,
# on dataset ds-(j%4). j40..j44 are fine-tunes: j01 -> j40 -> j41 -> j42 and
# j02 -> j43 -> j44.
tt=("2.0.0.dev20221230" "2.0.0.dev20221231" "2.0.0" "2.1.0rc1" "")
for j in $(seq 0 49); do
  n=$(printf 'j%02d' "$j")
  line="$n minutes=$j key=$(( j % 3 == 0 ? 1 : 0 ))"
  case $j in
    40) line="$line base=j01 dataset=ft-data dep=pkg:pypi/numpy@1.26.0" ;;
    41) line="$line base=j40 dataset=ft-data dep=pkg:pypi/numpy@1.26.0" ;;
    42) line="$line base=j41 dataset=ft-data dep=pkg:pypi/numpy@1.26.0" ;;
    43) line="$line base=j02 dataset=ft-data dep=pkg:pypi/numpy@1.26.0" ;;
    44) line="$line base=j43 dataset=ft-data dep=pkg:pypi/numpy@1.26.0" ;;
    *) line="$line dep=pkg:pypi/numpy@1.2$((j % 3)).0 dep=pkg:pypi/torch@2.$((j % 2)).0 dataset=ds-$((j % 4))"
       v=${tt[$((j % 5))]}
       [ -n "$v" ] && line="$line dep=pkg:pypi/torchtriton@$v" ;;
  esac
  echo "$line"
done >"$T/drill.spec"
# extra jobs for the transaction, concurrency and upgrade scenarios
cat >"$T/extra.spec" <<'EOF'
tx1 minutes=100 dataset=tx-data
tx2 minutes=101 dataset=tx-data
p1 minutes=110 dataset=pause-data
p2 minutes=111 dataset=pause-data
p3 minutes=112 dataset=pause-data
up1 minutes=120 dataset=up-data
EOF
for n in 1 2 3 4 5 6 7; do echo "bt0$n minutes=$((130 + n)) dataset=bt-data"; done >"$T/batch.spec"
# package_postings rows (one a package of a transaction) go in 64, 16 and 1
# at a time: records of 0, 1, 15, 16, 17 and 300 packages, and one naming two
# packages twice (17 distinct), each its own file (lk*) and all in one file (lm*)
links_spec() { # PREFIX
  local n k line
  for n in 00 01 15 16 17 300 dup; do
    line="$1$n minutes=$((300 + 10#${n/dup/0}))"
    case $n in
      00) ;;
      dup) line="$line dep=pkg:pypi/lkall@1 dep=pkg:pypi/lkp5@1"
           for k in $(seq 2 17); do line="$line dep=pkg:pypi/lkp$k@1"; done
           line="$line dep=pkg:pypi/lkall@1 dep=pkg:pypi/lkp5@1" ;;
      *) line="$line dep=pkg:pypi/lkall@1"
         for k in $(seq 2 $((10#$n))); do line="$line dep=pkg:pypi/lkp$k@1"; done ;;
    esac
    echo "$line"
  done
}
mkdir -p "$T/links" "$T/links1" "$T/links-one"
links_spec lk >"$T/links.spec"
links_spec lm >"$T/links1.spec"
"$GEN" --key "$T/keys/p256.pem" --out "$T/links" --spec "$T/links.spec" >/dev/null
"$GEN" --key "$T/keys/p256.pem" --out "$T/links1" --spec "$T/links1.spec" >/dev/null
cat "$T/links1"/*.intoto.jsonl >"$T/links-one/all.intoto.jsonl"
mkdir -p "$T/drill" "$T/extra"
check "generate the drill's 50 signed provenance files" \
  sh -c "'$GEN' --key '$T/keys/p256.pem' --key '$T/keys/ed25519.pem' --out '$T/drill' --spec '$T/drill.spec' >'$T/manifest'"
"$GEN" --key "$T/keys/p256.pem" --out "$T/extra" --spec "$T/extra.spec" >>"$T/manifest"
ED_ID=$(openssl pkey -pubin -in "$T/keys/ed25519.pub.pem" -outform DER | sha256sum | cut -c1-64)

# tampered: one signature byte flipped; unsigned: no signatures; corrupted:
# cut in the middle; mixed: a good envelope then a tampered one in one file
flip_sig() {
  $PY - "$1" "$2" <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
s = bytearray(base64.b64decode(e["signatures"][0]["sig"])); s[-3] ^= 0x40
e["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
open(sys.argv[2], "w").write(json.dumps(e) + "\n")
PY
}
mkdir -p "$T/bad"
flip_sig "$T/extra/tx2.intoto.jsonl" "$T/bad/tampered.intoto.jsonl"
$PY -c 'import json,sys; e=json.loads(open(sys.argv[1]).readline()); e["signatures"]=[]; print(json.dumps(e))' \
  "$T/extra/tx2.intoto.jsonl" >"$T/bad/unsigned.intoto.jsonl"
head -c 700 "$T/extra/tx2.intoto.jsonl" >"$T/bad/corrupt.intoto.jsonl"
cat "$T/extra/tx1.intoto.jsonl" "$T/bad/tampered.intoto.jsonl" >"$T/bad/mixed.intoto.jsonl"
cat "$T/extra/p1.intoto.jsonl" "$T/extra/p2.intoto.jsonl" "$T/extra/p3.intoto.jsonl" >"$T/pause.jsonl"
# one-envelope files share a transaction: bad files among them (corrupted;
# a good line then a tampered one) are skipped whole, the others all kept
mkdir -p "$T/batch-src" "$T/batch"
"$GEN" --key "$T/keys/p256.pem" --out "$T/batch-src" --spec "$T/batch.spec" >>"$T/manifest"
for n in 1 2 4 7; do cp "$T/batch-src/bt0$n.intoto.jsonl" "$T/batch/"; done
head -c 900 "$T/batch-src/bt03.intoto.jsonl" >"$T/batch/bt03-corrupt.intoto.jsonl"
flip_sig "$T/batch-src/bt06.intoto.jsonl" "$T/bt06-tampered.jsonl"
cat "$T/batch-src/bt05.intoto.jsonl" "$T/bt06-tampered.jsonl" >"$T/batch/bt05-mixed.intoto.jsonl"

# Names of the models in a query's text output (subject lines are
# "  sha256:HEX name [role]"), sorted, via the manifest. Plain shell tools:
# a python start costs more than the query.
names() {
  grep -oE '^  sha256:[0-9a-f]{64}' | sed 's/^  //' |
    awk 'NR == FNR { m[$2] = $1; next } { print (($0 in m) ? m[$0] : $0) }' "$T/manifest" - |
    sort -u | tr '\n' ' ' | sed 's/ $//'
}
# expect_names NAME "EXPECTED SORTED NAMES" QUERY-ARGS...
expect_names() {
  local name=$1 want=$2; shift 2
  local got
  got=$("$MLPROV" index query --db "$DB" "$@" 2>"$T/err" | names)
  if [ "$got" = "$want" ]; then ok "$name"
  else not_ok "$name" "want: $want" "got:  $got" "stderr: $(head -c 400 "$T/err")"; fi
}
count() { "$MLPROV" index query --db "$DB" "$@" | sed -n '1s/^\([0-9]*\) records\{0,1\} .*/\1/p'; }
expect_count() {
  local name=$1 want=$2; shift 2
  local got
  got=$(count "$@" 2>"$T/err")
  if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "want $want, got $got" "$(head -c 400 "$T/err")"; fi
}

# A query's --json output as lines to compare: the header fields, then one
# line a result (sorted by name): "NAME MATCH depth=D finished=T", then
# "matched=PURL|NAME|VERSION,..." when the record carries matched, "via=
# BASE/PARENT" (the base digest and the parent envelope, named through the
# manifest and the results) when it carries via. Missing or renamed fields
# make python fail, which fails the comparison.
cat >"$T/jsum.py" <<'PY'
import json, sys
m = {d: n for n, d in (l.split() for l in open(sys.argv[1]))}
j = json.load(open(sys.argv[2]))
D = json.dumps
q = j["query"]
print("query", " ".join("%s=%s" % (k, D(q[k])) for k in sorted(q)))
print("backend=%s count=%s direct=%s throughLineage=%s results=%d" % (
    D(j["backend"]), D(j["count"]), D(j["direct"]), D(j["throughLineage"]), len(j["results"])))
res = j["results"]
env = {r["envelopeSha256"]: m.get(r["subjects"][0]["digest"], "?") for r in res}
print("direct results first, then by depth:", [r["depth"] for r in res] == sorted(r["depth"] for r in res)
      and all((r["match"] == "direct") == (r["depth"] == 0) for r in res))
lines = []
for r in res:
    s = "%s %s depth=%s finished=%s" % (m.get(r["subjects"][0]["digest"], "?"), r["match"], D(r["depth"]), r["finishedOn"])
    if "matched" in r:
        s += " matched=" + ",".join("%s|%s|%s" % (x["purl"], x["name"], x["version"]) for x in r["matched"])
    if "via" in r:
        s += " via=%s/%s" % (m.get(r["via"]["baseDigest"], "?"), env.get(r["via"]["parent"], "?"))
    lines.append(s)
print("\n".join(sorted(lines)))
PY
# expect_json NAME "EXPECTED SUMMARY" QUERY-ARGS...: `index query --json`,
# summarised by jsum.py, equals the expected lines
expect_json() {
  local name=$1 want=$2; shift 2
  local got
  "$MLPROV" index query --db "$DB" --json "$@" >"$T/q.json" 2>"$T/err"
  got=$($PY "$T/jsum.py" "$T/manifest" "$T/q.json" 2>&1)
  if [ "$got" = "$want" ]; then ok "$name"
  else not_ok "$name" "difference (< want, > got):" "$(diff <(echo "$want") <(echo "$got") | head -20 | tr '\n' '|')" \
    "stderr: $(head -c 400 "$T/err")"; fi
}
# json_row N MATCH DEPTH [EXTRA]: the jsum.py line of drill job jN (finished at minute N)
json_row() { printf '\nj%02d %s depth=%d finished=2026-01-01T00:%02d:00Z%s' "$1" "$2" "$3" "$1" "${4:+ $4}"; }

scenario() { # $1: backend name, $DB set
  local b=$1
  expect_exit 0 "$b: add the drill directory" "$MLPROV" index add --db "$DB" $K "$T/drill"
  expect_grep "$b: 50 added" '^50 added \(0 unverified\), 0 already indexed' "$T/out"
  expect_exit 0 "$b: adding it again is a no-op" "$MLPROV" index add --db "$DB" $K "$T/drill" "$T/drill/j07.intoto.jsonl"
  expect_grep "$b: re-add: 0 added, 51 already indexed" '^0 added \(0 unverified\), 51 already indexed' "$T/out"
  expect_count "$b: still 50 records" 50 --since 2000-01-01

  # the incident: torchtriton 2.0.0.dev20221231 is compromised
  expect_names "$b: drill: direct users of the bad nightly" "j01 j06 j11 j16 j21 j26 j31 j36 j46" \
    --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231'
  expect_names "$b: drill: --affected adds the 3-deep fine-tune chain" \
    "j01 j06 j11 j16 j21 j26 j31 j36 j40 j41 j42 j46" \
    --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected
  expect_names "$b: drill: version in the package URL" "j01 j06 j11 j16 j21 j26 j31 j36 j46" \
    --dependency 'pkg:PyPI/TorchTriton@2.0.0.dev20221231'
  expect_names "$b: range <2.0.0 orders dev releases before the release" \
    "j00 j01 j05 j06 j10 j11 j15 j16 j20 j21 j25 j26 j30 j31 j35 j36 j45 j46" \
    --dependency pkg:pypi/torchtriton --version '<2.0.0'
  expect_names "$b: range >=2.1.0rc1" "j03 j08 j13 j18 j23 j28 j33 j38 j48" \
    --dependency pkg:pypi/torchtriton --version '>=2.1.0rc1'
  expect_names "$b: range >2.0.0.dev20221231,<2.1 (PEP 440 ordering)" "j02 j03 j07 j08 j12 j13 j17 j18 j22 j23 j27 j28 j32 j33 j37 j38 j47 j48" \
    --dependency pkg:pypi/torchtriton --version '>2.0.0.dev20221231,<2.1'
  expect_count "$b: by package name, any version: 36 jobs" 36 --dependency TorchTriton
  expect_count "$b: a package nobody used: nothing" 0 --dependency pkg:pypi/left-pad
  expect_names "$b: --affected with a window: seeds in the window only" "j21 j26 j31 j36 j46" \
    --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected --since 2026-01-01T00:20:00Z
  expect_names "$b: dataset by name, with descendants" "j01 j05 j09 j13 j17 j21 j25 j29 j33 j37 j40 j41 j42 j45 j49" \
    --dataset ds-1
  local dsd root
  dsd=$(printf 'dataset:ds-2' | sha256sum | cut -c1-64)
  root=$(printf 'root:ds-2' | sha256sum | cut -c1-64)
  expect_names "$b: dataset by digest" "j02 j06 j10 j14 j18 j22 j26 j30 j34 j38 j43 j44 j46" --dataset "sha256:$dsd"
  expect_names "$b: dataset by records Merkle root" "j02 j06 j10 j14 j18 j22 j26 j30 j34 j38 j43 j44 j46" --dataset "$root"
  local signed="j00 j03 j06 j09 j12 j15 j18 j21 j24 j27 j30 j33 j36 j39 j42 j45 j48"
  expect_names "$b: everything the ed25519 key signed" "$signed" --signer "$ED_ID"
  expect_names "$b: signer by key id prefix, any case" "$signed" --signer "$(echo "${ED_ID:0:12}" | tr a-f A-F)"
  "$MLPROV" index query --db "$DB" --json --signer "$ED_ID" >"$T/signer.json"
  expect_grep "$b: signer results carry times" '"finishedOn": "2026-01-01T00:48:00Z"' "$T/signer.json"
  expect_names "$b: time window" "j10 j11 j12 j13 j14 j15 j16 j17 j18 j19" \
    --since 2026-01-01T00:10:00Z --until 2026-01-01T00:19:00Z
  # --json: the fields docs/index.md promises, on every backend
  local bad="pkg:pypi/torchtriton@2.0.0.dev20221231|torchtriton|2.0.0.dev20221231" want j v
  want="query affected=false argument=\"pkg:pypi/torchtriton\" kind=\"dependency\" version=\"==2.0.0.dev20221231\"
backend=\"$b\" count=9 direct=9 throughLineage=0 results=9
direct results first, then by depth: True"
  for j in 1 6 11 16 21 26 31 36 46; do want+=$(json_row $j direct 0 "matched=$bad"); done
  expect_json "$b: --json dependency: counts, direct matches and what matched" "$want" \
    --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231'
  want="query affected=true argument=\"pkg:pypi/torchtriton\" kind=\"dependency\" version=\"==2.0.0.dev20221231\"
backend=\"$b\" count=12 direct=9 throughLineage=3 results=12
direct results first, then by depth: True"
  for j in 1 6 11 16 21 26 31 36; do want+=$(json_row $j direct 0 "matched=$bad"); done
  want+=$(json_row 40 lineage 1 "via=j01/j01")$(json_row 41 lineage 2 "via=j40/j40")$(json_row 42 lineage 3 "via=j41/j41")
  want+=$(json_row 46 direct 0 "matched=$bad")
  expect_json "$b: --json --affected: throughLineage, depth and via (base digest, parent record)" "$want" \
    --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected
  want="query affected=false argument=\"TorchTriton\" kind=\"dependency\" version=\"<2.0.0\"
backend=\"$b\" count=18 direct=18 throughLineage=0 results=18
direct results first, then by depth: True"
  for j in 0 1 5 6 10 11 15 16 20 21 25 26 30 31 35 36 45 46; do
    v=${tt[$((j % 5))]}
    want+=$(json_row $j direct 0 "matched=pkg:pypi/torchtriton@$v|torchtriton|$v")
  done
  expect_json "$b: --json range by name: matched names each record's own version" "$want" \
    --dependency TorchTriton --version '<2.0.0'
  want="query affected=false kind=\"time\" since=\"2026-01-01T00:10:00Z\" until=\"2026-01-01T00:19:00Z\"
backend=\"$b\" count=10 direct=10 throughLineage=0 results=10
direct results first, then by depth: True"
  for j in $(seq 10 19); do want+=$(json_row $j direct 0); done
  expect_json "$b: --json time window: both ends included, no matched" "$want" \
    --since 2026-01-01T00:10:00Z --until 2026-01-01T00:19:00Z
  want="query affected=true kind=\"time\" since=\"2026-01-01T00:40:00Z\" until=\"2026-01-01T00:41:00Z\"
backend=\"$b\" count=3 direct=2 throughLineage=1 results=3
direct results first, then by depth: True"
  want+=$(json_row 40 direct 0)$(json_row 41 direct 0)$(json_row 42 lineage 1 "via=j41/j41")
  expect_json "$b: --json time window --affected: descendants outside the window, via the nearest match" "$want" \
    --since 2026-01-01T00:40:00Z --until 2026-01-01T00:41:00Z --affected
  want="query affected=false kind=\"time\" since=\"2025-12-31T00:00:00Z\" until=\"2026-01-01T00:00:00Z\"
backend=\"$b\" count=1 direct=1 throughLineage=0 results=1
direct results first, then by depth: True"
  want+=$(json_row 0 direct 0)
  expect_json "$b: --json time window by dates: midnight UTC, until inclusive" "$want" --since 2025-12-31 --until 2026-01-01
  local j41
  j41=$(printf 'model:j41' | sha256sum | cut -c1-64)
  "$MLPROV" index query --db "$DB" --json --model "sha256:$j41" >"$T/model.json"
  $PY - "$T/manifest" "$T/model.json" >"$T/model.txt" <<'PY'
import json, sys
m = {d: n for n, d in (l.split() for l in open(sys.argv[1]))}
j = json.load(open(sys.argv[2]))
for k in ("records", "ancestors", "descendants"):
    print(k, " ".join("%s@%d" % (m[r["subjects"][0]["digest"]], r["depth"]) for r in j[k]))
st = j["records"][0]["statement"]
print("statement", [d["uri"] for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]
                    if d["annotations"]["kind"] == "package"][0])
PY
  expect_grep "$b: --model: the record" '^records j41@0$' "$T/model.txt"
  expect_grep "$b: --model: ancestors up the chain" '^ancestors j40@1 j01@2$' "$T/model.txt"
  expect_grep "$b: --model: descendants" '^descendants j42@1$' "$T/model.txt"
  expect_grep "$b: --model: full record includes the statement" '^statement pkg:pypi/numpy@1.26.0$' "$T/model.txt"
  expect_exit 0 "$b: text output" "$MLPROV" index query --db "$DB" --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected
  expect_grep "$b: text output summarises" '^12 records \(9 direct, 3 through lineage\)' "$T/out"
  expect_grep "$b: text output names the lineage" 'through lineage \(depth 3\)' "$T/out"

  # bad input: reported, skipped whole, exit 1 (refused) or 2 (malformed)
  expect_exit 1 "$b: tampered signature: refused" "$MLPROV" index add --db "$DB" $K "$T/bad/tampered.intoto.jsonl"
  expect_grep "$b: reason: bad signature" 'skipped .*tampered.intoto.jsonl.*bad signature' "$T/err"
  expect_exit 1 "$b: unsigned envelope: refused" "$MLPROV" index add --db "$DB" $K "$T/bad/unsigned.intoto.jsonl"
  expect_grep "$b: reason names the missing signature" 'skipped .*unsigned.intoto.jsonl.*no signatures' "$T/err"
  expect_exit 2 "$b: corrupted file: skipped" "$MLPROV" index add --db "$DB" $K "$T/bad/corrupt.intoto.jsonl"
  expect_grep "$b: reason names the file" 'skipped .*corrupt.intoto.jsonl' "$T/err"
  expect_exit 1 "$b: good then tampered in one file: file refused" "$MLPROV" index add --db "$DB" $K "$T/bad/mixed.intoto.jsonl"
  expect_grep "$b: reason names the line" 'mixed.intoto.jsonl line 2' "$T/err"
  expect_count "$b: nothing of the refused file was kept" 0 --dataset tx-data
  expect_exit 2 "$b: a missing file among good ones" "$MLPROV" index add --db "$DB" $K "$T/extra/tx1.intoto.jsonl" "$T/nope.intoto.jsonl"
  expect_grep "$b: the good one was added" '^1 added .* 1 file skipped' "$T/out"
  mkdir -p "$T/empty"
  expect_exit 2 "$b: a directory without attestation files is an error" "$MLPROV" index add --db "$DB" $K "$T/empty"
  expect_grep "$b: says so" 'no \*\.intoto\.jsonl or \*\.intoto\.json file' "$T/err"
  expect_count "$b: index consistent: 51 records" 51 --since 2000-01-01
  expect_exit 2 "$b: a directory of one-envelope files, two of them bad" "$MLPROV" index add --db "$DB" $K "$T/batch"
  expect_grep "$b: the good ones added, the bad ones skipped" '^4 added .* 2 files skipped' "$T/out"
  expect_grep "$b: the corrupted one named" 'skipped .*bt03-corrupt.intoto.jsonl' "$T/err"
  expect_grep "$b: the mixed one named by its line" 'bt05-mixed.intoto.jsonl line 2' "$T/err"
  expect_names "$b: exactly the good files, none of the mixed one" "bt01 bt02 bt04 bt07" --dataset bt-data

  # a reader while a file is half written sees the state before it
  rm -f "$T/paused" "$T/go"
  "$TOOLS/index_pause" "$DB" "$T/keys/p256.pub.pem" "$T" "$T/pause.jsonl" 2>"$T/pause.err" &
  local pid=$! i=0
  while [ ! -e "$T/paused" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done
  check "$b: writer paused inside its transaction" test -e "$T/paused"
  expect_count "$b: concurrent reader: none of the file yet" 0 --dataset pause-data
  expect_count "$b: concurrent reader: the rest intact" 55 --since 2000-01-01
  touch "$T/go"
  check "$b: writer finished" wait $pid
  expect_count "$b: after commit: the whole file" 3 --dataset pause-data

  # unverified records and their upgrade
  expect_exit 2 "$b: add without keys needs --unverified" "$MLPROV" index add --db "$DB" "$T/extra/up1.intoto.jsonl"
  expect_exit 0 "$b: --unverified without keys" "$MLPROV" index add --db "$DB" --unverified "$T/extra/up1.intoto.jsonl"
  expect_grep "$b: recorded unverified" '^1 added \(1 unverified\)' "$T/out"
  "$MLPROV" index query --db "$DB" --json --dataset up-data >"$T/up.json"
  expect_grep "$b: query marks it unverified" '"verified": false' "$T/up.json"
  expect_exit 0 "$b: re-added with its key" "$MLPROV" index add --db "$DB" $K "$T/extra/up1.intoto.jsonl"
  expect_grep "$b: now verified" '1 now verified' "$T/out"
  "$MLPROV" index query --db "$DB" --json --dataset up-data >"$T/up.json"
  expect_no_grep "$b: no longer unverified" '"verified": false' "$T/up.json"
  expect_exit 0 "$b: tampered with --unverified: recorded, flagged" "$MLPROV" index add --db "$DB" $K --unverified "$T/bad/tampered.intoto.jsonl"
  "$MLPROV" index query --db "$DB" --json --dataset tx-data >"$T/tx.json"
  expect_grep "$b: flagged with the reason" '"verifyError": ".*bad signature' "$T/tx.json"

  # schema versions: a newer index is refused, not misread
  $2 "INSERT INTO mlprov_schema (version) VALUES (99)"
  expect_exit 2 "$b: newer schema refused" "$MLPROV" index query --db "$DB" --since 2000-01-01
  expect_grep "$b: says so" 'schema version 99 is newer' "$T/err"
  $2 "DELETE FROM mlprov_schema WHERE version = 99"
  expect_count "$b: usable again" 60 --since 2000-01-01

  expect_exit 0 "$b: export" "$MLPROV" index export --db "$DB" --output "$T/export-$b.jsonl"
  expect_grep "$b: export count" 'exported 60 attestations' "$T/err"

  # package rows at the multi-row insert boundaries, one file (transaction)
  # a record and all records in one file
  local p want got
  expect_exit 0 "$b: links: a file a record of 0, 1, 15, 16, 17, 300 packages" "$MLPROV" index add --db "$DB" $K "$T/links"
  expect_exit 0 "$b: links: the same in one file" "$MLPROV" index add --db "$DB" $K "$T/links-one"
  expect_grep "$b: links: 7 added" '^7 added' "$T/out"
  postings_pairs "$b" "$3" >"$T/pairs-$b" || not_ok "$b: postings decode" "$(cat "$T/pairs-$b")"
  for p in lk lm; do
    want=$(printf '%s|%s\n' ${p}00.bin 0 ${p}01.bin 1 ${p}15.bin 15 ${p}16.bin 16 ${p}17.bin 17 ${p}300.bin 300 ${p}dup.bin 17)
    got=$($3 "SELECT att_id, name FROM subjects WHERE name LIKE '$p%'" | $PY -c '
import sys
uses = {}
for line in open(sys.argv[1]):
    pkg, att = line.split()
    uses[att] = uses.get(att, 0) + 1
for att, name in sorted(l.strip().split("|") for l in sys.stdin):
    print("%s|%d" % (name, uses.get(att, 0)))' "$T/pairs-$b" | sort)
    if [ "$got" = "$want" ]; then ok "$b: links ($p): each distinct package of each record listed once"
    else not_ok "$b: links ($p): each distinct package of each record listed once" "want: $(echo $want)" "got:  $(echo $got)"; fi
  done
  expect_count "$b: links: the package of every record but the empty ones" 12 --dependency pkg:pypi/lkall
  expect_count "$b: links: a package of the 300-package records only" 2 --dependency pkg:pypi/lkp300
  expect_count "$b: links: a package named twice in a record" 10 --dependency pkg:pypi/lkp5 --version ==1
  got=$($3 "SELECT count(*) FROM packages WHERE name LIKE 'lk%'")
  if [ "$got" = 300 ]; then ok "$b: links: one packages row a package"; else not_ok "$b: links: one packages row a package" "got $got"; fi

  # an index of schema version 2 (one attestation_packages row a pair) is
  # migrated to posting lists on opening, and answers as before
  local q
  for q in lkall lkp300 lkp5 numpy torchtriton; do
    "$MLPROV" index query --db "$DB" --json --dependency "pkg:pypi/$q" >"$T/before-$q.json" 2>&1
  done
  local values; values=$(awk '{printf "%s(%s,%s)", (NR > 1 ? "," : ""), $1, $2}' "$T/pairs-$b")
  $2 "CREATE TABLE attestation_packages (pkg_id BIGINT NOT NULL, att_id BIGINT NOT NULL, PRIMARY KEY (pkg_id, att_id))"
  $2 "INSERT INTO attestation_packages (pkg_id, att_id) VALUES $values"
  $2 "DROP TABLE package_postings"
  $2 "DELETE FROM mlprov_schema WHERE version = 3"
  for q in lkall lkp300 lkp5 numpy torchtriton; do
    "$MLPROV" index query --db "$DB" --json --dependency "pkg:pypi/$q" >"$T/after-$q.json" 2>&1
    if cmp -s <(grep -v elapsedMs "$T/before-$q.json") <(grep -v elapsedMs "$T/after-$q.json") &&
       grep -q '"envelopeSha256"' "$T/after-$q.json"; then
      ok "$b: migrated from version 2: --dependency $q answers as before"
    else not_ok "$b: migrated from version 2: --dependency $q answers as before" \
      "$(diff "$T/before-$q.json" "$T/after-$q.json" | head -12 | tr '\n' '|')"; fi
  done
  got=$($3 "SELECT max(version) FROM mlprov_schema")
  if [ "$got" = 3 ]; then ok "$b: migrated: schema version 3"; else not_ok "$b: migrated: schema version 3" "got $got"; fi
  got=$($3 "SELECT count(*) FROM attestation_packages" 2>&1)
  case $got in *attestation_packages*) ok "$b: migrated: the pair table is gone" ;;
    *) not_ok "$b: migrated: the pair table is gone" "got $got" ;; esac
  postings_pairs "$b" "$3" >"$T/pairs2-$b"
  if [ -s "$T/pairs2-$b" ] && cmp -s <(sort "$T/pairs-$b") <(sort "$T/pairs2-$b"); then ok "$b: migrated: the same pairs, as posting lists"
  else not_ok "$b: migrated: the same pairs, as posting lists" "$(diff <(sort "$T/pairs-$b") <(sort "$T/pairs2-$b") | head -5)"; fi
}

# Every (package, record) pair in package_postings, "PKG ATT" a line, decoded
# here on its own (LEB128 varints: the first id, then differences); a pair
# listed twice, or a list that does not decode, fails.
postings_pairs() { # BACKEND ROWS-FUNCTION
  local hex="hex(atts)"; [ "$1" = postgresql ] && hex="encode(atts, 'hex')"
  $2 "SELECT pkg_id, $hex FROM package_postings" | $PY -c '
import sys
seen = set()
for line in sys.stdin:
    pkg, h = line.strip().split("|")
    b, i, prev = bytes.fromhex(h), 0, 0
    assert b, "an empty list"
    while i < len(b):
        v, shift = 0, 0
        while True:
            v |= (b[i] & 0x7f) << shift
            shift += 7
            i += 1
            if not b[i - 1] & 0x80:
                break
        assert v > 0, "a difference of 0"
        prev += v
        assert (pkg, prev) not in seen, "a pair listed twice"
        seen.add((pkg, prev))
        print(pkg, prev)'
}

sha_set() { $PY -c 'import json,sys; print("\n".join(sorted(json.loads(l)["mlprovIndex"]["envelopeSha256"] for l in open(sys.argv[1]))))' "$1"; }
sqlite_sql() { $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$T/index.db" "$1"; }
sqlite_rows() { # one line a row, columns separated by | (as psql -A)
  $PY -c 'import sqlite3,sys; [print("|".join(map(str, r))) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' \
    "$T/index.db" "$1"
}
DB="$T/index.db"
scenario sqlite sqlite_sql sqlite_rows
# journal_mode=WAL persists in the file: what another reader finds there
journal_mode() {
  $PY -c 'import sqlite3,sys; print(sqlite3.connect("file:%s?mode=rw" % sys.argv[1], uri=True).execute("PRAGMA journal_mode").fetchone()[0])' "$1" 2>&1
}
expect_wal() {
  local got; got=$(journal_mode "$2")
  if [ "$got" = wal ]; then ok "$1"; else not_ok "$1" "PRAGMA journal_mode on $2: $got"; fi
}
expect_wal "sqlite: the index is in WAL mode" "$T/index.db"

if pg_start; then
  ok "throw-away PostgreSQL server started"
  pg_sql() { _pg_as "$PG_BIN/psql" "$PG_URL" -qAt -c "$1" >/dev/null; }
  pg_rows() { _pg_as "$PG_BIN/psql" "$PG_URL" -qAt -c "$1"; }
  DB="$PG_URL"
  scenario postgresql pg_sql pg_rows
  # payloads large enough to be compressed (the 300-package records) are
  # compressed with lz4, not the server's default pglz (Debian's server has lz4)
  got=$(pg_rows "SELECT coalesce(string_agg(DISTINCT pg_column_compression(payload)::text, ','), 'none') FROM envelopes")
  if [ "$got" = lz4 ]; then ok "postgresql: payloads compressed with lz4"
  else not_ok "postgresql: payloads compressed with lz4" "compression methods found: $got"; fi
  # the same envelopes have the same content addresses on both backends
  check "sqlite and postgresql exports hold the same envelopes" \
    cmp <(sha_set "$T/export-sqlite.jsonl") <(sha_set "$T/export-postgresql.jsonl")
  expect_exit 0 "the sqlite export added to postgresql: all already there" \
    "$MLPROV" index add --db "$PG_URL" $K --unverified "$T/export-sqlite.jsonl"
  expect_grep "nothing new" '^0 added \(0 unverified\), 60 already indexed' "$T/out"
else
  not_ok "throw-away PostgreSQL server started" "see stderr above; make deps installs postgresql"
fi

# rebuild from an export: same envelopes, same verification state
DB="$T/rebuilt.db"
expect_exit 0 "rebuild an index from the export" "$MLPROV" index add --db "$DB" $K --unverified "$T/export-sqlite.jsonl"
expect_grep "all 60 added, 1 of them unverified" '^60 added \(1 unverified\)' "$T/out"
"$MLPROV" index export --db "$DB" --output "$T/export-rebuilt.jsonl" 2>/dev/null
check "rebuilt export has the same envelopes" \
  cmp <(sha_set "$T/export-sqlite.jsonl") <(sha_set "$T/export-rebuilt.jsonl")

# real `mlprov run` output: lineage through a hashed base-model file
mkdir -p "$T/real" && cd "$T/real"
M=$MLPROV
"$M" run -q --key "$T/keys/p256.pem" --output a.bin -- sh -c "'$M' event dependency torchtriton 2.0.0.dev20221231 --purl pkg:pypi/torchtriton@2.0.0.dev20221231; '$M' event dataset real-data --digest sha256:$(printf r | sha256sum | cut -c1-64); echo A >a.bin" >/dev/null 2>&1
"$M" run -q --key "$T/keys/p256.pem" --output b.bin -- sh -c "'$M' event base-model a --uri a.bin; echo B >b.bin" >/dev/null 2>&1
"$M" run -q --key "$T/keys/p256.pem" --output c.bin -- sh -c "'$M' event base-model b --uri b.bin; echo C >c.bin" >/dev/null 2>&1
for f in a b c; do echo "real-$f sha256:$(sha256sum $f.bin | cut -c1-64)" >>"$T/manifest"; done
DB="$T/real.db"
expect_exit 0 "real runs: add the directory" "$MLPROV" index add --db "$DB" --key "$T/keys/p256.pub.pem" "$T/real"
expect_grep "real runs: three records (not the .pb copies)" '^3 added' "$T/out"
expect_names "real runs: the bad nightly, its fine-tune and the fine-tune's fine-tune" "real-a real-b real-c" \
  --dependency pkg:pypi/torchtriton --version '==2.0.0.dev20221231' --affected
expect_names "real runs: by dataset digest" "real-a real-b real-c" --dataset "sha256:$(printf r | sha256sum | cut -c1-64)"
expect_exit 0 "real runs: the .pb form of a known envelope is a no-op" "$MLPROV" index add --db "$DB" --key "$T/keys/p256.pub.pem" "$T/real/b.bin.pb"
expect_grep "real runs: already indexed" '^0 added \(0 unverified\), 1 already indexed' "$T/out"
cd "$ROOT"

# a batch the index cannot write (no file of it may grow past 64 KiB, the
# size limit's signal ignored so that the write fails with EFBIG): the run
# stops, every file of the batch is reported not written and nothing of it
# is kept; with room, the same files go in whole
DB="$T/full.db"
expect_exit 0 "full: an index of the drill" "$MLPROV" index add --db "$DB" $K "$T/drill"
expect_exit 2 "full: a batch the index cannot write" \
  bash -c 'trap "" XFSZ; ulimit -f 64 && exec "$@"' limit "$MLPROV" index add --db "$DB" $K "$T/links"
expect_grep "full: the index's failure reported" 'File too large|disk is full|I/O error' "$T/err"
expect_grep "full: the batch's files reported not written" 'lk00.intoto.jsonl.*not written' "$T/err"
expect_count "full: nothing of the batch kept" 50 --since 2000-01-01
expect_exit 0 "full: with room, the batch goes in" "$MLPROV" index add --db "$DB" $K "$T/links"
expect_grep "full: all of it" '^7 added' "$T/out"
expect_count "full: the index holds both" 57 --since 2000-01-01

# where the index is without --db: $MLPROV_INDEX, else $XDG_DATA_HOME/mlprov/
# index.db (an absolute XDG_DATA_HOME only, as the XDG spec says), else
# $HOME/.local/share/mlprov/index.db; an empty variable counts as unset
D="$T/default"
mkdir -p "$D/home" "$D/xdg" "$D/cwd"
ONE="$T/extra/tx1.intoto.jsonl"
TX1=$(awk '$1 == "tx1" { print $2 }' "$T/manifest")
only() { env -u MLPROV_INDEX -u XDG_DATA_HOME -u HOME "$@"; } # only the locations given
nothing_in() { test -z "$(find "$@" -mindepth 1 -print -quit)"; }
expect_found() { # NAME ENV-ASSIGNMENTS...: a query without --db finds tx1, and only it
  local name=$1; shift
  expect_exit 0 "$name" only "$@" "$MLPROV" index query --dataset tx-data
  if grep -q '^1 record (1 direct, 0 through lineage)$' "$T/out" && grep -q "^  $TX1 " "$T/out"; then
    ok "$name: the record is there"
  else not_ok "$name: the record is there" "stdout: $(head -c 400 "$T/out")" "stderr: $(head -c 400 "$T/err")"; fi
}
expect_exit 0 "default index: \$MLPROV_INDEX first" \
  only MLPROV_INDEX="$D/env/sub/custom.db" XDG_DATA_HOME="$D/xdg" HOME="$D/home" "$MLPROV" index add --key "$T/keys/p256.pub.pem" "$ONE"
expect_grep "default index: \$MLPROV_INDEX: added" '^1 added \(0 unverified\), 0 already indexed' "$T/out"
check "default index: the file is \$MLPROV_INDEX, its directories made" test -f "$D/env/sub/custom.db"
check "default index: nothing under XDG_DATA_HOME or HOME then" nothing_in "$D/xdg" "$D/home"
expect_found "default index: query reads \$MLPROV_INDEX" MLPROV_INDEX="$D/env/sub/custom.db" XDG_DATA_HOME="$D/xdg" HOME="$D/home"
expect_wal "default index: \$MLPROV_INDEX is in WAL mode" "$D/env/sub/custom.db"

expect_exit 0 "default index: \$XDG_DATA_HOME next" \
  only XDG_DATA_HOME="$D/xdg" HOME="$D/home" "$MLPROV" index add --key "$T/keys/p256.pub.pem" "$ONE"
expect_grep "default index: \$XDG_DATA_HOME: added anew" '^1 added \(0 unverified\), 0 already indexed' "$T/out"
check "default index: the file is \$XDG_DATA_HOME/mlprov/index.db" test -f "$D/xdg/mlprov/index.db"
check "default index: the mlprov directory is mode 0700" test "$(stat -c %a "$D/xdg/mlprov")" = 700
check "default index: nothing under HOME then" nothing_in "$D/home"
expect_found "default index: query reads \$XDG_DATA_HOME" XDG_DATA_HOME="$D/xdg" HOME="$D/home"
expect_found "default index: an empty \$MLPROV_INDEX is unset" MLPROV_INDEX= XDG_DATA_HOME="$D/xdg" HOME="$D/home"
expect_wal "default index: \$XDG_DATA_HOME's is in WAL mode" "$D/xdg/mlprov/index.db"

expect_exit 0 "default index: \$HOME last" only HOME="$D/home" "$MLPROV" index add --key "$T/keys/p256.pub.pem" "$ONE"
expect_grep "default index: \$HOME: added anew" '^1 added \(0 unverified\), 0 already indexed' "$T/out"
check "default index: the file is ~/.local/share/mlprov/index.db" test -f "$D/home/.local/share/mlprov/index.db"
expect_found "default index: query reads ~/.local/share" HOME="$D/home"
expect_found "default index: an empty \$XDG_DATA_HOME is unset" XDG_DATA_HOME= HOME="$D/home"
expect_found "default index: a relative \$XDG_DATA_HOME is ignored" -C "$D/cwd" XDG_DATA_HOME=xdg HOME="$D/home"
check "default index: nothing made under the relative \$XDG_DATA_HOME" nothing_in "$D/cwd"

expect_exit 0 "default index: --db wins over \$MLPROV_INDEX" \
  only MLPROV_INDEX="$D/unused.db" "$MLPROV" index add --db "$D/explicit.db" --key "$T/keys/p256.pub.pem" "$ONE"
check "default index: --db: the file is there" test -f "$D/explicit.db"
check "default index: --db: \$MLPROV_INDEX untouched" test ! -e "$D/unused.db"
expect_exit 2 "default index: query with no index at the default" only HOME="$D/home2" "$MLPROV" index query --since 2000-01-01
expect_grep "default index: names the default path" "no index at $D/home2/.local/share/mlprov/index.db" "$T/err"
check "default index: a query creates nothing" test ! -e "$D/home2"
expect_exit 2 "default index: no MLPROV_INDEX, XDG_DATA_HOME nor HOME: query refused" only "$MLPROV" index query --since 2000-01-01
expect_grep "default index: says to give --db" 'no index: give --db' "$T/err"
expect_exit 2 "default index: an empty HOME is unset: add refused" \
  only HOME= XDG_DATA_HOME= "$MLPROV" index add --key "$T/keys/p256.pub.pem" "$ONE"
expect_grep "default index: add says to give --db" 'no index: give --db' "$T/err"

# usage
expect_exit 0 "index --help" "$MLPROV" index --help
expect_grep "help shows usage and an example" 'example: mlprov index query' "$T/out"
expect_exit 2 "unknown subcommand" "$MLPROV" index frobnicate
expect_exit 2 "bad version range" "$MLPROV" index query --db "$T/index.db" --dependency torch --version '>=1.0,<='
expect_grep "range error names the clause" 'bad clause' "$T/err"
expect_exit 2 "short signer prefix" "$MLPROV" index query --db "$T/index.db" --signer abc
expect_exit 2 "two query kinds at once" "$MLPROV" index query --db "$T/index.db" --signer abcdef12 --dataset x
expect_exit 2 "bad --since" "$MLPROV" index query --db "$T/index.db" --since yesterday
expect_exit 2 "query of a missing index" "$MLPROV" index query --db "$T/nowhere/x.db" --since 2020-01-01
expect_grep "names the missing index" 'no index at' "$T/err"
expect_exit 2 "a file that is not a database" "$MLPROV" index query --db "$T/manifest" --since 2020-01-01
expect_exit 2 "unreachable postgresql" "$MLPROV" index query --db "postgresql:///x?host=$T/nosock&user=u&password=hunter2" --since 2020-01-01
expect_no_grep "password not echoed" 'hunter2' "$T/err"

done_testing
