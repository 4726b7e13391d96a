#!/usr/bin/python3
"""rfc9162.py -- an independent reference for mlprov's dataset transparency,
in Python with the standard library only (tests/integration/
test_dataset_reference.sh runs it against the C code).

It implements RFC 9162 section 2.1 from the text: MTH (2.1.1), PATH (2.1.3.1),
PROOF/SUBPROOF (2.1.4.1) and the two verification algorithms (2.1.3.2,
2.1.4.2); the record formats, the tree file and the proof file of
schema/dataset-transparency.md. No code is shared with lib/.

  rfc9162.py vectors N
      the lines tests/tools/merkle_dump prints, for records "record 0".."record N-1"
  rfc9162.py commit FORMAT PATH
      JSON: record count, distinct count and both roots of PATH's records
  rfc9162.py tree TREEFILE
      JSON: the tree file's header, after checking its leaves against its root
  rfc9162.py agree (FORMAT PATH MINE.json TREEFILE)...
      for each group: do the roots and sizes in MINE.json (`mlprov dataset
      commit --json`) and in the tree file equal the ones computed here?
      One line each, "FORMAT: agree" or "FORMAT: differ: ..."; exit 1 if any differ
  rfc9162.py verify STATEMENT.json (PROOF RECORD)...
      checks each proof file for its record file against the dataset roots of
      an in-toto statement (JSON); prints "included", "not included" or
      "refused: REASON" per pair; exit 1 if any was refused
"""
import hashlib
import json
import os
import struct
import sys
from functools import lru_cache

