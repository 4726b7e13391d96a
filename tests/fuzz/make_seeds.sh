#!/usr/bin/env bash
# make_seeds.sh — regenerates the checked-in seed corpora in tests/fuzz/corpus
# from a real run (run it after a change of format, then commit the files):
#   event/      Hello + Event frame streams as hooks send them (first byte:
#               the chunk size fuzz_event feeds the frame reader with)
#   attest/     the .intoto.jsonl, the .pb, a pretty-printed envelope, a
#               Sigstore-bundle wrapper, JSON Lines with two envelopes
#   statement/  the signed Statement (JSON) and its protobuf form
#   journal/    the run's journal, cut inside its last frame, zero-tailed; the
#               journal of a small --preload run (EVENTS frames of FileBatch
#               events; preload-v2.journal, kept from before FileBatch, has
#               single path events)
#   merkle_proof/  proof files (included, absent between two leaves, absent
#               at each edge) and the tree file of the records r0..r6 that
#               fuzz_merkle_proof commits to (first byte: 0 proof, 1 tree)
#   policy/     the example policies, one with an inline PEM key and every
#               model rule, and a JSON one
#   jsonflat/   the Statement, and JSON edge cases both parsers must agree on
#               (escapes, surrogates, numbers at the limits, duplicates, depth)
#   bundle/     OMS bundles mlprov writes (key, certificate chain, shards,
#               one file), the shared OMS v1.0 test vectors when present
#   (posting/   written by hand, not here: posting lists 1,2,129,257 and the
#               largest id; pairs with repeats, out of order)
#   (event/preload-batch  written by hand, not here: a preload connection
#               with FileBatch events, one of them holding a secret)
# Usage: tests/fuzz/make_seeds.sh [BUILD_DIR]   (default build)
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
B=$ROOT/${1:-build}
C=$ROOT/tests/fuzz/corpus
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$B/mlprov" keygen k.pem >/dev/null
mkdir o
cat >job.sh <<JOB
m="$B/mlprov"
\$m event param lr 0.1
\$m event param config '{"layers":[64,32],"optim":{"name":"adam","betas":[0.9,0.999]}}'
\$m event dataset digits --path job.sh --digest sha256:$(printf '%064d' 0) --records 3 --format lines
\$m event record digits alpha beta gamma
\$m event dependency torch 2.1.0 --purl pkg:pypi/torch@2.1.0
\$m event base-model base --uri https://hub.example/base --digest sha256:$(printf '%064d' 1)
\$m event annotate note "a note"
\$m event file job.sh
\$m event written o/m
\$m event exec /bin/echo echo hi
\$m event artifact o/m --role model --name model
"$B/tests/tools/badhook" unknown
echo model > o/m
JOB
env -i PATH=/usr/bin:/bin HOME="$W" "$B/mlprov" run -q --key k.pem --output o/m -- sh job.sh
mkdir -p "$C/event" "$C/attest" "$C/statement" "$C/journal"
python3 - o/m.journal "$C/event" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(); off = 16; streams = {}
while off + 24 <= len(b):
    n, t, conn = struct.unpack(">IB3xI", b[off:off + 12])
    body = b[off + 24:off + 24 + n]
    if t in (3, 4): streams.setdefault(conn, bytearray()).extend(struct.pack(">I", n) + body)
    off += 24 + n + 32
for i, (conn, s) in enumerate(sorted(streams.items())):
    open("%s/conn-%02d" % (sys.argv[2], i), "wb").write(bytes([[63, 0, 3, 16][i % 4]]) + bytes(s))
