#!/bin/sh
# run.sh — the PyTorch example end to end (Debian's python3-torch, CPU):
# write the dataset, train train.py unmodified under `mlprov run` (automatic
# mode: the Python hook finds the dataset file, torch and the rest by itself),
# train again with explicit calls (train_with_mlprov.py: dataset records,
# parameters, checkpoints as subjects), and verify both provenances.
#
#   examples/pytorch/run.sh            (make example-pytorch)
#   environment: MLPROV_BUILD (build), PYTHON (/usr/bin/python3),
#                OUT (out/pytorch), EPOCHS (3), SAMPLES (4000)
set -eu
B=${MLPROV_BUILD:-build}
PY=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-out/pytorch}
EPOCHS=${EPOCHS:-3}
SAMPLES=${SAMPLES:-4000}
HERE=$(cd "$(dirname "$0")" && pwd)
MLPROV="$B/mlprov"
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "run.sh: $PY cannot import torch (make deps installs python3-torch)" >&2
  exit 2
fi
mkdir -p "$OUT/keys" "$OUT/auto" "$OUT/explicit"
[ -f "$OUT/keys/example.pem" ] || "$MLPROV" keygen "$OUT/keys/example.pem"

echo "== dataset: $OUT/data/train.npz"
"$PY" "$HERE/make_data.py" --out "$OUT/data/train.npz" --samples "$SAMPLES"

echo "== automatic mode: train.py, unmodified"
"$MLPROV" run --key "$OUT/keys/example.pem" --output "$OUT/auto/model.pt" -- \
  "$PY" "$HERE/train.py" --data "$OUT/data/train.npz" --out "$OUT/auto" --epochs "$EPOCHS"
"$MLPROV" verify --key "$OUT/keys/example.pub.pem" "$OUT/auto/model.pt"

echo "== explicit calls: train_with_mlprov.py"
"$MLPROV" run --key "$OUT/keys/example.pem" --out "$OUT/explicit/provenance" -- \
  "$PY" "$HERE/train_with_mlprov.py" --data "$OUT/data/train.npz" --out "$OUT/explicit" --epochs "$EPOCHS"
"$MLPROV" verify --key "$OUT/keys/example.pub.pem" --provenance "$OUT/explicit/provenance.intoto.jsonl" \
  "$OUT/explicit/model.pt" "$OUT/explicit"/checkpoints/epoch-*.pt
