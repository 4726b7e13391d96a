#!/usr/bin/env bash
# test_policy_gate.sh — `mlprov verify --policy` on a three-generation lineage
# (pretrain -> fine-tune -> distil) built by real `mlprov run` jobs; then each
# link is broken in turn and the gate must fail naming the generation and rule.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
git init -q src && git -C src -c user.email=t@t -c user.name=t commit -q --allow-empty -m init
git -C src remote add origin https://github.com/acme/trainer.git
COMMIT=$(git -C src rev-parse HEAD)

# job.sh NAME BASE DATASET [extra events...]: a training job under mlprov run.
cat >job.sh <<'JOB'
set -e
name=$1 base=$2 dataset=$3; shift 3
mkdir -p "$OUTDIR/$name" "$OUTDIR/data"
printf 'records of %s\n' "$dataset" > "$OUTDIR/data/$dataset.txt"
"$MLPROV" event dataset "$dataset" --path "$OUTDIR/data/$dataset.txt" --records 1
"$MLPROV" event dependency torch 2.1.0 --purl pkg:pypi/torch@2.1.0
"$MLPROV" event param lr 0.01
if [ "$base" != none ]; then
  "$MLPROV" event base-model "$base" --uri "$OUTDIR/$base/model.bin" --provenance "$OUTDIR/$base/model.bin.intoto.jsonl"
fi
for extra in "$@"; do eval "$extra"; done
printf 'weights of %s trained on %s\n' "$name" "$dataset" > "$OUTDIR/$name/model.bin"
JOB
export MLPROV
# lineage DIR KEY0 [grandparent extra events]: builds pretrain -> finetune -> distil in DIR
lineage() {
  local dir=$1 key0=$2; shift 2
  mkdir -p "$dir"
  export OUTDIR="$T/$dir"
  (cd src && "$MLPROV" run -q --key "$T/keys/$key0.pem" --output "$OUTDIR/pretrain/model.bin" -- sh "$T/job.sh" pretrain none web "$@") &&
  (cd src && "$MLPROV" run -q --key "$T/keys/p256.pem" --output "$OUTDIR/finetune/model.bin" -- sh "$T/job.sh" finetune pretrain chat) &&
  (cd src && "$MLPROV" run -q --key "$T/keys/p256.pem" --output "$OUTDIR/distil/model.bin" -- sh "$T/job.sh" distil finetune chat)
}
check "three-generation lineage recorded" lineage good p256
sha() { sha256sum "$1" | cut -d' ' -f1; }
WEB=$(sha good/data/web.txt) CHAT=$(sha good/data/chat.txt)

cat >policy.yaml <<EOF2
# a full promotion policy
version: 1
signers:
  keys:
    - file: keys/p256.pub.pem
      expires: 2099-01-01T00:00:00Z
  min_signatures: 1
