#!/usr/bin/env bash
# test_run_verify.sh — the foundation end to end: keygen, run the example under
# `mlprov run`, verify; then every kind of tampering must fail with a reason.
. "$(dirname "$0")/lib.sh"
make_keys

check "keygen writes a private key" test -s "$T/keys/p256.pem"
expect_grep "private key file is mode 0600" '^600$' <(stat -c %a "$T/keys/p256.pem")
expect_exit 2 "keygen refuses to overwrite a key" "$MLPROV" keygen "$T/keys/p256.pem"
expect_grep "refusal names the file" 'p256.pem' "$T/err"

cd "$T"
expect_exit 0 "example job runs under mlprov run" "$MLPROV" run --key keys/p256.pem --output job/model.bin -- "$B/examples/linear-train" --out job --samples 2000 --epochs 2
P=job/model.bin.intoto.jsonl
check "provenance JSON Lines file written" test -s "$P"
check "protobuf attestation written" test -s job/model.bin.pb
expect_exit 0 "verify: round trip passes" "$MLPROV" verify --key keys/p256.pub.pem job/model.bin
expect_grep "verify prints VERIFIED" '^VERIFIED' "$T/out"
expect_exit 0 "verify --json" "$MLPROV" verify --json --key keys/p256.pub.pem --provenance "$P" job/model.bin job/checkpoints/epoch-1.bin
expect_grep "json verdict is verified" '"verified": true' "$T/out"
expect_exit 0 "verify the protobuf form" "$MLPROV" verify --key keys/p256.pub.pem --provenance job/model.bin.pb job/model.bin

payload_of "$P" >"$T/statement.json"
expect_grep "statement type is in-toto v1" '"_type":"https://in-toto.io/Statement/v1"' "$T/statement.json"
expect_grep "predicate is SLSA provenance v1" '"predicateType":"https://slsa.dev/provenance/v1"' "$T/statement.json"
expect_grep "dataset recorded with its digest" '"name":"synthetic-8d"' "$T/statement.json"
expect_grep "dataset records committed (Merkle root)" '"recordsMerkleRoot":"[0-9a-f]{64}"' "$T/statement.json"
expect_grep "hyper-parameters recorded" '"learning_rate":0.1' "$T/statement.json"
expect_grep "checkpoints are subjects" '"role":"checkpoint"' "$T/statement.json"
expect_grep "exit status recorded" '"exitCode":0' "$T/statement.json"
expect_grep "builder id" '"id":"https://mlprov.dev/recorder/local"' "$T/statement.json"
expect_grep "host OS recorded" '"kernel":"Linux"' "$T/statement.json"

# third-party view of the envelope: keys and PAE verified with openssl alone
python3 - "$P" "$T/pae.bin" "$T/sig.der" <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[3], "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
PY
check "openssl verifies the DSSE signature over PAE" openssl dgst -sha256 -verify keys/p256.pub.pem -signature "$T/sig.der" "$T/pae.bin"

# --- tampering ---------------------------------------------------------------
cp -r job tam
printf '\x01' | dd of=tam/model.bin bs=1 seek=10 conv=notrunc 2>/dev/null
expect_exit 1 "flipped model byte: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$P" tam/model.bin
expect_grep "reason names digest mismatch" 'digest mismatch for tam/model.bin' "$T/err"

