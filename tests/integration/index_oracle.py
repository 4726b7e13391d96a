"""index_oracle.py — what `mlprov index query` must answer, worked out
independently of the index: from an `mlprov index export` (records in id
order, the signed statements themselves), for the lineage-shaped queries of
test_index_query.sh. It follows docs/index.md: seeds in (finish time, id)
order, then breadth-first levels, each in id order after any record placed
there before the walk, a record listed once, reached from the first record of
the level before it (in result order) by the smallest base digest; --model's
descendants start with the records naming the digest as their base model.

  index_oracle.py expect EXPORT QUERIES   expected summaries, one block a query
  index_oracle.py summary QUERIES JSON... the same summary of the query outputs

A query line: "dataset NAME", "window SINCE UNTIL" (--affected), "dependency
BASE" (--affected) or "model HEX". A summary: one line of counts, then one
line a record: "ENVELOPE MATCH DEPTH BASE PEER" ("-" when absent).
"""
import base64
import datetime
import json
import sys


def digest_key(d):
    if not d:
        return ""
    if "sha256" in d:
        return d["sha256"].lower()
    alg = sorted(d)[0]
    return ("%s:%s" % (alg, d[alg])).lower()


def micros(t):
    dt = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1000000 + dt.microsecond


def load(path):
    recs = []
    for i, line in enumerate(open(path)):
        j = json.loads(line)
        st = json.loads(base64.b64decode(j["dsseEnvelope"]["payload"]))
        pred = st["predicate"]
        md = pred["runDetails"].get("metadata", {})
        t = md.get("finishedOn") or md.get("startedOn")
        deps = pred["buildDefinition"].get("resolvedDependencies", [])
        kind = lambda d: d.get("annotations", {}).get("kind")
        recs.append({
            "id": i + 1,
            "env": j["mlprovIndex"]["envelopeSha256"],
            "t": micros(t) if t else None,
            "subjects": [digest_key(s.get("digest")) for s in st["subject"]],
            "bases": [digest_key(d.get("digest")) for d in deps if kind(d) == "base-model" and digest_key(d.get("digest"))],
            "datasets": [d.get("name", "") for d in deps if kind(d) == "dataset"],
            "purls": [d.get("uri", "") for d in deps if d.get("uri", "").startswith("pkg:")],
        })
    return recs


def seeds(recs, pred):
    return sorted((r for r in recs if pred(r)), key=lambda r: (r["t"], r["id"]))


def walk(recs, start, down, into, skip):
    """into: list of [rec, depth, base, peer]; appends the walk's levels."""
    by_subject, by_base, by_id = {}, {}, {r["id"]: r for r in recs}
    for r in recs:
        for s in r["subjects"]:
            by_subject.setdefault(s, []).append(r)
        for b in r["bases"]:
            by_base.setdefault(b, []).append(r)

    def out_edges(r):  # (base, to)
        edges = set()
        if down:
            for s in r["subjects"]:
                for c in by_base.get(s, []):
                    edges.add((s, c["id"]))
        else:
            for b in r["bases"]:
                for p in by_subject.get(b, []):
                    edges.add((b, p["id"]))
        return [(b, i, by_id[i]) for b, i in sorted(edges)]

    placed = {e[0]["id"] for e in into} | {r["id"] for r in skip}
    front = list(start)
    for depth in range(1, 1001):
        level = []
        for f in front:
            for base, tid, to in out_edges(f):
                if tid in placed:
                    continue
                placed.add(tid)
                level.append([to, depth, base, f])
        level.sort(key=lambda e: e[0]["id"])
        into.extend(level)
        front = [e[0] for e in into if e[1] == depth]
        if not front:
            break


def line(rec, depth, base, peer):
    return "%s %s %d %s %s" % (rec["env"], "lineage" if depth else "direct", depth, base or "-",
                               peer["env"] if peer else "-")


def expect(export, queries):
    recs = load(export)
    for q in open(queries):
        w = q.split()
        if not w:
            continue
        print("query", " ".join(w))
        if w[0] == "model":
            key = w[1]
            main = seeds(recs, lambda r: key in r["subjects"])
            ids = {r["id"] for r in main}
            anc, desc = [], []
            for r in recs:
                if key in r["bases"] and r["id"] not in ids:
                    desc.append([r, 1, key, None])
            walk(recs, main, False, anc, main)
            walk(recs, main, True, desc, main)
            print("count=%d ancestors=%d descendants=%d" % (len(main), len(anc), len(desc)))
            for r in main:
                print("records", line(r, 0, None, None))
            for e in anc:
                print("ancestors", line(*e))
            for e in desc:
                print("descendants", line(*e))
            continue
        if w[0] == "dataset":
            main = seeds(recs, lambda r: w[1] in r["datasets"])
        elif w[0] == "window":
            lo, hi = micros(w[1]), micros(w[2])
            main = seeds(recs, lambda r: r["t"] is not None and lo <= r["t"] <= hi)
        elif w[0] == "dependency":
            main = seeds(recs, lambda r: any(p.split("@")[0] == w[1] for p in r["purls"]))
        res = [[r, 0, None, None] for r in main]
        walk(recs, main, True, res, [])
        print("count=%d direct=%d throughLineage=%d" % (len(res), len(main), len(res) - len(main)))
        for e in res:
            print("results", line(*e))


def summary(queries, paths):
    for label, p in zip([l for l in open(queries) if l.split()], paths):
        j = json.load(open(p))
        q = j["query"]
        env = {}
        for k in ("results", "records", "ancestors", "descendants"):
            for r in j.get(k, []):
                env[r["envelopeSha256"]] = r

        def row(r):
            via = r.get("via", {})
            peer = via.get("parent", via.get("child"))
            base = via.get("baseDigest")
            base = base[7:] if base and base.startswith("sha256:") else base
            assert (r["match"] == "direct") == (r["depth"] == 0), r
            return "%s %s %d %s %s" % (r["envelopeSha256"], r["match"], r["depth"], base or "-", peer or "-")

        print("query", " ".join(label.split()))
        if q["kind"] == "model":
            print("count=%d ancestors=%d descendants=%d" % (j["count"], len(j["ancestors"]), len(j["descendants"])))
            for k in ("records", "ancestors", "descendants"):
                for r in j[k]:
                    print(k, row(r))
        else:
            print("count=%d direct=%d throughLineage=%d" % (j["count"], j["direct"], j["throughLineage"]))
            for r in j["results"]:
                print("results", row(r))


if __name__ == "__main__":
    if sys.argv[1] == "expect":
        expect(sys.argv[2], sys.argv[3])
    else:
        summary(sys.argv[2], sys.argv[3:])
