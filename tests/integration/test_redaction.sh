#!/usr/bin/env bash
# test_redaction.sh — secrets in the environment, argv and parameters never
# reach any file mlprov writes (provenance JSON and protobuf, the journal, a
# recovered provenance) nor any message it prints; names are kept, values
# replaced. The corpus: Hugging Face, AWS, GitHub (classic and fine-grained)
# tokens, a PEM private key block, URLs with passwords, JSON members named
# like secrets.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
HF=hf_abcdefghijklmnopqrstuvwxyzABCDEF123456
AWSID=AKIAIOSFODNN7EXAMPLE
AWSKEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
GH=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
GHPAT=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz
PW=s3cr3t-Pa55word
PEMBODY=MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVerySecretKeyMaterial
PEM="-----BEGIN PRIVATE KEY-----
$PEMBODY
-----END PRIVATE KEY-----"
cat >job.sh <<JOB
"$MLPROV" event param db_url "postgresql://trainer:$PW@db.internal:5432/runs"
"$MLPROV" event param api_token "tok-$PW"
"$MLPROV" event param config '{"lr":0.1,"storage":{"password":"$PW","user":"u"}}'
"$MLPROV" event param cert_chain -- "$PEM"
"$MLPROV" event param cert_chain_typo "$PEM" # starts with '-': refused as an option, not echoed
"$MLPROV" event param notes "pushed with $GHPAT"
"$MLPROV" event annotate note "pushed with $GH"
"$MLPROV" event annotate SESSION_COOKIE "$PW"
"$MLPROV" event dataset corpus --uri "https://reader:$PW@data.example/corpus" --records 2
"$MLPROV" event record corpus "line with $HF" "line with $AWSID"
"$MLPROV" event exec /usr/bin/curl curl --token "$PW" "https://u:$PW@h/x"
"$MLPROV" event dependency private-pkg 1.0 --purl "pkg:generic/p?download_url=https://u:$PW@h/p"
echo ok > out.txt
JOB
expect_exit 0 "job with secrets runs" env HF_TOKEN=$HF AWS_ACCESS_KEY_ID=$AWSID AWS_SECRET_ACCESS_KEY=$AWSKEY \
  MY_PASSWORD=$PW DATABASE_URL="mysql://u:$PW@h/db" SIGNING_KEY="$PEM" \
  "$MLPROV" run --key keys/p256.pem --output out.txt -- sh job.sh --hf-token $HF --password=$PW "$GH" "$GHPAT"
cp "$T/err" run.err
payload_of out.txt.intoto.jsonl >st.json
expect_exit 0 "recover the same run from its journal" "$MLPROV" recover out.txt.journal --key keys/p256.pem --out rec
cp "$T/err" recover.err
payload_of rec.intoto.jsonl >rec.json
for s in "$HF" "$AWSID" "$AWSKEY" "$GH" "$GHPAT" "$PW" "$PEMBODY"; do
  expect_no_grep "secret ${s:0:6}… absent from provenance, protobuf, journal, recovered provenance, messages" "$s" \
    st.json out.txt.intoto.jsonl out.txt.pb out.txt.journal rec.json rec.intoto.jsonl rec.pb run.err recover.err
done
expect_grep "HF_TOKEN name kept, value redacted" '"HF_TOKEN":"\[REDACTED\]"' st.json
expect_grep "URL password redacted, user and host kept" 'mysql://u:\[REDACTED\]@h/db' st.json
expect_grep "secret-named parameter redacted" '"api_token":"\[REDACTED\]"' st.json
expect_grep "JSON member named like a secret redacted, others kept" '"storage":\{"password":"\[REDACTED\]","user":"u"\}' st.json
expect_grep "argv option value redacted" '"--hf-token","\[REDACTED\]"' st.json
expect_grep "argv --password=VALUE redacted" '"--password=\[REDACTED\]"' st.json
expect_grep "dataset URI password redacted" 'https://reader:\[REDACTED\]@data.example/corpus' st.json
expect_grep "records kept as a Merkle root only" '"recordsTreeSize":2' st.json
expect_grep "events redacted at the door are counted" '"redactedEvents":[1-9]' st.json
# the journal is binary: look at it as bytes, not as text lines
expect_no_grep "journal: no URL password even split across frames" "$PW" <(tr -d '\000' <out.txt.journal)
expect_grep "journal: redacted values present instead" 'REDACTED' <(tr -d '\000' <out.txt.journal)

# error messages echo what was typed: they must not echo a secret
expect_exit 2 "bad option carrying a token: usage error" "$MLPROV" run --token=$GH -- true
expect_no_grep "... the token is not in the message" "$GH" "$T/err"
expect_grep "... the option is named, its value not shown" 'unknown option or missing value: --token \(value not shown\)' "$T/err"
expect_exit 2 "unknown option with a token value" "$MLPROV" verify --bogus=$HF x
expect_no_grep "... the token is not in the message" "$HF" "$T/err"
expect_exit 127 "a token typed as the command" "$MLPROV" run -q --journal none --key keys/p256.pem -- $HF
expect_no_grep "... the token is not in 'command not found'" "$HF" "$T/err" "$T/out"
expect_exit 2 "event with a bad option carrying a password" env MLPROV_SOCKET=/nonexistent "$MLPROV" event param --x=$PW k v
expect_no_grep "... the password is not in the message" "$PW" "$T/err"
done_testing
