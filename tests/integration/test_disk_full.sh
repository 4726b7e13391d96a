#!/usr/bin/env bash
# test_disk_full.sh — the journal's disk fills up mid-run: the job is not
# killed and its events are not lost from the provenance, the agent reports
# the failure (stderr and the mlprov/journal byproduct), and what was written
# stays verifiable (`mlprov journal verify` against the signed provenance,
# and `mlprov recover`).
#
# The full disk is a 256 KiB tmpfs mounted here (CI runs as root). Where
# mounting is not permitted, the same failure is produced honestly with a
# file size limit (ulimit -f: the journal's write fails with EFBIG; the
# agent ignores SIGXFSZ); the test names which one it used.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
K=keys/p256.pem
PUB=keys/p256.pub.pem
N=20000
mkdir full o
how="tmpfs"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k,mode=0700 mlprov-test-full full 2>/dev/null; then
  trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
  LIMIT=()
else
  how="file size limit"
  LIMIT=(bash -c 'ulimit -f 256 && exec "$@"' limit)
fi
J=full/run.journal

cat >job.sh <<JOB
echo model > o/model.bin
"$TOOLS/flood" --events $N --payload 100 --acks --sync --acked-file acked || exit 7
"$MLPROV" event param after_the_failure 1 || exit 8
JOB
expect_exit 0 "[$how] the job runs to its end while the journal's disk is full" \
  "${LIMIT[@]}" "$MLPROV" run --key $K --journal $J --output o/model.bin -- sh job.sh
cp "$T/err" run.err
expect_grep "[$how] the agent reports the failure" 'journal .*run.journal: writing: (No space left on device|File too large)' run.err
expect_grep "[$how] ... says the job goes on" 'the job goes on' run.err
payload_of o/model.bin.intoto.jsonl >st.json
expect_grep "[$how] provenance: journal status failed" '"status":"failed"' st.json
expect_grep "[$how] provenance: the journal error" '"error":"writing: (No space left on device|File too large)' st.json
expect_grep "[$how] provenance: every record kept in memory" '"recordsTreeSize":'$N st.json
expect_grep "[$how] provenance: the event sent after the failure" '"after_the_failure":1' st.json
expect_grep "[$how] provenance: the run itself is complete" '"complete":true' st.json
check "[$how] the journal holds a prefix" test -s $J
expect_exit 0 "[$how] what was written verifies" "$MLPROV" journal verify $J
expect_grep "[$how] ... with no end record" 'end record: +missing' "$T/out"
expect_exit 0 "[$how] ... and is the journal the provenance signed" "$MLPROV" journal verify $J --provenance o/model.bin.intoto.jsonl --key $PUB
expect_exit 0 "[$how] recover from the partial journal" "$MLPROV" recover -q $J --key $K --out rec
expect_grep "[$how] recovered provenance: incomplete" '"complete":false' <(payload_of rec.intoto.jsonl)
done_testing