builder:
  ids: ["https://mlprov.dev/recorder/*"]
  build_types: [https://mlprov.dev/buildtypes/training/v1]
  max_age: 1d
dependencies:
  deny:
    - purl: pkg:pypi/torchtriton
      versions: "*"
      reason: compromised nightly, December 2022
  require_pinned: true
  allowed_indexes: [https://pypi.org/simple]
datasets:
  allow:
    - {name: web, digest: "sha256:$WEB"}
    - {name: chat, digest: "sha256:$CHAT"}
  deny_digests: ["sha256:$(printf poison | sha256sum | cut -d' ' -f1)"]
source:
  repositories: ["https://github.com/acme/*"]
  require_clean: true
  commits: [$COMMIT]
lineage:
  base_models: this
  max_depth: 3
  require_verified: true
EOF2

expect_exit 0 "full policy: three generations pass" "$MLPROV" verify --policy policy.yaml good/distil/model.bin
expect_grep "generation 2 evaluated" 'generation 2: base model pretrain' "$T/out"
expect_grep "every configured rule passes" 'PASS dependencies.deny' "$T/out"
expect_no_grep "no rule fails" '^ *FAIL ' "$T/out"
expect_exit 0 "--json verdict" "$MLPROV" verify --json --policy policy.yaml good/distil/model.bin
expect_grep "json verdict PASS" '"verdict": "PASS"' "$T/out"

expect_exit 0 "VSA written on pass" "$MLPROV" verify --policy policy.yaml --vsa good/distil/model.vsa --key keys/ed25519.pem good/distil/model.bin
expect_grep "VSA predicate type" 'verification_summary/v1' <(payload_of good/distil/model.vsa.intoto.jsonl)
expect_grep "VSA result PASSED" '"verificationResult":"PASSED"' <(payload_of good/distil/model.vsa.intoto.jsonl)
expect_exit 0 "VSA signature and subject verify" "$MLPROV" verify --key keys/ed25519.pub.pem --provenance good/distil/model.vsa.intoto.jsonl good/distil/model.bin

expect_exit 0 "lineage tree" "$MLPROV" lineage --key keys/p256.pub.pem good/distil/model.bin
expect_grep "lineage shows the grandparent's dataset" 'dataset web' "$T/out"
expect_exit 0 "lineage --dot" "$MLPROV" lineage --dot --key keys/p256.pub.pem good/distil/model.bin
expect_grep "dot graph" 'digraph lineage' "$T/out"

# --- break each link in turn ----------------------------------------------------
check "lineage with an untrusted grandparent signer" lineage untrusted other
expect_exit 1 "grandparent signed by an untrusted key: FAIL" "$MLPROV" verify --policy policy.yaml untrusted/distil/model.bin
expect_grep "names generation 2 and the signer rule" 'generation 2 \(base model pretrain\): signers' "$T/err"
expect_exit 1 "lineage marks the untrusted link" "$MLPROV" lineage --key keys/p256.pub.pem untrusted/distil/model.bin

check "lineage with a denied dependency in the grandparent" lineage denied p256 '"$MLPROV" event dependency torchtriton 2.0.0+0d5d1e0bb2 --purl pkg:pypi/torchtriton@2.0.0%2B0d5d1e0bb2'
expect_exit 1 "denied grandparent dependency: FAIL" "$MLPROV" verify --policy policy.yaml denied/distil/model.bin
expect_grep "names generation 2 and the deny rule" 'generation 2 \(base model pretrain\): dependencies.deny: pkg:pypi/torchtriton' "$T/err"

mkdir -p offlist && export OUTDIR="$T/offlist"
check "fine-tune on an unlisted dataset" sh -c "cp -r good/pretrain offlist/ && cp -r good/data offlist/ && cd src && '$MLPROV' run -q --key ../keys/p256.pem --output '$T/offlist/finetune/model.bin' -- sh ../job.sh finetune pretrain secret-scrape && '$MLPROV' run -q --key ../keys/p256.pem --output '$T/offlist/distil/model.bin' -- sh ../job.sh distil finetune chat"
expect_exit 1 "dataset off the allow-list in generation 1: FAIL" "$MLPROV" verify --policy policy.yaml offlist/distil/model.bin
expect_grep "names generation 1 and the dataset rule" 'generation 1 \(base model finetune\): datasets.allow: dataset secret-scrape' "$T/err"

cp good/finetune/model.bin "$T/finetune.keep"
echo "backdoor" >>good/finetune/model.bin
expect_exit 1 "tampered base model (recorded path): FAIL" "$MLPROV" verify --policy policy.yaml good/distil/model.bin
expect_grep "names generation 1 and the base model file" 'generation 1 \(base model finetune\): lineage.base_model_file' "$T/err"
expect_exit 1 "lineage flags the changed base model" "$MLPROV" lineage --key keys/p256.pub.pem good/distil/model.bin
expect_grep "lineage says the file changed" 'now hashes to' "$T/out"
cp "$T/finetune.keep" good/finetune/model.bin

# --- every rule: a passing and a failing policy ---------------------------------
base_policy() { printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\n'; }
rule_case() { # NAME EXPECTED_EXIT YAML_SNIPPET [MODEL]
  local name=$1 want=$2 snippet=$3 model=${4:-good/pretrain/model.bin}
  { base_policy; printf '%s\n' "$snippet"; } >"p-$name.yaml"
  expect_exit "$want" "rule $name" "$MLPROV" verify --policy "p-$name.yaml" "$model"
}
rule_case "signers pass" 0 ""
{ printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem, expires: 2001-01-01T00:00:00Z}]\n'; } >p-expired.yaml
expect_exit 1 "rule signers: expired key fails" "$MLPROV" verify --policy p-expired.yaml good/pretrain/model.bin
{ printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}, {file: keys/other.pub.pem}]\n  min_signatures: 2\n'; } >p-min2.yaml
expect_exit 1 "rule signers: two signatures required" "$MLPROV" verify --policy p-min2.yaml good/pretrain/model.bin
rule_case "builder.ids fail" 1 $'builder:\n  ids: ["https://ci.example.com/*"]'
rule_case "builder.build_types fail" 1 $'builder:\n  build_types: [https://example.com/other]'
sleep 2; rule_case "builder.max_age (after 2 s) fail" 1 $'builder:\n  max_age: 1s'
rule_case "builder.max_age pass" 0 $'builder:\n  max_age: 2w'
rule_case "dependencies.deny torch range pass" 0 $'dependencies:\n  deny: [{purl: pkg:pypi/torch, versions: "<2.0"}]'
rule_case "dependencies.deny torch range fail" 1 $'dependencies:\n  deny: [{purl: pkg:pypi/torch, versions: ">=2.1,<2.2"}]'
rule_case "dependencies.allowed_indexes fail" 1 $'dependencies:\n  allowed_indexes: [https://pypi.internal.example/simple]'
rule_case "datasets.allow fail (digest differs)" 1 $'datasets:\n  allow: [{name: web, digest: "sha256:'"$CHAT"'"}]'
rule_case "datasets.allow pass" 0 $'datasets:\n  allow: [{name: web, digest: "sha256:'"$WEB"'"}]'
rule_case "datasets.deny_digests fail" 1 $'datasets:\n  deny_digests: ["sha256:'"$WEB"'"]'
rule_case "source.repositories fail" 1 $'source:\n  repositories: ["https://github.com/other/*"]'
rule_case "source.commits fail" 1 $'source:\n  commits: [0123456789abcdef0123456789abcdef01234567]'
rule_case "source.require_clean pass" 0 $'source:\n  require_clean: true'
echo dirt >src/untracked.txt
mkdir -p dirty && (cd src && "$MLPROV" run -q --key ../keys/p256.pem --output ../dirty/m -- sh -c 'echo m > ../dirty/m')
rule_case "source.require_clean fail" 1 $'source:\n  require_clean: true' dirty/m
rm src/untracked.txt
rule_case "lineage.max_depth fail" 1 $'lineage:\n  max_depth: 1' good/distil/model.bin
rule_case "lineage.max_depth pass" 0 $'lineage:\n  max_depth: 2' good/distil/model.bin

# unpinned dependency
mkdir -p unpinned && (cd src && "$MLPROV" run -q --key ../keys/p256.pem --output ../unpinned/model.bin -- sh -c '"$MLPROV" event dependency numpy "" --purl pkg:pypi/numpy; echo u > ../unpinned/model.bin')
rule_case "dependencies.require_pinned fail (real)" 1 $'dependencies:\n  require_pinned: true' unpinned/model.bin
rule_case "dependencies.require_pinned pass" 0 $'dependencies:\n  require_pinned: true'

# a missing link and a cycle
mkdir -p miss && printf base >miss/base.bin
(cd src && "$MLPROV" run -q --key ../keys/p256.pem --output ../miss/child.bin -- sh -c '"$MLPROV" event base-model ghost --digest sha256:'"$(printf base | sha256sum | cut -d' ' -f1)"'; echo c > ../miss/child.bin')
rule_case "lineage.link missing provenance fails" 1 $'lineage:\n  require_verified: true' miss/child.bin
expect_grep "missing link explained" 'no provenance found for base model ghost' "$T/err"
rule_case "lineage.link missing provenance skipped when not required" 0 $'lineage:\n  require_verified: false' miss/child.bin
mkdir -p cyc && printf A >cyc/a.bin && printf B >cyc/b.bin
HA=$(sha cyc/a.bin) HB=$(sha cyc/b.bin)
(cd src && "$MLPROV" run -q --key ../keys/p256.pem --out ../cyc/a.bin --output ../cyc/a.bin -- "$MLPROV" event base-model b --digest sha256:$HB --provenance "$T/cyc/b.bin.intoto.jsonl")
(cd src && "$MLPROV" run -q --key ../keys/p256.pem --out ../cyc/b.bin --output ../cyc/b.bin -- "$MLPROV" event base-model a --digest sha256:$HA --provenance "$T/cyc/a.bin.intoto.jsonl")
rule_case "lineage cycle detected" 1 $'lineage:\n  base_models: this' cyc/a.bin
expect_grep "cycle explained" 'cycle' "$T/err"
expect_exit 1 "lineage command reports the cycle" "$MLPROV" lineage --key keys/p256.pub.pem cyc/a.bin
expect_grep "cycle in the tree" 'cycle' "$T/out"

# --- model: the OMS model signature ----------------------------------------------
mkdir -p signed && (cd src && "$MLPROV" run -q --key ../keys/p256.pem --output ../signed/model -- sh -c 'mkdir -p ../signed/model/sub && echo w1 >../signed/model/weights.bin && echo "{}" >../signed/model/sub/config.json')
MODEL_RULES=$'model:\n  require_signature: true\n  digest_matches_provenance: true'
rule_case "model rules: an unsigned model fails" 1 "$MODEL_RULES" signed/model
expect_grep "the missing signature is named" 'model.require_signature: no model signature at .*signed/model.sig' "$T/err"
expect_exit 0 "sign the trained model directory" "$MLPROV" model sign -q --key keys/p256.pem signed/model
rule_case "model rules: the signed model passes" 0 "$MODEL_RULES" signed/model
expect_grep "signature rule passes with evidence" 'PASS model.require_signature .*signed/model.sig, signed with a trusted key: 2 file' "$T/out"
expect_grep "digest rule passes with evidence" 'PASS model.digest_matches_provenance .*both name sha256:' "$T/out"
rule_case "model rules: model.keys names another signer" 1 "$MODEL_RULES"$'\n  keys: [{file: keys/other.pub.pem}]' signed/model
expect_grep "untrusted model signer explained" 'model.require_signature: .*signed/model.sig: ' "$T/err"
rule_case "model rules: model.keys names this signer" 0 "$MODEL_RULES"$'\n  keys: [{file: keys/p256.pub.pem}]' signed/model
# signed without a file the provenance covers: the signature holds, the digests differ
expect_exit 0 "sign leaving a file out" "$MLPROV" model sign -q --key keys/p256.pem --ignore sub --signature signed/partial.sig signed/model
{ base_policy; printf '%s\n' "$MODEL_RULES"; } >p-model.yaml
expect_exit 1 "model.digest_matches_provenance: a partial signature fails" "$MLPROV" verify --policy p-model.yaml --model-signature signed/partial.sig signed/model
expect_grep "the partial signature itself verifies" 'PASS model.require_signature' "$T/err"
expect_grep "the digests are both shown" 'model.digest_matches_provenance: the signature .*partial.sig names sha256:[0-9a-f]*, the provenance sha256:[0-9a-f]*: they are not the same model' "$T/err"
expect_exit 0 "sign by shards" "$MLPROV" model sign -q --key keys/p256.pem --method shards --shard-size 2 --signature signed/shards.sig signed/model
expect_exit 1 "model.digest_matches_provenance: a shard signature cannot be compared" "$MLPROV" verify --policy p-model.yaml --model-signature signed/shards.sig signed/model
expect_grep "shards explained" 'hashes by shards' "$T/err"
# a file changed after signing and after training (the provenance check also fails)
cp signed/model/weights.bin weights.keep
echo tampered >signed/model/weights.bin
expect_exit 1 "a model changed after signing fails" "$MLPROV" verify --policy p-model.yaml signed/model
cp weights.keep signed/model/weights.bin
# a single-file model: the signature's one resource is the provenance digest
expect_exit 0 "sign a single-file model" "$MLPROV" model sign -q --key keys/p256.pem good/pretrain/model.bin
rule_case "model rules: a signed single file passes" 0 "$MODEL_RULES"
expect_grep "file digest compared" 'PASS model.digest_matches_provenance' "$T/out"
# base models: the same policy requires their signatures too
{ base_policy; printf '%s\nlineage:\n  base_models: this\n' "$MODEL_RULES"; } >p-model-lineage.yaml
expect_exit 0 "sign the fine-tune and the distil" sh -c "'$MLPROV' model sign -q --key keys/p256.pem good/finetune/model.bin && '$MLPROV' model sign -q --key keys/p256.pem good/distil/model.bin"
expect_exit 0 "model rules over the lineage: every generation signed" "$MLPROV" verify --policy p-model-lineage.yaml good/distil/model.bin
mv good/finetune/model.bin.sig finetune.sig.keep
expect_exit 1 "model rules over the lineage: an unsigned base model fails" "$MLPROV" verify --policy p-model-lineage.yaml good/distil/model.bin
expect_grep "names generation 1 and the model rule" 'generation 1 \(base model finetune\): model.require_signature: no model signature' "$T/err"
mv finetune.sig.keep good/finetune/model.bin.sig
# signed under a CA the policy trusts
mkdir -p pki && (cd pki &&
  openssl ecparam -name prime256v1 -genkey -noout -out root.key 2>/dev/null &&
  openssl req -x509 -new -key root.key -subj /CN=test-root -days 30 -out root.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
  openssl ecparam -name prime256v1 -genkey -noout -out leaf.ec 2>/dev/null &&
  openssl pkcs8 -topk8 -nocrypt -in leaf.ec -out leaf.key &&
  openssl req -new -key leaf.key -subj /CN=model-signer -out leaf.csr 2>/dev/null &&
  printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext &&
  openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null)
expect_exit 0 "sign with a certificate" "$MLPROV" model sign -q --key pki/leaf.key --cert pki/leaf.pem --cert-chain pki/root.pem --signature signed/cert.sig signed/model
{ base_policy; printf '%s\n  certificates: [pki/root.pem]\n' "$MODEL_RULES"; } >p-model-ca.yaml
expect_exit 0 "model.certificates: a certificate signature under the trusted CA passes" "$MLPROV" verify --policy p-model-ca.yaml --model-signature signed/cert.sig signed/model
expect_grep "certificate method in the evidence" 'certificate chained to a trusted CA' "$T/out"
(cd pki && openssl ecparam -name prime256v1 -genkey -noout -out other.key 2>/dev/null &&
  openssl req -x509 -new -key other.key -subj /CN=other-root -days 30 -out other-root.pem 2>/dev/null)
{ base_policy; printf '%s\n  keys: [{file: keys/other.pub.pem}]\n  certificates: [pki/other-root.pem]\n' "$MODEL_RULES"; } >p-model-other-ca.yaml
expect_exit 1 "model.certificates: a certificate under another CA fails" "$MLPROV" verify --policy p-model-other-ca.yaml --model-signature signed/cert.sig signed/model
expect_grep "the chain is refused" 'model.require_signature: .*cert.sig: .*certificate' "$T/err"

# --- policy files that must be rejected ---------------------------------------------
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\ndependencies:\n  denny: []\n' >typo.yaml
expect_exit 2 "misspelled key rejected" "$MLPROV" verify --policy typo.yaml good/pretrain/model.bin
expect_grep "names the key and section" 'unknown key "denny" in dependencies' "$T/err"
printf 'version: 1\nsignerz: {}\n' >typo2.yaml
expect_exit 2 "misspelled section rejected" "$MLPROV" verify --policy typo2.yaml good/pretrain/model.bin
printf 'signers:\n  keys: [{file: keys/p256.pub.pem}]\n' >nover.yaml
expect_exit 2 "missing version rejected" "$MLPROV" verify --policy nover.yaml good/pretrain/model.bin
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\ndependencies:\n  deny: [{purl: pkg:pypi/x, versions: ">>1"}]\n' >badrange.yaml
expect_exit 2 "bad version range rejected" "$MLPROV" verify --policy badrange.yaml good/pretrain/model.bin
printf 'version: 1\nsigners:\n  keys: [{file: keys/missing.pub.pem}]\n' >nokey.yaml
expect_exit 2 "missing key file rejected" "$MLPROV" verify --policy nokey.yaml good/pretrain/model.bin
expect_grep "names the key file" 'missing.pub.pem' "$T/err"
printf 'version: 1\nsigners: &a\n  keys: [{file: keys/p256.pub.pem}]\n' >anchor.yaml
expect_exit 2 "YAML anchors rejected" "$MLPROV" verify --policy anchor.yaml good/pretrain/model.bin
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\nmodel:\n  require_signatur: true\n' >typo-model.yaml
expect_exit 2 "misspelled model rule rejected" "$MLPROV" verify --policy typo-model.yaml good/pretrain/model.bin
expect_grep "names the model key" 'unknown key "require_signatur" in model' "$T/err"
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\nmodel:\n  keys: [{file: keys/p256.pub.pem}]\n' >idle-model.yaml
expect_exit 2 "model keys without a model rule rejected" "$MLPROV" verify --policy idle-model.yaml good/pretrain/model.bin
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\nmodel:\n  require_signature: yes-please\n' >bool-model.yaml
expect_exit 2 "model rule that is not a boolean rejected" "$MLPROV" verify --policy bool-model.yaml good/pretrain/model.bin
printf 'version: 1\nsigners:\n  keys: [{file: keys/p256.pub.pem}]\nbuilder:\n  max_age: 99999999999999999w\n' >age.yaml
expect_exit 2 "a max_age that overflows is rejected" "$MLPROV" verify --policy age.yaml good/pretrain/model.bin
expect_grep "names max_age" 'max_age must be' "$T/err"
printf '{"version": 1, "signers": {"keys": [{"file": "keys/p256.pub.pem"}]}}' >policy.json
expect_exit 0 "JSON policy accepted" "$MLPROV" verify --policy policy.json good/pretrain/model.bin
# the documented examples parse (their release key did not sign these models: exit 1, not 2)
for f in "$ROOT"/examples/policies/*.yaml; do
  expect_exit 1 "example policy $(basename "$f") parses and is applied" "$MLPROV" verify --policy "$f" good/pretrain/model.bin
done
done_testing
