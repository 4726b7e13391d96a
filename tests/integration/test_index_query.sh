#!/usr/bin/env bash
# test_index_query.sh — the shape of `mlprov index query` results on SQLite
# and on a throw-away PostgreSQL server, checked against an independent
# oracle (index_oracle.py, which reads the signed statements of an export):
# result sets larger than any chunk (1,500 generated records, 800 seeds in
# one level), a 40-deep fine-tune chain, a diamond (two parents: the first in
# result order names the edge), a forged cycle (the walk ends, each record
# once), --model's ancestors and descendants with their depths (a grandchild
# is at depth 2), records in time order then level by level in id order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
make_keys
GEN="$TOOLS/gen_provenance"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
ORACLE="$(dirname "$0")/index_oracle.py"
K="--key $T/keys/p256.pub.pem"
h() { printf '%s' "$1" | sha256sum | cut -c1-64; }

# 1,500 generated records (4 packages each; lineage for 3 in 10, torchtriton
# in 1 of 5, dataset crawl-(i % 37)), three files
mkdir -p "$T/data"
check "generate 1,500 records" "$GEN" --key "$T/keys/p256.pem" --out "$T/data" --bulk 1500 --deps 4 --per-file 500 --threads 2
# hand-made shapes, at minutes 5000+ (after the generated ones)
{
  echo "ch00 minutes=5000 dataset=chain-data"
  for i in $(seq 1 39); do printf 'ch%02d minutes=%d base=ch%02d dataset=chain-ft\n' "$i" $((5000 + i)) $((i - 1)); done
  echo "dm0 minutes=5100 dataset=dm-data"
  echo "dm2 minutes=5101 base=dm0"
  echo "dm1 minutes=5102 base=dm0"
  echo "dm3 minutes=5103 base=dm1 base=dm2"
  echo "dm4 minutes=5104 base=dm3"
  echo "cy1 minutes=5200 dataset=cyc-data base=cy2"
  echo "cy2 minutes=5201 dataset=cyc-other base=cy1"
  echo "cy3 minutes=5202 base=cy2"
} >"$T/shapes.spec"
mkdir -p "$T/shapes"
check "generate the chain, diamond and cycle" sh -c "'$GEN' --key '$T/keys/p256.pem' --out '$T/shapes' --spec '$T/shapes.spec' >'$T/manifest'"

# most descendants among the generated records: the --model case
cat >"$T/queries" <<EOF
dataset crawl-03
window 2026-01-01T00:00:00Z 2026-01-01T13:19:00Z
dependency pkg:pypi/torchtriton
dataset chain-data
model $(h model:ch20)
model $(h model:ch00)
dataset dm-data
model $(h model:dm3)
dataset cyc-data
model $(h model:cy1)
model $(h model:bulk-200)
model $(h model:no-such-record)
EOF
# mlprov's arguments for each line of $T/queries
args_of() {
  set -- $1
  case $1 in
    dataset) echo "--dataset $2" ;;
    window) echo "--since $2 --until $3 --affected" ;;
    dependency) echo "--dependency $2 --affected" ;;
    model) echo "--model sha256:$2" ;;
  esac
}

