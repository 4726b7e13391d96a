#!/bin/sh
# run.sh — the built-in example end to end: make a key (once), train under
# `mlprov run`, then verify the model against its signed provenance.
set -eu
B=${MLPROV_BUILD:-build}
OUT=${OUT:-out/example}
MLPROV="$B/mlprov"
mkdir -p "$OUT/keys"
if [ ! -f "$OUT/keys/example.pem" ]; then
  "$MLPROV" keygen "$OUT/keys/example.pem"
fi
echo "== training under mlprov run"
"$MLPROV" run --key "$OUT/keys/example.pem" --output "$OUT/model.bin" -- \
  "$B/examples/linear-train" --out "$OUT"
echo "== verifying $OUT/model.bin against $OUT/model.bin.intoto.jsonl"
"$MLPROV" verify --key "$OUT/keys/example.pub.pem" "$OUT/model.bin"
