#!/usr/bin/env bash
# test_report_cli.sh — `mlprov report` on provenance from real runs: the page is
# written, hostile names are shown as text, verification status follows the
# keys given (exit 0 / 1), a lineage across files is linked, and bad input
# exits 2 without writing a page.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_jobs.sh"
make_keys
check "two jobs forming a lineage run under mlprov run" make_report_jobs
cd "$T"

expect_exit 0 "report with the signing key: exit 0" "$MLPROV" report --key keys/p256.pub.pem -o r.html ft.bin.intoto.jsonl pre.bin.intoto.jsonl
expect_grep "names the page it wrote" 'wrote r.html \(2 provenance' "$T/err"
check "page written" test -s r.html
expect_grep "verdict: verified" 'class="verdict ok"' r.html
expect_grep "page is titled by the end of the lineage" '<h1>ft.bin</h1>' r.html
expect_grep "XSS-like dataset name shown as text" '&lt;script&gt;alert\(&quot;xss&quot;\)&lt;/script&gt;' r.html
expect_no_grep "no raw markup from the provenance" '<script>alert' r.html
expect_grep "exactly one script element: the page's own" '^1$' <(grep -o '<script' r.html | wc -l)
expect_grep "bidi override made visible" 'evil\[U\+202E\]txt.exe' r.html
expect_no_grep "no bidi override character left" $'\xe2\x80\xae' r.html
expect_grep "base model linked to the given provenance" '<a href="#p2">given: provenance 2</a>' r.html
expect_grep "lineage graph: one model-to-model link" '^1$' <(grep -o 'class="edge lineage"' r.html | wc -l)
expect_grep "lineage graph: dataset node" 'class="node dataset"' r.html
expect_grep "dependencies grouped by ecosystem" 'Packages · pypi' r.html
expect_grep "npm group" 'Packages · npm' r.html
expect_grep "deb group" 'Packages · deb' r.html
expect_grep "files read group" 'Files read' r.html
expect_grep "filter box present" 'id="filter-p2"' r.html
expect_grep "dataset Merkle root shown" 'recordsMerkleRoot</span> <code class="digest">[0-9a-f]{64}' r.html
expect_grep "signer key id shown" "$(openssl pkey -pubin -in keys/p256.pub.pem -outform DER | sha256sum | cut -c1-64)" r.html
expect_no_grep "no external resource" '(src=|<link|@import|href="http)' r.html

expect_exit 0 "report without a key: exit 0" "$MLPROV" report -o u.html pre.bin.intoto.jsonl
expect_grep "says signatures were not checked" 'signatures NOT checked' "$T/err"
expect_grep "verdict: unverified" 'class="verdict warn"' u.html

expect_exit 1 "report with an untrusted key: exit 1, page still written" "$MLPROV" report --key keys/other.pub.pem -o bad.html ft.bin.intoto.jsonl
expect_grep "says what did not verify" '1 of 1 provenance record\(s\) NOT verified' "$T/err"
expect_grep "verdict: not verified" 'class="verdict bad"' bad.html
expect_grep "reason on the page" 'bad signature' bad.html

expect_exit 0 "the protobuf form is read too" "$MLPROV" report --key keys/p256.pub.pem -o pb.html pre.bin.pb
expect_grep "pb page verified" 'class="verdict ok"' pb.html
expect_exit 0 "-o - writes to standard output" "$MLPROV" report --key keys/p256.pub.pem -o - pre.bin.intoto.jsonl
expect_grep "stdout holds the page" '^<!DOCTYPE html>' "$T/out"
expect_exit 0 "--title" "$MLPROV" report --title 'Release <candidate>' -o t.html pre.bin.intoto.jsonl
expect_grep "title escaped" '<h1>Release &lt;candidate&gt;</h1>' t.html

echo 'not a provenance' > junk.jsonl
expect_exit 1 "a file that is not a provenance: exit 1, shown as invalid" "$MLPROV" report --key keys/p256.pub.pem -o j.html junk.jsonl pre.bin.intoto.jsonl
expect_grep "invalid entry on the page" 'INVALID' j.html

rm -f none.html
expect_exit 2 "missing provenance file: exit 2" "$MLPROV" report -o none.html missing.intoto.jsonl
expect_grep "error names the file and the action" 'reading provenance.*missing.intoto.jsonl' "$T/err"
check "no page written on error" test ! -e none.html
expect_exit 2 "unwritable output: exit 2" "$MLPROV" report -o nodir/r.html pre.bin.intoto.jsonl
expect_grep "error names the output" 'writing report.*nodir/r.html' "$T/err"
expect_exit 2 "no provenance argument: usage error" "$MLPROV" report -o x.html
expect_exit 2 "unreadable key: exit 2" "$MLPROV" report --key keys/nope.pem pre.bin.intoto.jsonl
expect_grep "key error names the file" 'keys/nope.pem' "$T/err"
done_testing
