#!/usr/bin/env bash
# test_docs.sh — the tool explains itself: `mlprov --version` names the
# libraries it runs with; every command listed by `mlprov --help` has --help
# with usage, options, exit status and an example, a section in the man page
# mentioning each of its long options, and bash completion; the man page
# renders without a warning; errors name the file and the action.
#
# Commands are taken from `mlprov --help`, so a new subcommand is checked
# as soon as it is registered: give it a `.SS "mlprov NAME ..."` section in
# docs/mlprov.1 and the four parts in its usage text.
. "$(dirname "$0")/lib.sh"
MAN="$ROOT/docs/mlprov.1"

expect_exit 0 "mlprov --version" "$MLPROV" --version
expect_grep "version line" '^mlprov [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
expect_grep "OpenSSL version" '^  OpenSSL +[0-9]' "$T/out"
expect_grep "libuv version" '^  libuv +[0-9]' "$T/out"
expect_grep "protobuf-c version" '^  protobuf-c +[0-9]' "$T/out"
expect_exit 0 "mlprov --help" "$MLPROV" --help
awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && !/^ / { on = 0 }' "$T/out" >"$T/commands"
expect_grep "--help lists the commands" '^run$' "$T/commands"
expect_exit 2 "unknown command: exit 2" "$MLPROV" frobnicate
expect_grep "unknown command named" "unknown command 'frobnicate'" "$T/err"
expect_exit 2 "no command: exit 2 with usage" "$MLPROV"
expect_grep "usage on stderr" '^usage: mlprov COMMAND' "$T/err"

while read -r cmd; do
  expect_exit 0 "$cmd --help: exit 0" "$MLPROV" "$cmd" --help
  cp "$T/out" "$T/help-$cmd"
  expect_grep "$cmd --help: usage line" "^usage: mlprov $cmd" "$T/help-$cmd"
  expect_grep "$cmd --help: options" '^options:' "$T/help-$cmd"
  expect_grep "$cmd --help: exit status" '^exit status: ' "$T/help-$cmd"
  expect_grep "$cmd --help: example" "^example: mlprov $cmd " "$T/help-$cmd"
  expect_grep "man page: section for $cmd" "^\\.SS \"mlprov $cmd" "$MAN"
  # the command's own section of the man page mentions each long option
  awk -v c=".SS \"mlprov $cmd" 'index($0, c) == 1 { on = 1; next } on && /^\.S[SH] / { on = 0 } on' "$MAN" \
    | sed 's/\\-/-/g' >"$T/man-$cmd"
  missing=""
  for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$T/help-$cmd" | sort -u); do
    [ "$opt" = --help ] && continue
    grep -qF -- "$opt" "$T/man-$cmd" || missing="$missing $opt"
  done
  if [ -z "$missing" ]; then ok "man page documents every option of $cmd"
  else not_ok "man page documents every option of $cmd" "missing in docs/mlprov.1:$missing"; fi
done <"$T/commands"

# --- man page ----------------------------------------------------------------
check "built man page exists" test -s "$B/man/mlprov.1"
expect_exit 0 "man --warnings renders mlprov(1)" man --warnings -l "$B/man/mlprov.1"
cp "$T/err" "$T/man.err"
cp "$T/out" "$T/man.out"
expect_no_grep "man --warnings: no warning" '.' "$T/man.err"
expect_grep "man page has NAME" '^NAME' "$T/man.out"
expect_grep "man page has EXIT STATUS" '^EXIT STATUS' "$T/man.out"
expect_grep "man page has the version" "mlprov $("$MLPROV" --version | awk 'NR == 1 { print $2 }')" "$T/man.out"
expect_exit 0 "groff -ww (all warnings) is clean too" groff -man -ww -z "$B/man/mlprov.1"
expect_no_grep "groff: no warning" '.' "$T/err"

