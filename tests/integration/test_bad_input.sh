#!/usr/bin/env bash
# test_bad_input.sh — hooks that misbehave are dropped, counted and logged;
# the agent keeps running and the other connections' events are kept.
. "$(dirname "$0")/lib.sh"
make_keys
cd "$T"

cat >job.sh <<JOB
set -e
"$MLPROV" event param before 1
"$TOOLS/badhook" garbage
"$TOOLS/badhook" truncated
"$TOOLS/badhook" oversize
"$TOOLS/badhook" badhello
"$TOOLS/badhook" newproto
"$TOOLS/badhook" unknown
"$MLPROV" event param after 2
"$MLPROV" event artifact out.txt --role model
echo done > out.txt
JOB
expect_exit 0 "job with misbehaving hooks completes" "$MLPROV" run --key keys/p256.pem --max-frame 4096 -- sh job.sh
cp "$T/err" "$T/agent.log"
payload_of out.txt.intoto.jsonl >st.json
expect_grep "events before the bad hooks kept" '"before":1' st.json
expect_grep "events after the bad hooks kept" '"after":2' st.json
expect_grep "undecodable frames counted" '"badFrames":[1-9]' st.json
expect_grep "oversize frame counted" '"oversizeFrames":1' st.json
expect_grep "torn frame counted" '"tornFrames":1' st.json
expect_grep "refused connections counted (bad hello, newer protocol)" '"refusedConnections":2' st.json
expect_grep "unknown event kind kept and counted" '"unknownEvents":1' st.json
expect_grep "unknown field kept and counted" '"unknownFields":1' st.json
expect_grep "unknown frames kept as bytes" '"framesBase64":\[' st.json
expect_grep "log: oversize frame explained" 'exceeds the 4096-byte limit' agent.log
expect_grep "log: undecodable frame explained" 'undecodable event frame' agent.log
expect_grep "log: torn frame explained" 'ended inside a frame' agent.log
expect_grep "log: newer protocol explained" 'protocol version 99 not supported' agent.log
expect_exit 0 "provenance of the job verifies" "$MLPROV" verify --key keys/p256.pub.pem out.txt

# a hook after the agent is gone: the job is not disturbed
cat >late.sh <<JOB
( sleep 1; "$MLPROV" event param late 1; echo \$? > late.rc ) &
echo x > o2
JOB
expect_exit 0 "job whose child outlives it" "$MLPROV" run -q --drain-ms 200 --key keys/p256.pem --output o2 -- sh late.sh
sleep 1.5
expect_grep "late event: delivery failure reported, exit 2" '^2$' late.rc
done_testing
