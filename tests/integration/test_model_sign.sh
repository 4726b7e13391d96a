#!/usr/bin/env bash
# test_model_sign.sh — `mlprov model sign|verify|digest` like a user: names,
# order and digests cross-checked against an independent Python manifest
# (oms_ref.py), the same root as `mlprov run`, round trips with P-256/P-384/
# P-521 keys and an openssl-made certificate chain, the OMS test vectors, and
# every tampering refused with exit 1 naming the file; openssl checks each
# curve's signature with its own hash, a single-file model signs and verifies,
# -j 1 and -j 2 sign the same statement, and every bundle kind (and its
# statement and predicate) validates against the OMS v1.0 JSON schemas.
. "$(dirname "$0")/lib.sh"
make_keys
"$MLPROV" keygen --type ecdsa-p521 "$T/keys/p521.pem" >/dev/null
REF="$ROOT/tests/integration/oms_ref.py"
VEC="$ROOT/../shared/oms/test-vectors/v1.0"
[ -d "$VEC" ] || { not_ok "OMS test vectors present at $VEC (../shared/oms beside the repository)"; done_testing; }
cd "$T"

# --- a model with awkward names ----------------------------------------------
mkdir -p m/a m/a-c m/a.b.d "m/sp ace" m/ü/x m/sub/.git m/.git m/.github
echo 1 >m/a/b; echo 2 >m/a-c/x; echo 3 >m/a.b; echo 4 >m/a.b.d/q; echo 5 >"m/sp ace/f g"
echo 6 >m/ü/x/y; echo 7 >"m/ü/x:1:2"; echo 8 >"m/a:b"; echo 9 >m/sub/.git/kept; : >m/empty
echo git >m/.git/HEAD; echo ci >m/.github/ci.yml; echo '*.tmp' >m/.gitignore
head -c 300000 /dev/urandom >m/weights.bin

PY="python3 -S" # stdlib only: skip site-packages start-up cost
same_manifest() { # NAME REF_ARGS... -- MLPROV_ARGS...: resources, order, digests, root
  local name=$1; shift
  local ra=()
  while [ "$1" != "--" ]; do ra+=("$1"); shift; done; shift
  if ! "$MLPROV" model digest --json "$@" >"$T/mine.json"; then not_ok "$name (mlprov failed)"; return; fi
  if $PY "$REF" --check "$T/mine.json" "${ra[@]}" >"$T/ref.out" 2>&1; then ok "$name"
  else not_ok "$name" "$(head -c 1500 "$T/ref.out")"; fi
}
payload() { # the statement inside a bundle, as text, into $T/payload.json
  grep -o '"payload": "[^"]*"' "$1" | cut -d'"' -f4 | base64 -d >"$T/payload.json"
}
same_manifest "files: names, order, digests and root match the reference" m -- m
same_manifest "shards (7 bytes): match the reference" --method shards --shard-size 7 --ignore weights.bin m -- --method shards --shard-size 7 --ignore weights.bin m
same_manifest "shards (4096 bytes): match the reference" --method shards --shard-size 4096 m -- --method shards --shard-size 4096 m
same_manifest "shards (default size): match the reference" --method shards m -- --method shards m
same_manifest "blake2b: matches the reference" --hash blake2b m -- --hash blake2b m
same_manifest "ignore paths: match the reference" --ignore a-c --ignore "sp ace/f g" m -- --ignore a-c --ignore "./sp ace/f g" m
same_manifest "single file: matches the reference" m/weights.bin -- m/weights.bin
"$MLPROV" model digest --json m >mine.json
grep -o '"name": "[^"]*"' mine.json | cut -d'"' -f4 >names.txt
expect_grep "canonical order a/b < a-c/x < a.b < a.b.d/q < a:b (path components)" \
  '^a/b a-c/x a\.b a\.b\.d/q a:b ' <(grep -xE 'a/b|a-c/x|a\.b|a\.b\.d/q|a:b' names.txt | tr '\n' ' ')
