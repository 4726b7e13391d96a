#!/usr/bin/env bash
# test_report_browser.sh — the report page in a real browser: Debian's
# chromium, headless, driven over the DevTools protocol by
# tests/browser/cdp_check.py. The page must load without a console error or a
# CSP violation, request nothing but itself, run no injected script, draw the
# lineage graph (SVG nodes with real boxes), and its dependency filter must
# hide and show rows as a user types. Screenshots are kept in
# $MLPROV_BUILD/test-artifacts/. A deliberately broken copy of the page,
# loaded in the same browser, shows that the harness does see console errors,
# blocked loads and extra scripts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_jobs.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ART="$B/test-artifacts"
mkdir -p "$ART"
if [ ! -x "$CHROMIUM" ]; then
  not_ok "chromium is installed" "$CHROMIUM not found: run \`make deps\` (Debian package chromium)"
  done_testing
fi
make_keys
check "two jobs forming a lineage run under mlprov run" make_report_jobs
cd "$T"
expect_exit 0 "report written" "$MLPROV" report --key keys/p256.pub.pem -o report.html ft.bin.intoto.jsonl pre.bin.intoto.jsonl
cp report.html "$ART/report.html"

# the broken copy: an injected script, a console error and an external image
python3 - report.html broken.html <<'PY'
import sys
html = open(sys.argv[1]).read()
html = html.replace("</main>", '<img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></main>', 1)
open(sys.argv[2], "w").write(html)
PY

expect_exit 0 "chromium loads the page" env CHROMIUM="$CHROMIUM" \
  python3 "$ROOT/tests/browser/cdp_check.py" report.html "$ART" p2 numpy broken.html
cp "$T/out" result.txt
sed 's/^/# /' result.txt
expect_grep "the page's script ran" '^ready=1$' result.txt
expect_grep "no console error, exception or CSP violation" '^console_errors=0$' result.txt
expect_grep "no JavaScript dialog (injected alert) opened" '^dialogs=0$' result.txt
expect_grep "no request but the page itself" '^requests_not_this_page=0$' result.txt
expect_grep "only the page's own script element" '^scripts=1$' result.txt
expect_grep "lineage graph: 4 nodes (2 models, 2 datasets)" '^svg_nodes=4$' result.txt
expect_grep "lineage graph: every node drawn with a box" '^svg_node_boxes=4$' result.txt
expect_grep "lineage graph: the base-model link is drawn" '^svg_lineage_edges=1$' result.txt
expect_grep "verdict banner is 'verified'" '^verdict=verdict ok$' result.txt
expect_grep "dependency rows: 5 before filtering" '^rows_visible_before=5$' result.txt
expect_grep "typing 'numpy' leaves one row" '^rows_visible_filtered=1$' result.txt
expect_grep "... and it is numpy" '^visible_rows_text=numpy$' result.txt
expect_grep "the counter follows" '^count_text_filtered=1 of 5 shown$' result.txt
expect_grep "a query matching nothing hides every row" '^rows_visible_nomatch=0$' result.txt
expect_grep "... and says so" '^nomatch_shown=1$' result.txt
expect_grep "clearing the filter shows every row again" '^rows_visible_cleared=5$' result.txt
check "full-page screenshot saved" test -s "$ART/report.png"
check "lineage screenshot saved" test -s "$ART/lineage.png"
expect_grep "screenshot is a 1400-pixel-wide PNG" '^PNG 1400$' <(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(24)
print("PNG" if d[:8] == b"\x89PNG\r\n\x1a\n" else "not PNG", struct.unpack(">I", d[16:20])[0])' "$ART/report.png")
expect_grep "control: harness sees the blocked script and image" '^control_console_errors=[1-9]' result.txt
expect_grep "control: harness counts the extra script element" '^control_scripts=2$' result.txt
done_testing
