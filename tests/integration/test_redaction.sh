#!/usr/bin/env bash
# test_redaction.sh — secrets in the environment, argv and parameters never
# reach any file mlprov writes; names are kept, values replaced.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"
HF=hf_abcdefghijklmnopqrstuvwxyzABCDEF123456
AWSID=AKIAIOSFODNN7EXAMPLE
AWSKEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
GH=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
PW=s3cr3t-Pa55word
cat >job.sh <<JOB
"$MLPROV" event param db_url "postgresql://trainer:$PW@db.internal:5432/runs"
"$MLPROV" event param api_token "tok-$PW"
"$MLPROV" event annotate note "pushed with $GH"
echo ok > out.txt
JOB
expect_exit 0 "job with secrets runs" env HF_TOKEN=$HF AWS_ACCESS_KEY_ID=$AWSID AWS_SECRET_ACCESS_KEY=$AWSKEY \
  MY_PASSWORD=$PW DATABASE_URL="mysql://u:$PW@h/db" \
  "$MLPROV" run --key keys/p256.pem --output out.txt -- sh job.sh --hf-token $HF --password=$PW "$GH"
payload_of out.txt.intoto.jsonl >st.json
for s in "$HF" "$AWSID" "$AWSKEY" "$GH" "$PW"; do
  expect_no_grep "secret ${s:0:6}… absent from every output" "$s" st.json out.txt.intoto.jsonl out.txt.pb "$T/err" "$T/out"
done
expect_grep "HF_TOKEN name kept, value redacted" '"HF_TOKEN":"\[REDACTED\]"' st.json
expect_grep "URL password redacted, user and host kept" 'mysql://u:\[REDACTED\]@h/db' st.json
expect_grep "secret-named parameter redacted" '"api_token":"\[REDACTED\]"' st.json
expect_grep "argv option value redacted" '"--hf-token","\[REDACTED\]"' st.json
expect_grep "argv --password=VALUE redacted" '"--password=\[REDACTED\]"' st.json
done_testing
