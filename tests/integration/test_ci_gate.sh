#!/usr/bin/env bash
# test_ci_gate.sh — examples/ci: the plain shell gate passes a model whose
# signed provenance vouches for it and refuses a tampered one, a model
# signed by another key, and a missing provenance (each with its exit code and
# a reason); it writes the review page either way. The GitHub Actions and
# GitLab CI files are valid YAML, run the same gate, and keep inputs out of
# their scripts. With MLPROV_POLICY the gate applies a promotion policy.
. "$(dirname "$0")/lib.sh"
make_keys
GATE="$ROOT/examples/ci/mlprov-gate.sh"
mkdir -p "$T/w/out"
cd "$T/w" # not $T itself: lib.sh keeps command output in $T/out
ln -s ../keys keys
echo "weights v1" >out/model.bin
expect_exit 0 "a model is trained under mlprov run" "$MLPROV" run -q --key keys/p256.pem --output out/model.bin -- true

expect_exit 0 "gate passes the model its provenance vouches for" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem MLPROV_REPORT=pass.html sh "$GATE" out/model.bin
expect_grep "says PASS" '^mlprov-gate: PASS: out/model.bin may be promoted' "$T/out"
expect_grep "shows mlprov's verdict" '^VERIFIED' "$T/out"
expect_grep "review page written on pass" 'class="verdict ok"' pass.html

cp -r out tampered
echo "weights v1, retouched" >tampered/model.bin
expect_exit 1 "gate refuses a tampered model" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem MLPROV_REPORT=fail.html sh "$GATE" tampered/model.bin
expect_grep "says FAIL" '^mlprov-gate: FAIL: tampered/model.bin must not be promoted' "$T/err"
expect_grep "with mlprov's reason" 'digest mismatch for tampered/model.bin' "$T/err"
check "review page written on failure too" test -s fail.html

expect_exit 1 "gate refuses a model signed by an untrusted key" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/other.pub.pem sh "$GATE" out/model.bin
expect_grep "reason: signature" 'bad signature' "$T/err"

echo "weights v2" >stray.bin
expect_exit 2 "gate errors (exit 2) without a provenance" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem sh "$GATE" stray.bin
expect_grep "says it could not run" '^mlprov-gate: ERROR: the gate could not run' "$T/err"
expect_exit 2 "gate errors (exit 2) without a trusted key" env MLPROV="$MLPROV" sh "$GATE" out/model.bin
expect_grep "says which variable is missing" 'MLPROV_TRUSTED_KEY' "$T/err"
expect_exit 2 "gate usage error" env MLPROV="$MLPROV" sh "$GATE"
expect_exit 0 "explicit provenance path" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem sh "$GATE" out/model.bin out/model.bin.intoto.jsonl

# --- policy mode: MLPROV_POLICY -------------------------------------------------
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\ndependencies:\n  deny: [{purl: pkg:pypi/torchtriton, reason: compromised nightly}]\n' >policy.yaml
expect_exit 0 "policy mode: gate passes the model" \
  env MLPROV="$MLPROV" MLPROV_POLICY=policy.yaml MLPROV_REPORT=ppass.html sh "$GATE" out/model.bin
expect_grep "policy mode: each rule printed" 'PASS dependencies.deny' "$T/out"
expect_grep "policy mode: says PASS" '^mlprov-gate: PASS: out/model.bin may be promoted' "$T/out"
check "policy mode: review page written" test -s ppass.html
expect_exit 1 "policy mode: gate refuses a tampered model" \
  env MLPROV="$MLPROV" MLPROV_POLICY=policy.yaml sh "$GATE" tampered/model.bin
expect_grep "policy mode: reason names the rule" 'generation 0 \(model\): signers' "$T/err"
mkdir -p denied
echo "weights v3" >denied/model.bin
expect_exit 0 "a model trained with a denied dependency" "$MLPROV" run -q --key keys/p256.pem --output denied/model.bin -- \
  "$MLPROV" event dependency torchtriton 2.0.0 --purl pkg:pypi/torchtriton@2.0.0
expect_exit 1 "policy mode: gate refuses the denied dependency" \
  env MLPROV="$MLPROV" MLPROV_POLICY=policy.yaml sh "$GATE" denied/model.bin
expect_grep "policy mode: names the package" 'dependencies.deny: pkg:pypi/torchtriton@2.0.0 .*compromised nightly' "$T/err"
expect_exit 0 "the key mode still passes that model (the policy is what refuses it)" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem sh "$GATE" denied/model.bin
expect_exit 1 "policy wins when both are set" \
  env MLPROV="$MLPROV" MLPROV_TRUSTED_KEY=keys/p256.pub.pem MLPROV_POLICY=policy.yaml sh "$GATE" denied/model.bin
expect_exit 2 "policy mode: a missing policy file is an error, not a pass" \
  env MLPROV="$MLPROV" MLPROV_POLICY=missing.yaml sh "$GATE" out/model.bin

# --- the CI definitions ---------------------------------------------------------
for f in github-actions.yml gitlab-ci.yml; do
  expect_exit 0 "$f is valid YAML" python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$ROOT/examples/ci/$f"
  expect_grep "$f runs the gate script" 'mlprov-gate\.sh' "$ROOT/examples/ci/$f"
  expect_grep "$f keeps the review page as an artifact" 'mlprov-report\.html' "$ROOT/examples/ci/$f"
done
expect_exit 0 "GitHub workflow: promotion needs the gate, inputs never spliced into scripts" python3 - "$ROOT/examples/ci/github-actions.yml" <<'PY'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
jobs = wf["jobs"]
assert jobs["promote"]["needs"] == "gate", jobs["promote"].get("needs")
for name, job in jobs.items():
    for step in job.get("steps", []):
        assert "${{" not in step.get("run", ""), (name, step.get("name"))
PY
expect_exit 0 "GitLab: promotion needs the gate" python3 - "$ROOT/examples/ci/gitlab-ci.yml" <<'PY'
import sys, yaml
ci = yaml.safe_load(open(sys.argv[1]))
assert ci["promote-model"]["needs"] == ["mlprov-gate"]
assert ci["mlprov-gate"]["stage"] == "gate" and ci["promote-model"]["stage"] == "promote"
assert ci["mlprov-gate"]["artifacts"]["when"] == "always"
PY
done_testing