FORMATS = ["records", "lines", "files", "jsonl"]


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(record):
    return sha256(b"\x00" + record)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    """MTH over a list of leaf hashes, memoised per (start, size)."""

    def __init__(self, leaves):
        self.leaves = leaves
        self.mth = lru_cache(maxsize=None)(self._mth)

    def _mth(self, lo, n):
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaves[lo]
        k = split(n)
        return node_hash(self.mth(lo, k), self.mth(lo + k, n - k))

    def path(self, m, lo, n):
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return self.path(m, lo, k) + [self.mth(lo + k, n - k)]
        return self.path(m - k, lo + k, n - k) + [self.mth(lo, k)]

    def subproof(self, m, lo, n, b):
        if m == n:
            return [] if b else [self.mth(lo, m)]
        k = split(n)
        if m <= k:
            return self.subproof(m, lo, k, b) + [self.mth(lo + k, n - k)]
        return self.subproof(m - k, lo + k, n - k, False) + [self.mth(lo, k)]


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 2.1.4.2 (0 < first < second), plus first == second."""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


def vectors(max_n):
    leaves = [leaf_hash(b"record %d" % i) for i in range(max_n)]
    t = Tree(leaves)
    out = []
    for n in range(1, max_n + 1):
        root = t.mth(0, n)
        out.append("root %d %s" % (n, root.hex()))
        for m in range(n):
            p = t.path(m, 0, n)
            assert verify_inclusion(m, n, leaves[m], p, root)
            out.append("path %d %d %s" % (n, m, ",".join(h.hex() for h in p)))
        firsts = list(range(1, n + 1)) if n <= 64 else sorted(set(range(1, n + 1, 7)) | {n})
        for m in firsts:
            p = t.subproof(m, 0, n, True)
            assert verify_consistency(m, n, t.mth(0, m), root, p)
            out.append("cons %d %d %s" % (m, n, ",".join(h.hex() for h in p)))
    sys.stdout.write("\n".join(out) + "\n")


def records(fmt, path):
    """The records of a file (lines, jsonl) or directory (files, in path order)."""
    if fmt in ("lines", "jsonl"):
        data = open(path, "rb").read()
        parts = data.split(b"\n")
        if parts and parts[-1] == b"":
            parts.pop()
        if fmt == "jsonl":
            for i, line in enumerate(parts):
                json.loads(line)  # raises on a malformed line
        return parts
    if fmt == "files":
        names = []
        for base, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not (base == path and d in (".git", ".github"))]
            for f in files:
                if base == path and f in (".gitattributes", ".gitignore"):
                    continue
                names.append(os.path.relpath(os.path.join(base, f), path))
        names.sort(key=lambda s: s.split("/"))
        return [open(os.path.join(path, n), "rb").read() for n in names]
    raise SystemExit("unknown format " + fmt)


def commit(fmt, path):
    leaves = [leaf_hash(r) for r in records(fmt, path)]
    distinct = sorted(set(leaves))
    return {"recordsTreeSize": len(leaves), "recordsSortedTreeSize": len(distinct),
            "recordsMerkleRoot": Tree(leaves).mth(0, len(leaves)).hex(),
            "recordsSortedMerkleRoot": Tree(distinct).mth(0, len(distinct)).hex()}


def tree_file(path):
    b = open(path, "rb").read()
    assert b[:4] == b"MPTR" and b[4] == 1, "not a version 1 tree file"
    fmt, nl = b[5], struct.unpack(">H", b[6:8])[0]
    n, m = struct.unpack(">QQ", b[8:24])
    root, sroot = b[24:56], b[56:88]
    name = b[88:88 + nl].decode()
    leaves = [b[88 + nl + 32 * i:88 + nl + 32 * (i + 1)] for i in range(n)]
    assert len(b) == 88 + nl + 32 * n, "tree file length"
    assert Tree(leaves).mth(0, n) == root, "record tree root"
    distinct = sorted(set(leaves))
    assert len(distinct) == m and Tree(distinct).mth(0, m) == sroot, "sorted tree root"
    return {"name": name, "recordFormat": FORMATS[fmt], "recordsTreeSize": n, "recordsSortedTreeSize": m,
            "recordsMerkleRoot": root.hex(), "recordsSortedMerkleRoot": sroot.hex()}


def agree(groups):
    bad = 0
    for fmt, path, mine_path, tree_path in groups:
        ref, mine, tree = commit(fmt, path), json.load(open(mine_path)), tree_file(tree_path)
        diff = [k for k in ref if mine.get(k) != ref[k] or tree.get(k) != ref[k]]
        if tree["recordFormat"] != fmt:
            diff.append("recordFormat")
        print("%s: %s" % (fmt, "agree" if not diff else "differ: " + ", ".join(diff)))
        bad |= bool(diff)
    sys.exit(1 if bad else 0)


class Refused(Exception):
    pass


def fail(why):
    raise Refused(why)


def verify(st, proof_path, record_path):
    b = open(proof_path, "rb").read()
    if len(b) < 82 or b[:4] != b"MPRF" or b[4] != 1:
        fail("not a version 1 proof file")
    kind, fmt, count = b[5], b[6], b[7]
    if kind not in (1, 2) or fmt >= len(FORMATS) or count not in (1, 2) or (kind == 1 and count != 1):
        fail("malformed header")
    size = struct.unpack(">Q", b[8:16])[0]
    root, rec_leaf = b[16:48], b[48:80]
    nl = struct.unpack(">H", b[80:82])[0]
    name = b[82:82 + nl].decode()
    off, entries = 82 + nl, []
    for _ in range(count):
        if len(b) < off + 41:
            fail("truncated")
        index = struct.unpack(">Q", b[off:off + 8])[0]
        leaf, plen = b[off + 8:off + 40], b[off + 40]
        off += 41
        if plen > 64 or len(b) < off + 32 * plen:
            fail("truncated path")
        entries.append((index, leaf, [b[off + 32 * i:off + 32 * (i + 1)] for i in range(plen)]))
        off += 32 * plen
    if off != len(b):
        fail("trailing bytes")
    # the dataset in the statement
    if st.get("predicateType") == "https://mlprov.dev/dataset-commitment/v1":
        cands = st["subject"]
    else:
        cands = [d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]
                 if d.get("annotations", {}).get("kind") == "dataset"]
    ann = next((d["annotations"] for d in cands
                if d.get("name") == name and "recordsMerkleRoot" in d.get("annotations", {})), None)
    if ann is None:
        fail("no dataset %r in the statement" % name)
    if ann.get("recordFormat", "records") != FORMATS[fmt]:
        fail("record format differs")
    record = open(record_path, "rb").read()
    if FORMATS[fmt] in ("lines", "jsonl") and record.endswith(b"\n"):
        record = record[:-1]
    if leaf_hash(record) != rec_leaf:
        fail("the proof is about another record")
    if kind == 1:
        want_root, want_size = ann["recordsMerkleRoot"], ann["recordsTreeSize"]
    else:
        want_root, want_size = ann["recordsSortedMerkleRoot"], ann["recordsSortedTreeSize"]
    if root.hex() != want_root or size != want_size:
        fail("not the signed tree")
    for index, leaf, path in entries:
        if not verify_inclusion(index, size, leaf, path, root):
            fail("inclusion of leaf %d does not verify" % index)
    if kind == 1:
        if entries[0][1] != rec_leaf:
            fail("proven leaf is not the record")
        return "included"
    if count == 1:
        index, leaf, _ = entries[0]
        if not ((rec_leaf < leaf and index == 0) or (rec_leaf > leaf and index == size - 1)):
            fail("not an edge")
    else:
        (i, a, _), (j, c, _) = entries
        if j != i + 1 or not a < rec_leaf < c:
            fail("not adjacent leaves around the record")
    return "not included"


def verify_all(statement_path, pairs):
    st = json.load(open(statement_path))
    bad = 0
    for proof_path, record_path in pairs:
        try:
            print(verify(st, proof_path, record_path))
        except Refused as r:
            print("refused: %s" % r)
            bad = 1
    sys.exit(bad)


def main(argv):
    if len(argv) == 3 and argv[1] == "vectors":
        vectors(int(argv[2]))
    elif len(argv) == 4 and argv[1] == "commit":
        print(json.dumps(commit(argv[2], argv[3])))
    elif len(argv) == 3 and argv[1] == "tree":
        print(json.dumps(tree_file(argv[2])))
    elif len(argv) >= 6 and argv[1] == "agree" and (len(argv) - 2) % 4 == 0:
        agree([argv[i:i + 4] for i in range(2, len(argv), 4)])
    elif len(argv) >= 5 and argv[1] == "verify" and (len(argv) - 3) % 2 == 0:
        verify_all(argv[2], [argv[i:i + 2] for i in range(3, len(argv), 2)])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