python3 - "$P" "$T/bad-payload.jsonl" payload <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
p = bytearray(base64.b64decode(e["payload"])); p[len(p)//2] ^= 1
e["payload"] = base64.b64encode(bytes(p)).decode()
open(sys.argv[2], "w").write(json.dumps(e) + "\n")
PY
expect_exit 1 "flipped payload byte: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/bad-payload.jsonl" job/model.bin
expect_grep "reason names the signature" 'bad signature' "$T/err"

python3 - "$P" "$T/bad-sig.jsonl" <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
s = bytearray(base64.b64decode(e["signatures"][0]["sig"])); s[-3] ^= 0x40
e["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
open(sys.argv[2], "w").write(json.dumps(e) + "\n")
PY
expect_exit 1 "flipped signature byte: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/bad-sig.jsonl" job/model.bin
expect_grep "reason: bad signature" 'bad signature' "$T/err"

expect_exit 1 "another key: rejected" "$MLPROV" verify --key keys/other.pub.pem job/model.bin
expect_grep "reason: no trusted signature" 'bad signature' "$T/err"

python3 - "$P" "$T/urlsafe.jsonl" <<'PY'
import json, base64, sys
e = json.loads(open(sys.argv[1]).readline())
e["payload"] = base64.urlsafe_b64encode(base64.b64decode(e["payload"])).decode().rstrip("=")
e["signatures"][0]["sig"] = base64.urlsafe_b64encode(base64.b64decode(e["signatures"][0]["sig"])).decode()
e["signatures"][0]["keyid"] = None
open(sys.argv[2], "w").write(json.dumps(e, indent=2))
PY
expect_exit 0 "URL-safe base64, null keyid, pretty JSON: accepted" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/urlsafe.jsonl" job/model.bin

echo "not a model" >"$T/stranger.bin"
expect_exit 1 "artifact not in the provenance: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$P" "$T/stranger.bin"
expect_grep "reason: unknown subject" 'unknown subject' "$T/err"

python3 - job/model.bin.pb "$T/bad.pb" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rfind(b"synthetic-8d"); b[i] = ord("S")
open(sys.argv[2], "wb").write(bytes(b))
PY
expect_exit 1 "protobuf statement (signed twin) edited: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/bad.pb" job/model.bin
expect_grep "reason names the protobuf statement signature" "protobuf statement: bad signature" "$T/err"

: >"$T/empty.jsonl"
expect_exit 1 "empty provenance file: rejected" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/empty.jsonl" job/model.bin
expect_exit 2 "missing provenance file: I/O error" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$T/nope.jsonl" job/model.bin
expect_exit 2 "missing artifact: I/O error" "$MLPROV" verify --key keys/p256.pub.pem --provenance "$P" "$T/nope.bin"
expect_exit 2 "no key: usage error" "$MLPROV" verify job/model.bin

# --- other key types, co-signing ------------------------------------------------
for kt in p384 ed25519; do
  mkdir -p "k$kt"
  expect_exit 0 "$kt: run" "$MLPROV" run -q --key keys/$kt.pem --output k$kt/out.txt -- sh -c "echo $kt > k$kt/out.txt"
  expect_exit 0 "$kt: verify" "$MLPROV" verify --key keys/$kt.pub.pem k$kt/out.txt
done
mkdir -p co
expect_exit 0 "co-signed by two keys" "$MLPROV" run -q --key keys/p256.pem --key keys/ed25519.pem --output co/o.txt -- sh -c 'echo x > co/o.txt'
expect_exit 0 "two signatures required and present" "$MLPROV" verify --min-signatures 2 --key keys/p256.pub.pem --key keys/ed25519.pub.pem co/o.txt
expect_exit 1 "two signatures required, one trusted key" "$MLPROV" verify --min-signatures 2 --key keys/p256.pub.pem co/o.txt

# --- the job's exit status and failures --------------------------------------
mkdir -p st
expect_exit 3 "run exits with the job's status" "$MLPROV" run -q --key keys/p256.pem --output st/o -- sh -c 'echo x > st/o; exit 3'
expect_grep "failed job still recorded" '"exitCode":3' <(payload_of st/o.intoto.jsonl)
expect_exit 127 "command not found: 127" "$MLPROV" run -q --key keys/p256.pem --output st/o -- /nonexistent/cmd
expect_exit 2 "missing key file: usage error before the job runs" "$MLPROV" run --key keys/missing.pem --output st/x -- sh -c 'touch st/ran'
expect_grep "error names the key file" 'keys/missing.pem' "$T/err"
check "the job did not run without a key" test ! -e st/ran
expect_exit 125 "unreadable output: provenance not written" "$MLPROV" run --key keys/p256.pem --output st/never-written -- true
expect_grep "error names the output" 'st/never-written' "$T/err"
expect_exit 2 "no command: usage error" "$MLPROV" run --key keys/p256.pem
expect_exit 0 "rerun keeps the previous provenance" "$MLPROV" run -q --key keys/p256.pem --output st/o -- sh -c 'echo y > st/o'
check "previous provenance kept as a numbered backup" test -s st/o.intoto.jsonl.~1~
expect_exit 0 "the new provenance verifies" "$MLPROV" verify --key keys/p256.pub.pem st/o

# a directory output is digested as a model (OMS files method)
mkdir -p dm
expect_exit 0 "model directory as output" "$MLPROV" run -q --key keys/p256.pem --output dm/model -- sh -c 'mkdir -p dm/model/sub && echo a > dm/model/a && echo b > dm/model/sub/b'
expect_exit 0 "model directory verifies" "$MLPROV" verify --key keys/p256.pub.pem dm/model
echo c >>dm/model/sub/b
expect_exit 1 "changed file in model directory: rejected" "$MLPROV" verify --key keys/p256.pub.pem dm/model

# signals are forwarded to the job
mkdir -p sig
"$MLPROV" run -q --key keys/p256.pem --output sig/o -- sh -c 'echo x > sig/o; exec sleep 30' >/dev/null 2>&1 &
pid=$!
# signal only once the job runs (the agent is then listening for signals)
for _ in $(seq 100); do [ -s sig/o ] && break; sleep 0.1; done
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 143 ]; then ok "SIGTERM forwarded: exit 128+15"; else not_ok "SIGTERM forwarded: exit 128+15" "got $rc"; fi
expect_grep "killed job recorded with its signal" '"termSignal":15' <(payload_of sig/o.intoto.jsonl)

expect_exit 0 "mlprov event outside mlprov run is a no-op" env -u MLPROV_SOCKET "$MLPROV" event param lr 0.1
done_testing
