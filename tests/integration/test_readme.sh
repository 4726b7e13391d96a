#!/usr/bin/env bash
# test_readme.sh — the README's five-minute tour runs as written: its first
# shell block is executed from a scratch copy of the repository layout
# (build/ and examples/ linked), and what the text after it promises holds.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/root"
ln -s "$B" "$T/root/build"
ln -s "$ROOT/examples" "$T/root/examples"
awk '/^## A five-minute tour/ { t = 1 } t && /^```sh$/ { on = 1; next } on && /^```$/ { exit } on' \
  "$ROOT/README.md" >"$T/tour.sh"
expect_grep "the tour has a shell block" 'build/mlprov run' "$T/tour.sh"
cd "$T/root"
expect_exit 0 "the tour runs as written" bash -e "$T/tour.sh"
cp "$T/out" "$T/tour.out"
expect_grep "the gate passed" 'mlprov-gate: PASS' "$T/out"
check "the provenance was written" test -s tour/model.bin.intoto.jsonl
check "the protobuf companion was written" test -s tour/model.bin.pb
check "the review page was written" test -s tour/review.html
expect_grep "the policy passed" '^PASS' "$T/tour.out"
expect_grep "the model signature rule passed" 'PASS model.require_signature' "$T/tour.out"
expect_grep "the signed model is the trained one" 'PASS model.digest_matches_provenance' "$T/tour.out"
expect_grep "a record proved included" '^included' "$T/tour.out"
expect_grep "another proved not included" '^not included' "$T/tour.out"
expect_grep "the index found the model" 'tour/model.bin \[model\]' "$T/tour.out"
printf '\001' | dd of=tour/model.bin bs=1 seek=3 conv=notrunc 2>/dev/null
expect_exit 1 "a changed byte: verify exits 1" build/mlprov verify --key tour/keys/ci.pub.pem tour/model.bin
expect_grep "... with 'digest mismatch'" 'digest mismatch' "$T/err"
done_testing
