#!/usr/bin/python3
"""oms_ref.py — an independent re-implementation of the OpenSSF Model Signing
(OMS v1.0) manifest, written from the reference `model_signing` tool's
behaviour (not from mlprov's code), used by the integration tests to
cross-check mlprov's resource names, order and digests. Standard library only.

  oms_ref.py [--method files|shards] [--shard-size N] [--hash sha256|blake2b]
             [--ignore PATH]... [--allow-symlinks] [--check STATEMENT] MODEL

prints {"name", "root", "resources": [{"name", "digest"}...]} as JSON, or with
--check compares it with the in-toto Statement in STATEMENT (what
`mlprov model digest --json` prints) and exits 1, showing both, if the
names, order, digests, subject name or root differ.

Order: the reference sorts manifest keys as pathlib.PurePosixPath objects,
i.e. by path components; shards as (path, start, end) tuples.
"""
import argparse
import hashlib
import json
import os
import pathlib
import sys

DEFAULT_IGNORES = [".git", ".gitattributes", ".github", ".gitignore"]


def digest(path, start, end, alg):
    h = hashlib.sha256() if alg == "sha256" else hashlib.blake2b()
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                raise SystemExit(f"{path}: shorter than expected")
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def walk(root, ignores, allow_symlinks):
    """Yields (relative PurePosixPath, real path) for every regular file."""
    def kept(dirpath, names):
        rel_dir = pathlib.PurePosixPath(os.path.relpath(dirpath, root))
        for name in names:
            rel = rel_dir / name if str(rel_dir) != "." else pathlib.PurePosixPath(name)
            full = os.path.join(dirpath, name)
            if str(rel) in ignores:
                continue
            if os.path.islink(full) and not allow_symlinks:
                raise SystemExit(f"{rel}: symlink")
            yield name, rel, full

    for dirpath, dirnames, filenames in os.walk(root, followlinks=allow_symlinks):
        dirnames[:] = [name for name, _, _ in kept(dirpath, dirnames)]
        for _, rel, full in kept(dirpath, filenames):
            yield rel, full


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", default="files")
    ap.add_argument("--shard-size", type=int, default=1_000_000_000)
    ap.add_argument("--hash", default="sha256")
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--allow-symlinks", action="store_true")
    ap.add_argument("--check")
    ap.add_argument("model")
    a = ap.parse_args()
    model = a.model.rstrip("/") or "/"
    if os.path.isfile(model):
        files = [(pathlib.PurePosixPath(os.path.basename(model)), model)]
    else:
        ignores = set(DEFAULT_IGNORES) | {str(pathlib.PurePosixPath(p)) for p in a.ignore}
        files = list(walk(model, ignores, a.allow_symlinks))
    items = {}
    for rel, full in files:
        size = os.path.getsize(full)
        if a.method == "files":
            items[(rel,)] = (str(rel), digest(full, 0, size, a.hash))
        else:
            for start in range(0, size, a.shard_size):
                end = min(start + a.shard_size, size)
                items[(rel, start, end)] = (f"{rel}:{start}:{end}", digest(full, start, end, a.hash))
    resources = [items[k] for k in sorted(items)]
    root = hashlib.sha256(b"".join(bytes.fromhex(d) for _, d in resources)).hexdigest()
    name = os.path.basename(model) or os.path.basename(os.path.realpath(model))
    ref = {"name": name, "root": root, "resources": [{"name": n, "digest": d} for n, d in resources]}
    if a.check:
        st = json.load(open(a.check))
        mine = {"name": st["subject"][0]["name"], "root": st["subject"][0]["digest"]["sha256"],
                "resources": [{"name": r["name"], "digest": r["digest"]} for r in st["predicate"]["resources"]]}
        if mine != ref:
            print("reference:", json.dumps(ref, ensure_ascii=False)[:2000])
            print("mlprov:   ", json.dumps(mine, ensure_ascii=False)[:2000])
            sys.exit(1)
        return
    json.dump(ref, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