PY
cp o/m.intoto.jsonl "$C/attest/envelope.intoto.jsonl"
cp o/m.pb "$C/attest/attestation.pb"
python3 - o/m.intoto.jsonl o/m.pb "$C" <<'PY'
import base64, json, sys
e = json.loads(open(sys.argv[1]).readline()); c = sys.argv[3]
open(c + "/attest/pretty.json", "w").write(json.dumps(e, indent=2))
open(c + "/attest/bundle.json", "w").write(json.dumps({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": e}))
open(c + "/attest/two.jsonl", "w").write(json.dumps(e) + "\n" + json.dumps(e) + "\n")
open(c + "/statement/statement.json", "wb").write(base64.b64decode(e["payload"]))
pb = open(sys.argv[2], "rb").read(); i = 0
def varint(b, i):
    v = s = 0
    while True:
        v |= (b[i] & 0x7f) << s; s += 7; i += 1
        if b[i - 1] < 0x80: return v, i
while i < len(pb):  # Attestation{envelope = 1, statement = 2}
    key, i = varint(pb, i); n, i = varint(pb, i)
    if key >> 3 == 2: open(c + "/statement/statement.pb", "wb").write(pb[i:i + n])
    i += n
PY
cp o/m.journal "$C/journal/run.journal"
head -c $(( $(stat -c %s o/m.journal) - 17 )) o/m.journal >"$C/journal/torn.journal"
{ head -c 400 o/m.journal; head -c 100 /dev/zero; } >"$C/journal/zero-tail.journal"
mkdir p && echo a >p/a && echo b >p/b
env -i PATH=/usr/bin:/bin HOME="$W" "$B/mlprov" run -q --no-python-hook --preload --key k.pem --output p/m -- \
  sh -c 'cat p/a p/b >/dev/null; echo m >p/m'
cp p/m.journal "$C/journal/preload-batch.journal"
mkdir -p "$C/merkle_proof" mp
printf 'r0\nr1\nr2\nr3\nr4\nr5\nr6\n' >mp/fuzz
"$B/mlprov" dataset commit -q mp/fuzz
for r in r3 r35 a zz; do
  printf '%s\n' "$r" >mp/$r
  "$B/mlprov" dataset prove -q --tree mp/fuzz.mptree --record mp/$r --out mp/$r.proof
  { printf '\0'; cat mp/$r.proof; } >"$C/merkle_proof/proof-$r"
done
{ printf '\1'; cat mp/fuzz.mptree; } >"$C/merkle_proof/tree"
mkdir -p "$C/policy" "$C/bundle"
cp "$ROOT"/examples/policies/*.yaml "$C/policy/"
{ printf 'version: 1\nsigners:\n  keys:\n    - name: inline\n      expires: 2030-01-01T00:00:00Z\n      pem: |\n'
  sed 's/^/        /' k.pub.pem
  printf '  min_signatures: 1\nmodel:\n  require_signature: true\n  digest_matches_provenance: true\n'
  printf '  ignore_unsigned_files: false\ndependencies:\n  deny: [{purl: "pkg:pypi/Torch_Triton?repository_url=x", versions: "~=2.0,!=2.0.1,<3.*"}]\n'
  printf 'lineage: {base_models: this, max_depth: 2, require_verified: false}\n'; } >"$C/policy/inline.yaml"
printf '{"version": 1, "builder": {"max_age": "2w", "ids": ["*"]}, "source": {"commits": ["ab"]}}' >"$C/policy/policy.json"
mkdir -p model/sub && echo w >model/weights.bin && echo '{}' >model/sub/config.json
"$B/mlprov" model sign -q --key k.pem --signature "$C/bundle/key.sig" model
"$B/mlprov" model sign -q --key k.pem --method shards --shard-size 3 --signature "$C/bundle/shards.sig" model
"$B/mlprov" model sign -q --key k.pem --signature "$C/bundle/file.sig" model/weights.bin
openssl req -x509 -new -key k.pem -subj /CN=fuzz -days 30 -out cert.pem 2>/dev/null
"$B/mlprov" model sign -q --key k.pem --cert cert.pem --signature "$C/bundle/cert.sig" model
if [ -d "$ROOT/../shared/oms/test-vectors" ]; then
  for f in "$ROOT"/../shared/oms/test-vectors/v1.0/*/*.json; do
    cp "$f" "$C/bundle/vector-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
fi
mkdir -p "$C/jsonflat"
cp "$C/statement/statement.json" "$C/jsonflat/statement.json"
python3 - "$C/jsonflat" <<'PY'
import sys
c = sys.argv[1]
cases = {
  "escapes": r'{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 x","b":["\u0041",""]}',
  "surrogate-lone": r'["\ud800x"]',
  "nul-escape": r'["\u0000"]',
  "numbers": '[0,-0,1e5,-1.5E-3,9223372036854775807,-9223372036854775808,1e308,1e-400]',
  "int-overflow": '[9223372036854775808]',
  "real-overflow": '[1e400]',
  "bad-numbers": '[01]',
  "duplicate": '{"a":1,"b":{"c":1,"c":2}}',
  "duplicate-big": '{' + ','.join('"k%d":%d' % (i, i) for i in range(40)) + ',"k7":0}',
  "utf8": '{"\\u00e9t\\u00e9":"été 中 😀"}',
  "depth": '[' * 2048 + ']' * 2048,
  "too-deep": '[' * 2049 + ']' * 2049,
  "literals": '[true,false,null,{}, [] ,{"x":null}]  \n',
  "trailing": '{} x',
}
for name, text in cases.items():
    open(c + "/" + name, "w", encoding="utf-8").write(text)
open(c + "/bad-utf8", "wb").write(b'["\xc0\xaf", "\xed\xa0\x80"]')
PY
ls -l "$C"/*
