"""make_data.py -- writes the example's training set to disk: Gaussian blobs
in --features dimensions, --classes classes, --samples rows, as a NumPy
archive with x (float32 [N, F]) and y (int64 [N]). Seeded, so every run
writes the same bytes and two runs' provenances can be compared. NumPy only:
preparing the data does not pay for importing torch."""
import argparse
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="file to write (e.g. data/train.npz)")
    ap.add_argument("--samples", type=int, default=4000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.RandomState(a.seed)
    centers = rng.randn(a.classes, a.features).astype(np.float32) * 0.6
    y = rng.randint(0, a.classes, size=a.samples).astype(np.int64)
    x = (centers[y] + rng.randn(a.samples, a.features)).astype(np.float32)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "wb") as f:          # np.savez would append .npz to a bare name
        np.savez(f, x=x, y=y)
    print("wrote %s: %d samples, %d features, %d classes" % (a.out, a.samples, a.features, a.classes))


if __name__ == "__main__":
    main()