expect_grep "default ignores recorded" '"\.gitattributes"' mine.json
expect_grep "nested .git is not a default ignore" '"sub/\.git/kept"' mine.json

# --- the same ROOT as mlprov run ---------------------------------------------
mkdir -p job
expect_exit 0 "mlprov run records a model directory" "$MLPROV" run --key keys/p256.pem --output job/model -- sh -c 'mkdir -p job/model/sub && echo w >job/model/w.bin && echo c >job/model/sub/c.json'
grep -o '"payload":"[^"]*"' job/model.intoto.jsonl | cut -d'"' -f4 | base64 -d |
  grep -o '"digest":{"sha256":"[0-9a-f]*"},"name":"job/model"' | grep -o '[0-9a-f]\{64\}' >run.root
"$MLPROV" model digest job/model | sed 's/^sha256://' >digest.root
check "model digest prints the root mlprov run recorded" cmp run.root digest.root
expect_exit 0 "model sign of the run's output" "$MLPROV" model sign --key keys/p256.pem job/model
expect_grep "sign reports the same root" "root sha256:$(cat run.root)" "$T/out"

# --- sign -> verify round trips -------------------------------------------------
for k in p256 p384 p521; do
  for method in files shards; do
    size=(); [ $method = shards ] && size=(--shard-size 65536)
    expect_exit 0 "sign $method with $k" "$MLPROV" model sign --key keys/$k.pem --method $method "${size[@]}" --signature "rt-$k-$method.sig" m
    expect_exit 0 "verify $method with $k" "$MLPROV" model verify --key keys/$k.pub.pem --signature "rt-$k-$method.sig" m
    expect_grep "verify $method/$k says VERIFIED" '^VERIFIED m: ' "$T/out"
  done
done
check "quiet when stderr is not a terminal" test ! -s "$T/err"
payload rt-p384-shards.sig
expect_grep "shards signature records the shard size" '"shard_size": 65536' "$T/payload.json"
expect_exit 1 "another key: refused" "$MLPROV" model verify --key keys/other.pub.pem --signature rt-p256-files.sig m
expect_grep "reason names the key hint" 'signed by another key' "$T/err"
expect_exit 0 "default signature path MODEL.sig" "$MLPROV" model sign --key keys/p256.pem m
check "m.sig written beside the model" test -s m.sig
expect_exit 0 "signing again keeps the previous bundle" "$MLPROV" model sign --key keys/p256.pem m
check "previous bundle kept as m.sig.~1~" test -s m.sig.~1~
expect_exit 0 "verify with the default signature path" "$MLPROV" model verify --key keys/p256.pub.pem m
expect_exit 0 "Ed25519 signs (mlprov extension)" "$MLPROV" model sign --key keys/ed25519.pem --signature ed.sig m
expect_grep "Ed25519 notes the reference verifies ECDSA only" 'ECDSA only' "$T/err"
expect_exit 0 "Ed25519 verifies" "$MLPROV" model verify --key keys/ed25519.pub.pem --signature ed.sig m

