# report_jobs.sh — sourced by the report tests after lib.sh: two real
# `mlprov run` jobs in $T forming a lineage. `pre` trains pre.bin on a
# dataset with package dependencies of three ecosystems; `ft` fine-tunes it
# (base model = pre.bin with its provenance) on a dataset named like an XSS
# payload, with a dependency whose name carries a bidi override. Both are
# signed with $T/keys/p256.pem.
make_report_jobs() {
  (
    cd "$T" || exit 1
    cat >pre.sh <<JOB
set -e
printf 'a,b\n1,2\n3,4\n' > corpus.csv
"$MLPROV" event dataset web-corpus --path corpus.csv --records 2
printf 'r1\nr2\nr3\n' | "$MLPROV" event record web-corpus --lines -
"$MLPROV" event dependency torch 2.1.0 --purl pkg:pypi/torch@2.1.0
"$MLPROV" event dependency numpy 1.26.4 --purl pkg:pypi/numpy@1.26.4
"$MLPROV" event dependency left-pad 1.3.0 --purl pkg:npm/left-pad@1.3.0
"$MLPROV" event dependency libc6 2.36 --purl 'pkg:deb/debian/libc6@2.36?arch=amd64'
"$MLPROV" event param lr 0.001
"$MLPROV" event file corpus.csv
echo weights-pre > pre.bin
"$MLPROV" event artifact pre.bin --role model
JOB
    cat >ft.sh <<JOB
set -e
printf 'x\ny\n' > tune.jsonl
"$MLPROV" event dataset '<script>alert("xss")</script>' --path tune.jsonl --records 2
"$MLPROV" event base-model pretrained --path pre.bin --provenance pre.bin.intoto.jsonl
"$MLPROV" event dependency torch 2.1.0 --purl pkg:pypi/torch@2.1.0
"$MLPROV" event dependency "evil\$(printf '\342\200\256')txt.exe" 1 --purl pkg:pypi/evil@1
"$MLPROV" event param epochs 3
echo weights-ft > ft.bin
"$MLPROV" event artifact ft.bin --role model
JOB
    "$MLPROV" run -q --key keys/p256.pem -- sh pre.sh &&
      "$MLPROV" run -q --key keys/p256.pem -- sh ft.sh
  )
}
