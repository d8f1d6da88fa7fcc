"""Reference for the sense separation of word vectors, written from its definition: per word,
the mean cosine over pairs of occurrences of the same sense ("same") and of different senses
("cross"), their difference, and the leave-one-out nearest-centroid accuracy (centroid = mean of
the unit vectors of a sense's other occurrences; senses within 1e-9 of the best cosine share
the vote).

The vector of an occurrence:
  --per-token FILE  JSON lines of `lmforge embed --per-token` (one line a context, in order):
                    the mean of the vectors of the tokens whose characters overlap the word
                    (token spans from the tokens' strings; the texts are ASCII)
  --vectors FILE    word2vec text format: the vector of the context's word (one a word)

usage: sense_separation.py CONTEXTS.jsonl (--per-token FILE | --vectors FILE)
       -> JSON {"words": {word: {same, cross, separation, accuracy}}, "mean": {...}}"""
import json
import math
import sys


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def main():
    contexts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    vecs = []
    if sys.argv[2] == "--per-token":
        lines = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8") if l.strip()]
        for c, line in zip(contexts, lines):
            pos, acc, n = 0, None, 0
            for tok, v in zip(line["tokens"], line["embeddings"]):
                lo, hi = pos, pos + len(tok.encode("utf-8"))
                pos = hi
                if hi <= c["start"] or lo >= c["end"]:
                    continue
                acc = list(v) if acc is None else [a + b for a, b in zip(acc, v)]
                n += 1
            vecs.append([a / n for a in acc])
    else:
        table = {}
        with open(sys.argv[3], encoding="utf-8") as f:
            f.readline()
            for line in f:
                parts = line.rstrip("\n").rstrip(" ").split(" ")
                table.setdefault(parts[0], [float(x) for x in parts[1:]])
        for c in contexts:
            vecs.append(table[c["word"]])
    out = {"words": {}}
    for word in sorted({c["word"] for c in contexts}):
        idx = [i for i, c in enumerate(contexts) if c["word"] == word]
        u = [unit(vecs[i]) for i in idx]
        s = [contexts[i]["sense"] for i in idx]
        same, cross = [], []
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                (same if s[a] == s[b] else cross).append(cos(u[a], u[b]))
        right = 0.0
        for a in range(len(idx)):
            scores = {}
            for sense in sorted(set(s)):
                members = [u[b] for b in range(len(idx)) if s[b] == sense and b != a]
                centroid = [sum(col) / len(members) for col in zip(*members)]
                scores[sense] = cos(u[a], centroid)
            best = max(scores.values())
            tied = [k for k, v in scores.items() if v >= best - 1e-9]
            if s[a] in tied:
                right += 1 / len(tied)
        w = {"same": sum(same) / len(same), "cross": sum(cross) / len(cross), "accuracy": right / len(idx)}
        w["separation"] = w["same"] - w["cross"]
        out["words"][word] = w
    keys = ("same", "cross", "separation", "accuracy")
    out["mean"] = {k: sum(w[k] for w in out["words"].values()) / len(out["words"]) for k in keys}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
