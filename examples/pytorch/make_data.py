"""make_data.py -- writes the example's training set to disk: Gaussian blobs
in --features dimensions, --classes classes, --samples rows, as a torch file
{"x": float32 [N, F], "y": int64 [N]}. Seeded, so every run writes the same
bytes (the provenance digests of two runs can be compared)."""
import argparse
import os

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="file to write (e.g. data/train.pt)")
    ap.add_argument("--samples", type=int, default=4000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = torch.Generator().manual_seed(a.seed)
    centers = torch.randn(a.classes, a.features, generator=g) * 0.6
    y = torch.randint(0, a.classes, (a.samples,), generator=g)
    x = centers[y] + torch.randn(a.samples, a.features, generator=g)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save({"x": x, "y": y}, a.out)
    print("wrote %s: %d samples, %d features, %d classes" % (a.out, a.samples, a.features, a.classes))


if __name__ == "__main__":
    main()