# the bundle layout the reference tool writes and reads; PAE for openssl
$PY - m.sig keys/p256.pub.pem "$T/pae.bin" "$T/sig.der" <<'PY' && ok "bundle: media type, PEM-hash hint, empty tlog, in-toto payload" || not_ok "bundle layout"
import json, base64, hashlib, sys
b = json.load(open(sys.argv[1]))
assert b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
vm = b["verificationMaterial"]
assert vm["publicKey"]["hint"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert vm["tlogEntries"] == []
env = b["dsseEnvelope"]
assert env["payloadType"] == "application/vnd.in-toto+json"
body = base64.b64decode(env["payload"])
st = json.loads(body)
assert st["predicateType"] == "https://model_signing/signature/v1.0"
assert len(st["subject"]) == 1 and st["subject"][0]["name"] == "m"
t = env["payloadType"].encode()
open(sys.argv[3], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[4], "wb").write(base64.b64decode(env["signatures"][0]["sig"]))
PY
check "openssl verifies the DSSE signature (DER ECDSA over PAE)" openssl dgst -sha256 -verify keys/p256.pub.pem -signature "$T/sig.der" "$T/pae.bin"
# every ECDSA curve with its own hash (P-256/SHA-256, P-384/SHA-384,
# P-521/SHA-512), over the PAE of the bundle's exact payload bytes
pae_of() { # BUNDLE -> $T/pae.bin (DSSE PAE of the payload), $T/sig.der
  $PY - "$1" "$T/pae.bin" "$T/sig.der" <<'PY'
import json, base64, sys
env = json.load(open(sys.argv[1]))["dsseEnvelope"]
body, t = base64.b64decode(env["payload"]), env["payloadType"].encode()
open(sys.argv[2], "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[3], "wb").write(base64.b64decode(env["signatures"][0]["sig"]))
PY
}
for kc in p256:sha256:prime256v1 p384:sha384:secp384r1 p521:sha512:secp521r1; do
  IFS=: read -r k md curve <<<"$kc"
  expect_grep "$k key is on $curve" "ASN1 OID: $curve\$" <(openssl pkey -pubin -in keys/$k.pub.pem -noout -text)
  for method in files shards; do
    pae_of rt-$k-$method.sig
    check "openssl verifies the $k $method bundle with $md over the PAE" \
      openssl dgst -$md -verify keys/$k.pub.pem -signature "$T/sig.der" "$T/pae.bin"
  done
  printf 'X' >>"$T/pae.bin"
  expect_exit 1 "  openssl refuses the $k signature over a changed PAE" \
    openssl dgst -$md -verify keys/$k.pub.pem -signature "$T/sig.der" "$T/pae.bin"
done

# --- certificate chain made with openssl ---------------------------------------
mkdir -p pki && cd pki
openssl ecparam -name secp384r1 -genkey -noout -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -subj /CN=test-root -days 30 -out root.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out inter.key 2>/dev/null
openssl req -new -key inter.key -subj /CN=test-intermediate -out inter.csr 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >inter.ext
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile inter.ext -out inter.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out leaf.ec 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in leaf.ec -out leaf.key
openssl req -new -key leaf.key -subj /CN=model-signer -out leaf.csr 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null
printf 'keyUsage=critical,keyEncipherment\n' >nosign.ext
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -extfile nosign.ext -out nosign.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out other.key 2>/dev/null
openssl req -x509 -new -key other.key -subj /CN=other-root -days 30 -out other-root.pem 2>/dev/null
cd ..
check "openssl made the chain" openssl verify -CAfile pki/root.pem -untrusted pki/inter.pem pki/leaf.pem
expect_exit 0 "sign with a certificate chain" "$MLPROV" model sign --key pki/leaf.key --cert pki/leaf.pem --cert-chain pki/inter.pem --cert-chain pki/root.pem --signature cert.sig m
expect_grep "bundle carries leaf, intermediate and root (DER)" '^3$' <(grep -c '"rawBytes"' cert.sig)
expect_exit 0 "verify against the root CA" "$MLPROV" model verify --cert-chain pki/root.pem --signature cert.sig m
expect_grep "verdict names the certificate method" 'certificate signature' "$T/out"
expect_exit 1 "verify against another root: refused" "$MLPROV" model verify --cert-chain pki/other-root.pem --signature cert.sig m
expect_grep "reason: the chain does not verify" 'certificate chain does not verify' "$T/err"
expect_exit 0 "the leaf's public key verifies the bundle too" "$MLPROV" model verify --key pki/leaf.pem --signature cert.sig m
expect_exit 1 "a key bundle is not a certificate bundle" "$MLPROV" model verify --cert-chain pki/root.pem --signature m.sig m
expect_exit 0 "sign with a leaf that may not sign" "$MLPROV" model sign --key pki/leaf.key --cert pki/nosign.pem --cert-chain pki/inter.pem --signature nosign.sig m
expect_exit 1 "verify: a leaf without digitalSignature/codeSigning is refused" "$MLPROV" model verify --cert-chain pki/root.pem --signature nosign.sig m
expect_grep "reason names key usage" 'may not sign' "$T/err"
expect_exit 2 "sign: certificate of another key refused" "$MLPROV" model sign --key keys/p256.pem --cert pki/leaf.pem --signature x.sig m
expect_grep "reason: not this key's certificate" 'not for this key' "$T/err"

# --- tampering ------------------------------------------------------------------
cp -r m t && cp m.sig t.sig
expect_exit 0 "copy verifies before tampering" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
printf '\x01' | dd of=t/a/b bs=1 seek=0 conv=notrunc 2>/dev/null
expect_exit 1 "changed byte: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
expect_grep "names the changed file" 'changed +a/b: content differs' "$T/err"
cp m/a/b t/a/b
echo new >t/added
expect_exit 1 "added file: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
expect_grep "names the added file" 'extra +added' "$T/err"
expect_exit 0 "added file tolerated with --ignore-unsigned-files" "$MLPROV" model verify --ignore-unsigned-files --key keys/p256.pub.pem --signature t.sig t
expect_grep "says unsigned files were ignored" '1 unsigned file' "$T/out"
rm t/added t/a.b
expect_exit 1 "removed file: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
expect_grep "names the removed file" 'missing +a\.b' "$T/err"
cp m/a.b t/a.b
mv "t/sp ace/f g" "t/sp ace/f h"
expect_exit 1 "renamed file: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
expect_grep "names the old name" 'missing +sp ace/f g' "$T/err"
expect_grep "names the new name" 'extra +sp ace/f h' "$T/err"
mv "t/sp ace/f h" "t/sp ace/f g"
expect_exit 0 "restored copy verifies again" "$MLPROV" model verify --key keys/p256.pub.pem --signature t.sig t
expect_exit 0 "verify --json" "$MLPROV" model verify --json --key keys/p256.pub.pem --signature rt-p256-shards.sig m
expect_grep "json verdict" '"verified": true' "$T/out"
cp m/weights.bin t/weights.bin.orig; flip_byte t/weights.bin 70000
expect_exit 1 "shards: changed byte refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature rt-p256-shards.sig t
expect_grep "shards: names the file and the byte range" 'changed +weights.bin: bytes 65536-131072 differ' "$T/err"
mv t/weights.bin.orig t/weights.bin

mkdir -p other && echo other >other/f
"$MLPROV" model sign --key keys/p256.pem --signature other.sig other >/dev/null
# every edited bundle at once: (file, edit) pairs; the payload is re-encoded
# from the parsed statement unless the edit touches only the envelope
$PY - <<'PY'
import json, base64
def load(p): return json.load(open(p))
def save(b, p): json.dump(b, open(p, "w"), indent=4)
def edit(out, fn, reencode=True):
    b = load("m.sig"); env = b["dsseEnvelope"]
    st = json.loads(base64.b64decode(env["payload"]))
    fn(b, env, st)
    if reencode: env["payload"] = base64.b64encode(json.dumps(st, indent=2).encode()).decode()
    save(b, out)
edit("ign.sig", lambda b, env, st: st["predicate"]["serialization"]["ignore_paths"].append("weights.bin"))
edit("unknown.sig", lambda b, env, st: st["predicate"].__setitem__("future", {"x": 1}))
edit("kid-absent.sig", lambda b, env, st: env["signatures"][0].pop("keyid"), False)
edit("kid-null.sig", lambda b, env, st: env["signatures"][0].__setitem__("keyid", None), False)
edit("kid-empty.sig", lambda b, env, st: env["signatures"][0].__setitem__("keyid", ""), False)
o = load("other.sig")["dsseEnvelope"]
edit("swap.sig", lambda b, env, st: env.__setitem__("payload", o["payload"]), False)
edit("swap2.sig", lambda b, env, st: env.update(payload=o["payload"], signatures=o["signatures"]), False)
PY
expect_exit 1 "changed ignore path in the bundle: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature ign.sig m
expect_grep "reason: bad signature" 'bad signature' "$T/err"
expect_exit 1 "swapped payload: refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature swap.sig m
expect_grep "reason: bad signature" 'bad signature' "$T/err"
expect_exit 1 "swapped payload and signature (same key, another model): refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature swap2.sig m
expect_grep "names files of the other model" 'missing +f' "$T/err"
for kid in absent null empty; do
  expect_exit 0 "keyid $kid: accepted" "$MLPROV" model verify --key keys/p256.pub.pem --signature kid-$kid.sig m
done
expect_exit 1 "re-serialised payload with the old signature: refused (never re-serialised)" "$MLPROV" model verify --key keys/p256.pub.pem --signature unknown.sig m

# --- symlinks, escapes, the signature inside the model ----------------------------
mkdir -p s/d && echo w >s/d/w && ln -s d/w s/alias
expect_exit 1 "symlink without --allow-symlinks: refused" "$MLPROV" model sign --key keys/p256.pem --signature s.sig s
expect_grep "names the link" 'alias: is a symbolic link' "$T/err"
expect_exit 0 "symlink inside the model with --allow-symlinks" "$MLPROV" model sign --allow-symlinks --key keys/p256.pem --signature s.sig s
expect_exit 0 "verify follows the recorded symlink policy" "$MLPROV" model verify --key keys/p256.pub.pem --signature s.sig s
ln -s "$T/m/a.b" s/escape
expect_exit 1 "symlink leaving the model: refused even when allowed" "$MLPROV" model sign --allow-symlinks --key keys/p256.pem --signature s2.sig s
expect_grep "names the escaping link" 'escape: symbolic link points outside' "$T/err"
expect_exit 1 "verify: an escaping symlink is refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature s.sig s
expect_exit 2 "--ignore with .. is a usage error" "$MLPROV" model sign --key keys/p256.pem --ignore ../m --signature x.sig m
expect_exit 2 "--ignore naming nothing is a usage error" "$MLPROV" model sign --key keys/p256.pem --ignore nope --signature x.sig m
expect_grep "explains ignore paths are relative to the model" 'relative to the model directory' "$T/err"
cp -r m inside
expect_exit 0 "signature file inside the model" "$MLPROV" model sign --key keys/p256.pem --signature inside/model.sig inside
payload inside/model.sig
expect_grep "inside: model.sig recorded as ignored" '"model.sig"' "$T/payload.json"
expect_exit 0 "inside: verifies (the bundle is not part of the model)" "$MLPROV" model verify --key keys/p256.pub.pem --signature inside/model.sig inside
expect_exit 2 "a signature never replaces a model file" "$MLPROV" model sign --key keys/p256.pem --signature m/weights.bin m/a.b
expect_grep "  says why" 'not a signature bundle: refusing to replace it' "$T/err"
check "  the file is untouched" cmp m/weights.bin t/weights.bin
(cd m && "$MLPROV" model sign --key ../keys/p256.pem . >/dev/null) && ok "signing '.' writes ../m.sig, not a dot file inside" || not_ok "signing ."
check "  no ..sig inside the model" test ! -e m/..sig
mkdir -p emptymodel && echo x >emptymodel/.gitignore
expect_exit 2 "an empty model is refused" "$MLPROV" model sign --key keys/p256.pem --signature e.sig emptymodel

# --- a single-file model ---------------------------------------------------------
head -c 150000 /dev/urandom >one.bin && cp one.bin one.orig
expect_exit 0 "single file: sign" "$MLPROV" model sign --key keys/p384.pem one.bin
expect_grep "single file: one file, one resource" '^signed one\.bin: 1 file\(s\), 1 resource\(s\), 150000 bytes, files$' "$T/out"
grep '^root sha256:' "$T/out" | sed 's/^root //' >one.sign.root
"$MLPROV" model digest one.bin >one.digest.root
check "single file: signed root = model digest" cmp one.sign.root one.digest.root
check "single file: default signature one.bin.sig beside it" test -s one.bin.sig
payload one.bin.sig
expect_grep "single file: the subject is the file's name" '"name": "one\.bin",' "$T/payload.json"
expect_grep "single file: its resource digest is sha256sum's" "\"digest\": \"$(sha256sum one.bin | cut -c1-64)\"" "$T/payload.json"
expect_exit 0 "single file: verify" "$MLPROV" model verify --key keys/p384.pub.pem one.bin
expect_grep "single file: VERIFIED, 1 file" '^VERIFIED one\.bin: 1 file\(s\) match' "$T/out"
flip_byte one.bin 100000
expect_exit 1 "single file: changed byte refused" "$MLPROV" model verify --key keys/p384.pub.pem one.bin
expect_grep "single file: names the file" 'changed +one\.bin: content differs' "$T/err"
cp one.orig one.bin && echo more >>one.bin
expect_exit 1 "single file: appended bytes refused" "$MLPROV" model verify --key keys/p384.pub.pem one.bin
expect_grep "single file: names the file" 'changed +one\.bin' "$T/err"
cp one.orig one.bin
expect_exit 0 "single file, shards: sign" "$MLPROV" model sign --key keys/p256.pem --method shards --shard-size 65536 --signature one-shards.sig one.bin
expect_grep "single file, shards: three shards" '1 file\(s\), 3 resource\(s\)' "$T/out"
flip_byte one.bin 140000
expect_exit 1 "single file, shards: changed byte refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature one-shards.sig one.bin
expect_grep "single file, shards: names the file and the last shard" 'changed +one\.bin: bytes 131072-150000 differ' "$T/err"
cp one.orig one.bin

# --- hashing threads change nothing that is signed ---------------------------------
for method in files shards; do
  size=(); [ $method = shards ] && size=(--shard-size 4096) # 74 shards of weights.bin alone
  for j in 1 2; do
    expect_exit 0 "$method: sign with -j $j" "$MLPROV" model sign -j $j --key keys/p256.pem --method $method "${size[@]}" --signature "j$j-$method.sig" m
    grep '^root sha256:' "$T/out" >"j$j-$method.root"
    payload "j$j-$method.sig" && mv "$T/payload.json" "j$j-$method.statement"
  done
  check "$method: the same root with -j 1 and -j 2" cmp j1-$method.root j2-$method.root
  expect_grep "$method: the root is a digest" '^root sha256:[0-9a-f]{64}$' j1-$method.root
  check "$method: the same statement, byte for byte, with -j 1 and -j 2" cmp j1-$method.statement j2-$method.statement
  expect_exit 0 "$method: verify with --threads 1 a bundle signed with -j 2" "$MLPROV" model verify --threads 1 --key keys/p256.pub.pem --signature j2-$method.sig m
  expect_exit 0 "$method: verify with --threads 2 a bundle signed with -j 1" "$MLPROV" model verify --threads 2 --key keys/p256.pub.pem --signature j1-$method.sig m
done
"$MLPROV" model digest m | sed 's/^/root /' >digest-default.root
check "files: -j 1 gives the root of model digest (one thread per CPU)" cmp j1-files.root digest-default.root
cp -r m tj && flip_byte tj/weights.bin 200000
expect_exit 1 "shards, 2 threads: changed byte refused" "$MLPROV" model verify -j 2 --key keys/p256.pub.pem --signature j1-shards.sig tj
expect_grep "shards, 2 threads: names the shard" 'changed +weights\.bin: bytes 196608-200704 differ' "$T/err"

# --- blake2b ------------------------------------------------------------------------
expect_exit 0 "blake2b: sign" "$MLPROV" model sign --key keys/p521.pem --hash blake2b --signature b2.sig m
expect_exit 0 "blake2b: verify" "$MLPROV" model verify --key keys/p521.pub.pem --signature b2.sig m
payload b2.sig
expect_grep "blake2b: hash_type recorded" '"hash_type": "blake2b"' "$T/payload.json"
expect_grep "blake2b: 64-byte resource digests" '"digest": "[0-9a-f]{128}"' "$T/payload.json"

# --- the bundles against the OMS v1.0 JSON schemas --------------------------------
# Each bundle against bundle.schema.json (which takes in envelope.schema.json),
# its decoded statement against statement.schema.json (with the predicate
# schema) and its predicate against predicate.schema.json. The reference's
# valid vectors must pass and broken bundles must fail, so a validator that
# accepts everything is noticed.
SCHEMAS="$ROOT/../shared/oms/schemas/v1.0"
# the python3 on PATH, else Debian's (make deps installs python3-jsonschema)
SCHEMA_PY=
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null; then SCHEMA_PY=$py; break; fi
done
oms_schema_check() { # LABEL=BUNDLE...: writes $T/schema/LABEL (the errors; empty when valid)
  rm -rf "$T/schema" && mkdir -p "$T/schema"
  "$SCHEMA_PY" - "$SCHEMAS" "$T/schema" "$@" <<'PY'
import base64, json, os, sys
import jsonschema
d, out = sys.argv[1], sys.argv[2]
sch = {n: json.load(open(os.path.join(d, n + ".schema.json"))) for n in ("bundle", "envelope", "statement", "predicate")}
V = jsonschema.Draft202012Validator
for s in sch.values():
    V.check_schema(s)
try:  # jsonschema >= 4.18
    from referencing import Registry, Resource
    reg = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in sch.values())
    make = lambda s: V(s, registry=reg)
except ImportError:  # older jsonschema (Debian 12 has 4.10)
    store = {s["$id"]: s for s in sch.values()}
    make = lambda s: V(s, resolver=jsonschema.RefResolver.from_schema(s, store=store))
check = {n: make(s) for n, s in sch.items()}
for arg in sys.argv[3:]:
    label, path = arg.split("=", 1)
    errs = []
    def run(what, inst):
        errs.extend("%s %s: %s" % (what, "/".join(map(str, e.absolute_path)) or "(top)", e.message)
                    for e in check[what].iter_errors(inst))
    try:
        b = json.load(open(path))
        run("bundle", b)
        st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"], validate=True))
        run("statement", st)
        run("predicate", st.get("predicate"))
        ser = st["predicate"]["serialization"]
        if ser.get("method") == "files" and "shard_size" in ser:
            errs.append("predicate: shard_size must be absent with method files")
    except Exception as e:
        errs.append("%s: %s" % (type(e).__name__, e))
    with open(os.path.join(out, label), "w") as f:
        f.write("\n".join(errs))
PY
}
if [ ! -d "$SCHEMAS" ]; then
  ok "OMS JSON schemas # SKIP not found at $SCHEMAS"
elif [ -z "$SCHEMA_PY" ]; then
  not_ok "a python3 with the jsonschema module (make deps installs python3-jsonschema)"
else
  VALID="$VEC/valid"
  # broken copies: each must be refused by the schemas
  $PY - rt-p384-shards.sig m.sig <<'PY'
import json, base64
def edit(src, out, fn):
    b = json.load(open(src)); env = b["dsseEnvelope"]
    st = json.loads(base64.b64decode(env["payload"]))
    fn(b, env, st)
    env["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
    json.dump(b, open(out, "w"))
edit("rt-p384-shards.sig", "bad-noshard.sig", lambda b, env, st: st["predicate"]["serialization"].pop("shard_size"))
edit("m.sig", "bad-files-shard.sig", lambda b, env, st: st["predicate"]["serialization"].__setitem__("shard_size", 7))
edit("m.sig", "bad-env-field.sig", lambda b, env, st: env.__setitem__("extra", 1))
edit("m.sig", "bad-2subjects.sig", lambda b, env, st: st["subject"].append(dict(st["subject"][0])))
edit("m.sig", "bad-alg.sig", lambda b, env, st: st["predicate"]["resources"][0].__setitem__("algorithm", "md5"))
edit("m.sig", "bad-digest.sig", lambda b, env, st: st["predicate"]["resources"][0].__setitem__("digest", "ABC"))
edit("m.sig", "bad-type.sig", lambda b, env, st: st.__setitem__("predicateType", "https://slsa.dev/provenance/v1"))
edit("m.sig", "bad-nohint.sig", lambda b, env, st: b["verificationMaterial"].pop("publicKey"))
PY
  good=(files=rt-p256-files.sig shards-p384=rt-p384-shards.sig shards-p521=rt-p521-shards.sig blake2b=b2.sig
    certificate=cert.sig single-file=one.bin.sig single-file-shards=one-shards.sig ed25519=ed.sig
    symlinks=s.sig inside=inside/model.sig threads=j2-shards.sig
    vector-key="$VALID/key.bundle.json" vector-certificate="$VALID/certificate.bundle.json")
  bad=(noshard=bad-noshard.sig files-shard=bad-files-shard.sig env-field=bad-env-field.sig
    2subjects=bad-2subjects.sig alg=bad-alg.sig digest=bad-digest.sig type=bad-type.sig nohint=bad-nohint.sig
    vector-wrong-predicate="$VEC/invalid-payload/wrong-predicate.bundle.json")
  for f in "$VEC"/invalid/*.json; do bad+=("vector-$(basename "$f" .bundle.json)=$f"); done
  oms_schema_check "${good[@]}" "${bad[@]}"
  for g in "${good[@]}"; do
    l=${g%%=*}
    if [ -f "$T/schema/$l" ] && [ ! -s "$T/schema/$l" ]; then ok "schema: $l bundle, statement and predicate valid"
    else not_ok "schema: $l bundle, statement and predicate valid" "$(head -c 1500 "$T/schema/$l" 2>&1)"; fi
  done
  for b in "${bad[@]}"; do
    l=${b%%=*}
    # refused by a schema (or, for the empty vector, as JSON), not by a crash
    if grep -qE '^(bundle|statement|predicate):? |^JSONDecodeError' "$T/schema/$l" 2>/dev/null; then ok "schema: broken $l refused"
    else not_ok "schema: broken $l refused" "accepted or not checked: ${b#*=}" "$(head -c 600 "$T/schema/$l" 2>&1)"; fi
  done
fi

# --- the OMS test vectors through the command line -----------------------------------
for f in "$VEC"/invalid/*.json; do
  expect_exit 2 "invalid vector $(basename "$f"): refused" "$MLPROV" model verify --key keys/p256.pub.pem --signature "$f" m
  expect_grep "  with a reason" 'bundle|JSON|Envelope|dsseEnvelope|tlogEntries|verificationMaterial' "$T/err"
done
expect_exit 1 "valid key vector: our key is not its key" "$MLPROV" model verify --key keys/p384.pub.pem --signature "$VEC/valid/key.bundle.json" m
expect_grep "  reason: another key" 'signed by another key' "$T/err"
expect_exit 2 "valid sigstore vector: keyless is not supported, said so" "$MLPROV" model verify --key keys/p256.pub.pem --signature "$VEC/valid/sigstore.bundle.json" m
expect_grep "  reason names Rekor" 'Rekor' "$T/err"

# --- usage -----------------------------------------------------------------------
expect_exit 0 "model --help" "$MLPROV" model --help
expect_grep "help lists the verbs and exit codes" 'exit status' "$T/out"
expect_exit 2 "verify needs a key or a chain" "$MLPROV" model verify m
expect_exit 2 "verify takes no hashing options" "$MLPROV" model verify --key keys/p256.pub.pem --method shards m
expect_exit 2 "unknown verb" "$MLPROV" model bless m
expect_exit 2 "missing signature file" "$MLPROV" model verify --key keys/p256.pub.pem --signature nope.sig m
expect_grep "  names the file" 'nope.sig' "$T/err"
done_testing