# $1: backend name, $DB set; $2 runs SQL, $3 prints its rows; $4: SQL that
# drops the backend's own version 2 indexes, $5 their names (and a space)
scenario() {
  local b=$1 i=0 q outs=()
  expect_exit 0 "$b: add 1,500 generated records" "$MLPROV" index add --db "$DB" $K "$T/data"
  expect_exit 0 "$b: add the chain, diamond and cycle" "$MLPROV" index add --db "$DB" $K "$T/shapes"
  expect_grep "$b: 48 of them" '^48 added' "$T/out"
  expect_exit 0 "$b: export" "$MLPROV" index export --db "$DB" --output "$T/export-$b.jsonl"
  $PY "$ORACLE" expect "$T/export-$b.jsonl" "$T/queries" >"$T/want-$b" 2>"$T/oracle.err" ||
    not_ok "$b: the oracle ran" "$(head -c 600 "$T/oracle.err")"
  while read -r q; do
    i=$((i + 1))
    # shellcheck disable=SC2046
    "$MLPROV" index query --db "$DB" --json $(args_of "$q") >"$T/$b-$i.json" 2>"$T/err" ||
      not_ok "$b: query $q" "$(head -c 400 "$T/err")"
    outs+=("$T/$b-$i.json")
  done <"$T/queries"
  $PY "$ORACLE" summary "$T/queries" "${outs[@]}" >"$T/got-$b" 2>"$T/oracle.err" ||
    not_ok "$b: results readable" "$(head -c 600 "$T/oracle.err")"
  # one comparison a query: the block from "query" to the next
  local n=0
  while read -r q; do
    n=$((n + 1))
    local want got
    want=$(awk -v n=$n '/^query /{k++} k==n' "$T/want-$b")
    got=$(awk -v n=$n '/^query /{k++} k==n' "$T/got-$b")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then ok "$b: $q: $(echo "$want" | sed -n 2p)"
    else not_ok "$b: $q" "first differences (< want, > got):" \
      "$(diff <(echo "$want") <(echo "$got") | head -8 | tr '\n' '|')"; fi
  done <"$T/queries"

  # the shapes themselves, beyond agreeing with the oracle
  local got
  got=$(sed -n 's/^count=\([0-9]*\) direct=\([0-9]*\) .*/\1 \2/p' <(awk '/^query dataset crawl-03/{k=1;next} /^query/{k=0} k' "$T/got-$b"))
  check "$b: crawl-03: the 41 direct records and more through lineage" test "${got%% *}" -gt 41 -a "${got#* }" = 41
  got=$(awk '/^query window/{k=1;next} /^query/{k=0} k' "$T/got-$b" | sed -n 1p)
  check "$b: window of 800 records: one level wider than a chunk of 500" \
    sh -c "echo '$got' | grep -q '^count=[0-9]* direct=800 throughLineage=[1-9]'"
  got=$(awk '/^query dataset chain-data/{k=1;next} /^query/{k=0} k' "$T/got-$b" | awk 'NR>1 {print $4}' | tr '\n' ' ')
  check "$b: chain: 40 records at depths 0..39" test "$got" = "$(seq -s ' ' 0 39) "
  got=$(awk '/^query model '"$(h model:ch20)"'/{k=1;next} /^query/{k=0} k' "$T/got-$b" | sed -n 1p)
  check "$b: --model in the middle of the chain: 20 ancestors, 19 descendants" \
    test "$got" = "count=1 ancestors=20 descendants=19"
  got=$(awk '/^query model '"$(h model:ch20)"'/{k=1;next} /^query/{k=0} k' "$T/got-$b" | awk '$1 == "descendants" {print $4}' | tr '\n' ' ')
  check "$b: --model: a fine-tune of a fine-tune is at depth 2, and so on" test "$got" = "$(seq -s ' ' 1 19) "
  "$MLPROV" index query --db "$DB" --json --dataset dm-data >"$T/dm.json"
  got=$($PY -c 'import json,sys; m={d.split(":")[1]: n for n, d in (l.split() for l in open(sys.argv[2]))}
j=json.load(open(sys.argv[1])); env={r["envelopeSha256"]: m[r["subjects"][0]["digest"][7:]] for r in j["results"]}
print(" ".join("%s@%d<%s" % (m[r["subjects"][0]["digest"][7:]], r["depth"], env.get(r.get("via", {}).get("parent"), "-")) for r in j["results"]))' \
    "$T/dm.json" "$T/manifest")
  check "$b: diamond: each record once, a level in id order (dm1 was indexed first, though it finished later), dm3 through the first parent listed" \
    test "$got" = "dm0@0<- dm1@1<dm0 dm2@1<dm0 dm3@2<dm1 dm4@3<dm3"
  expect_exit 0 "$b: a forged cycle ends" "$MLPROV" index query --db "$DB" --dataset cyc-data
  expect_grep "$b: cycle: each record once" '^3 records \(1 direct, 2 through lineage\)' "$T/out"

  # an index of schema version 1 (before the covering indexes, package links
  # a row a pair: an empty table here, test_index.sh moves real ones) is
  # brought to the last version by the first query, and answers the same
  $2 "DROP TABLE package_postings;
      CREATE TABLE attestation_packages (pkg_id BIGINT NOT NULL, att_id BIGINT NOT NULL, PRIMARY KEY (pkg_id, att_id));
      DROP INDEX subjects_att_cover; CREATE INDEX subjects_att ON subjects(att_id);
      DROP INDEX signers_att_cover; CREATE INDEX signers_att ON signers(att_id);
      DROP INDEX lineage_base_cover; CREATE INDEX lineage_base ON lineage(base_digest);
      DROP INDEX datasets_name_cover; CREATE INDEX datasets_name ON datasets(name);
      DROP INDEX datasets_digest_cover; CREATE INDEX datasets_digest ON datasets(digest);
      DROP INDEX datasets_root_cover; CREATE INDEX datasets_root ON datasets(merkle_root);
      $4
      DELETE FROM mlprov_schema WHERE version > 1"
  "$MLPROV" index query --db "$DB" --json --dataset crawl-03 >"$T/upgraded.json" 2>"$T/err"
  $PY "$ORACLE" summary <(head -1 "$T/queries") "$T/upgraded.json" >"$T/upgraded"
  check "$b: version 1 index: migrated by a query, same answer" \
    cmp "$T/upgraded" <(awk '/^query /{k++} k==1' "$T/got-$b")
  check "$b: version 1 index: the covering indexes replaced the old ones" \
    test "$($3 "$INDEXES")" = "datasets_digest_cover datasets_name_cover datasets_root_cover lineage_base_cover signers_att_cover $5subjects_att_cover subjects_digest"
}

sqlite_sql() { $PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$DB" "$1"; }
sqlite_rows() { $PY -c 'import sqlite3,sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$DB" "$1"; }
pg_sql() { _pg_as "$PG_BIN/psql" "$PG_URL" -qAt -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }
pg_rows() { _pg_as "$PG_BIN/psql" "$PG_URL" -qAt -c "$1" | tr '\n' ' ' | sed 's/ $//'; }
# the indexes on the tables whose indexes schema version 2 changed
INDEXES_OF="'subjects', 'signers', 'lineage', 'datasets'"

DB="$T/index.db"
INDEXES="SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ($INDEXES_OF)
  AND name NOT LIKE 'sqlite_autoindex%' AND name NOT IN ('datasets_att', 'lineage_att') ORDER BY name"
scenario sqlite sqlite_sql sqlite_rows "" ""
if pg_start; then
  ok "throw-away PostgreSQL server started"
  DB="$PG_URL"
  INDEXES="SELECT indexname FROM pg_indexes WHERE tablename IN ($INDEXES_OF) AND indexname NOT LIKE '%_pkey'
    AND indexname NOT IN ('datasets_att', 'lineage_att') ORDER BY indexname"
  scenario postgresql pg_sql pg_rows "DROP INDEX signers_key_cover;" "signers_key_cover "
  check "sqlite and postgresql give the same answers" cmp "$T/got-sqlite" "$T/got-postgresql"
else
  not_ok "throw-away PostgreSQL server started" "see stderr above; make deps installs postgresql"
fi
done_testing