# --- bash completion, without and with the bash-completion package -------------
cat >"$T/complete.sh" <<'SH'
comp() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  _mlprov; echo "[${*:2}] ${COMPREPLY[*]}"
}
comp "$MLPROV" ""
comp "$MLPROV" ve
comp "$MLPROV" verify --
comp "$MLPROV" keygen --type ""
comp "$MLPROV" event ""
comp "$MLPROV" model ""
comp "$MLPROV" index q
comp "$MLPROV" dataset ""
comp "$MLPROV" journal ""
comp "$MLPROV" run --key k.pem -- mlprov-no-such-command-
comp "$MLPROV" run --ou
SH
for mode in plain bash-completion; do
  pre=""
  if [ $mode = bash-completion ]; then
    if [ ! -f /usr/share/bash-completion/bash_completion ]; then
      not_ok "bash-completion is installed" "/usr/share/bash-completion/bash_completion missing: run make deps"
      continue
    fi
    pre=". /usr/share/bash-completion/bash_completion;"
  fi
  expect_exit 0 "completion script loads ($mode)" env MLPROV="$MLPROV" bash -c "$pre . '$ROOT/completions/mlprov.bash'; . '$T/complete.sh'"
  cp "$T/out" "$T/comp-$mode"
  while read -r cmd; do
    expect_grep "completes command $cmd ($mode)" "^\\[\\] .*\\b$cmd\\b" "$T/comp-$mode"
  done <"$T/commands"
  expect_grep "completes a prefix ($mode)" '^\[ve\] verify$' "$T/comp-$mode"
  expect_grep "completes long options from --help ($mode)" '^\[verify --\] .*--provenance' "$T/comp-$mode"
  expect_grep "completes key types ($mode)" '^\[keygen --type \] ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519$' "$T/comp-$mode"
  expect_grep "completes event kinds ($mode)" '^\[event \] file dataset dependency .*exec' "$T/comp-$mode"
  expect_grep "completes model verbs ($mode)" '^\[model \] sign verify digest$' "$T/comp-$mode"
  expect_grep "completes an index verb ($mode)" '^\[index q\] query$' "$T/comp-$mode"
  expect_grep "completes dataset verbs ($mode)" '^\[dataset \] commit add prove verify$' "$T/comp-$mode"
  expect_grep "completes journal verbs ($mode)" '^\[journal \] verify$' "$T/comp-$mode"
  expect_grep "after -- completes commands, nothing here ($mode)" '^\[run --key k.pem -- mlprov-no-such-command-\] $' "$T/comp-$mode"
  expect_grep "run options ($mode)" '^\[run --ou\] --out --output$' "$T/comp-$mode"
done

# --- errors name the file and the action --------------------------------------
cd "$T"
"$MLPROV" keygen k.pem >/dev/null
echo "not a key" >bad.pem
expect_exit 2 "keygen into a missing directory" "$MLPROV" keygen nodir/k.pem
expect_grep "names the file" 'writing nodir/k.pem: No such file or directory' "$T/err"
expect_exit 2 "verify with a missing key" "$MLPROV" verify --key nokey.pem x
expect_grep "names the key file" 'reading key.*nokey.pem: No such file' "$T/err"
expect_exit 2 "verify with a file that is not a key" "$MLPROV" verify --key bad.pem x
expect_grep "says what is wrong with it" 'reading key bad.pem: not a PEM public key' "$T/err"
expect_exit 2 "run with a public key for signing" "$MLPROV" run --key k.pub.pem -- true
expect_grep "says it is not a private key" 'reading key k.pub.pem: not a PEM private key' "$T/err"
expect_exit 2 "verify with a missing artifact" "$MLPROV" verify --key k.pub.pem nothere.bin
expect_grep "names the artifact" 'reading artifact nothere.bin' "$T/err"
echo data >m.bin
expect_exit 2 "verify without a provenance beside the model" "$MLPROV" verify --key k.pub.pem m.bin
expect_grep "names the provenance it looked for" 'reading provenance.*m.bin.intoto.jsonl' "$T/err"
expect_exit 2 "event --lines with a missing file" "$MLPROV" event record ds --lines no-such-records.txt
expect_grep "names the records file" 'reading records from no-such-records.txt: No such file' "$T/err"
expect_no_grep "an unreadable file is not called a usage error" 'wrong arguments' "$T/err"
done_testing
