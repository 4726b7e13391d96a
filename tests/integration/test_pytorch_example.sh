#!/usr/bin/env bash
# test_pytorch_example.sh — examples/pytorch end to end with Debian's
# python3-torch: the unmodified train.py under `mlprov run` must yield a
# provenance that verifies and lists the dataset file (with its digest) and
# torch with its version; train_with_mlprov.py must add the checkpoints as
# subjects, the parameters, and the dataset records' Merkle root, which is
# checked here against an independent RFC 9162 computation over the file.
. "$(dirname "$0")/lib.sh"
PY=${TORCH_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch' 2>/dev/null; then
  ok "pytorch example # skip $PY cannot import torch (make deps installs python3-torch)"
  done_testing
fi
OUT="$T/ex"
export OUT EPOCHS=2 SAMPLES=1000 PYTHON="$PY" MLPROV_BUILD="$B"
export MLPROV_PYTHON_HOOK="$ROOT/hooks/python"     # this tree's hook, wherever the binary was built
expect_exit 0 "examples/pytorch/run.sh: both runs train and verify" sh "$ROOT/examples/pytorch/run.sh"
grep -c VERIFIED "$T/out" >"$T/nverified"
expect_grep "both provenances verified" '^2$' "$T/nverified"

# Facts about the two statements, checked with the same interpreter (NumPy
# reads the dataset for the Merkle root; torch's version comes from its
# package metadata, not from importing it again).
"$PY" - "$OUT" >"$T/facts" 2>&1 <<'PY'
import base64, hashlib, json, sys
import importlib.metadata
import numpy as np
out = sys.argv[1]
torch_dist_version = importlib.metadata.version("torch")

def statement(path):
    e = json.loads(open(path).readline())
    return json.loads(base64.b64decode(e["payload"]))

def mth(leaves):                      # RFC 9162 Merkle Tree Hash
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()

data_sha = hashlib.sha256(open(out + "/data/train.npz", "rb").read()).hexdigest()
blob = np.load(out + "/data/train.npz")
leaves = [hashlib.sha256(b"\x00" + x.tobytes() + y.tobytes()).digest() for x, y in zip(blob["x"], blob["y"])]
root = mth(leaves).hex()
for mode, path in (("auto", out + "/auto/model.pt.intoto.jsonl"),
                   ("explicit", out + "/explicit/provenance.intoto.jsonl")):
    s = statement(path)
    p = s["predicate"]
    deps = p["buildDefinition"]["resolvedDependencies"]
    byp = dict((b["name"], b.get("annotations", {})) for b in p["runDetails"]["byproducts"])
    anns = dict((a["key"], a["text"]) for a in byp.get("mlprov/annotations", {}).get("items", []))
    for d in deps:
        a = d["annotations"]
        if a["kind"] == "file" and d["name"].endswith("data/train.npz") and d["digest"]["sha256"] == data_sha:
            print(mode, "dataset-file-digest-ok")
        if a["kind"] == "package" and d["name"] == "torch" and a.get("loaded") and \
                d["uri"].startswith("pkg:pypi/torch@") and a.get("version") == torch_dist_version:
            print(mode, "torch-package", a["version"])
        if a["kind"] == "dataset" and d.get("name") == "blobs":
            print(mode, "dataset-digest-ok" if d["digest"]["sha256"] == data_sha else "dataset-digest-BAD")
            print(mode, "records", a.get("recordsTreeSize"),
                  "root-ok" if a.get("recordsMerkleRoot") == root else "root-BAD")
    torch_ann = json.loads(anns.get("python.torch", "{}"))
    if torch_ann.get("version") and torch_dist_version.startswith(torch_ann["version"]):
        print(mode, "torch-annotation-ok")
    roles = sorted(x["annotations"]["role"] for x in s["subject"])
    print(mode, "subjects", ",".join(roles))
    params = p["buildDefinition"]["externalParameters"]["parameters"]
    print(mode, "params", json.dumps(params, sort_keys=True))
    print(mode, "dropped", byp["mlprov/hooks"]["eventsDroppedByHooks"])
PY
cat "$T/facts" | sed 's/^/# /'
expect_grep "auto: the dataset file is listed with its digest" '^auto dataset-file-digest-ok$' "$T/facts"
expect_grep "auto: torch is listed, loaded, with its version" '^auto torch-package [0-9]' "$T/facts"
expect_grep "auto: torch version recorded from the running torch" '^auto torch-annotation-ok$' "$T/facts"
expect_grep "auto: the model is the subject" '^auto subjects output$' "$T/facts"
expect_grep "auto: no parameters without explicit calls" '^auto params \{\}$' "$T/facts"
expect_grep "explicit: checkpoints and model are subjects" '^explicit subjects checkpoint,checkpoint,model$' "$T/facts"
expect_grep "explicit: hyper-parameters recorded" '^explicit params .*"epochs": 2.*"lr": 0.05' "$T/facts"
expect_grep "explicit: the declared dataset has the file's digest" '^explicit dataset-digest-ok$' "$T/facts"
expect_grep "explicit: per-sample Merkle root matches an independent computation" '^explicit records 1000 root-ok$' "$T/facts"
expect_grep "explicit: torch listed too" '^explicit torch-package [0-9]' "$T/facts"
expect_grep "no events dropped (auto)" '^auto dropped 0$' "$T/facts"
expect_grep "no events dropped (explicit)" '^explicit dropped 0$' "$T/facts"

done_testing
