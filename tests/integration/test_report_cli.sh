#!/usr/bin/env bash
# test_report_cli.sh — `mlprov report` on provenance from real runs: the page is
# written, hostile names are shown as text, verification status follows the
# keys given (exit 0 / 1), a lineage across files is linked, each entry's
# Subjects / Parameters / Timeline / Environment hold its run's values, and bad
# input exits 2 without writing a page.
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

# --- each entry's sections hold the values of its run ---------------------------
# section FILE ENTRY HEADING: the part of entry ENTRY (p1, p2, ...) from its
# <h3>HEADING to the next heading, into $T/section.html (empty when missing)
section() {
  python3 -S - "$@" >"$T/section.html" <<'PY'
import sys
html = open(sys.argv[1], encoding="utf-8").read()
a = html.find('<section class="prov prov-')
while a >= 0 and ('id="%s"' % sys.argv[2]) not in html[a:html.find(">", a)]:
    a = html.find('<section class="prov prov-', a + 1)
if a < 0: sys.exit(0)
entry = html[a:html.find("</section>", a)]
h = entry.find("<h3>" + sys.argv[3])
if h < 0: sys.exit(0)
rest = entry[h + 4:]
n = rest.find("<h3")
print(rest if n < 0 else rest[:n])
PY
}
pre_digest=$(sha256sum pre.bin | cut -c1-64)
started=$(payload_of pre.bin.intoto.jsonl | python3 -S -c 'import json,sys; print(json.load(sys.stdin)["predicate"]["runDetails"]["metadata"]["startedOn"])')
section u.html p1 Subjects
expect_grep "Subjects: pre.bin with the digest of its bytes" "<td>pre\.bin</td><td>model</td><td><code class=\"digest\"><span class=\"alg\">sha256:</span>$pre_digest</code>" "$T/section.html"
section u.html p1 Parameters
expect_grep "Parameters: the job's parameter lr = 0.001" '<tr><th>lr</th><td><code>0\.001</code></td></tr>' "$T/section.html"
expect_grep "Parameters: the command" '<span class="arg">sh</span> <span class="arg">pre\.sh</span>' "$T/section.html"
expect_grep "Parameters: the working directory" "<tr><th>working directory</th><td>$T</td></tr>" "$T/section.html"
section u.html p1 Timeline
expect_grep "Timeline: starts at the recorded startedOn" "<li class=\"start\"><span class=\"when\">$started</span><span class=\"what\">job started: <code>sh pre\.sh</code>" "$T/section.html"
expect_grep "Timeline: the CLI hook connections" '[0-9]+ cli hook connections' "$T/section.html"
expect_grep "Timeline: ends with the exit status" '<li class="end"><span class="when">[^<]+</span><span class="what">job exited with status 0 after [0-9.]+ s' "$T/section.html"
section u.html p1 Environment
expect_grep "Environment: the job's environment variable MLPROV_STATE_DIR" "<tr><th>MLPROV_STATE_DIR</th><td>$MLPROV_STATE_DIR</td></tr>" "$T/section.html"
expect_grep "Environment: the host's kernel" "<tr><th>host\.os\.kernel</th><td>$(uname -s)</td></tr>" "$T/section.html"
expect_no_grep "Environment: no job parameter in it" '<th>lr</th>' "$T/section.html"
section r.html p1 Parameters
expect_grep "two entries: the first has its own parameter epochs = 3" '<tr><th>epochs</th><td><code>3</code></td></tr>' "$T/section.html"
expect_no_grep "  and not the other job's" '<th>lr</th>' "$T/section.html"
section r.html p2 Parameters
expect_grep "two entries: the second has lr" '<tr><th>lr</th><td><code>0\.001</code></td></tr>' "$T/section.html"

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
