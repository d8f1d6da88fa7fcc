"""Synonym retrieval from WordNet for word vectors, the same for every trainer.

The set: every noun synset of WordNet 3.0 (/usr/share/wordnet/data.noun) with at least two
lemmas that are single lowercase words of letters only (no '_' multi-word lemmas, no
capitalised names), each lemma in the vocabulary of every vectors file given; each ordered
pair (a, b) of distinct such lemmas of a synset is a query (a pair in several synsets
counts once). Metric: recall@10 = the share of queries whose b is among the 10 words of
highest cosine similarity with a over the file's whole vocabulary (a itself left out).

Vectors are read from word2vec's text format with a reader of its own (numpy).

usage: synonyms.py WORDNET_DATA_NOUN NAME=VECTORS.txt ...  -> prints one JSON object"""
import json
import re
import sys

import numpy as np

WORD = re.compile(r"^[a-z]+$")


def read_text_vectors(path):
    with open(path, encoding="utf-8") as f:
        n, d = map(int, f.readline().split())
        words, rows = [], np.zeros((n, d), dtype=np.float32)
        for i in range(n):
            parts = f.readline().split()  # fastText ends each line with a space
            if len(parts) != d + 1:
                raise ValueError(f"{path}: word {i + 1}: {len(parts) - 1} numbers, {d} expected")
            words.append(parts[0])
            rows[i] = np.asarray(parts[1:], dtype=np.float32)
    return words, rows


def synsets(data_noun):
    out = []
    for line in open(data_noun, encoding="utf-8"):
        if line.startswith("  "):
            continue  # the licence header
        f = line.split()
        count = int(f[3], 16)
        lemmas = [f[4 + 2 * i].lower() for i in range(count) if WORD.match(f[4 + 2 * i])]
        lemmas = list(dict.fromkeys(lemmas))
        if len(lemmas) >= 2:
            out.append(lemmas)
    return out


def main():
    data_noun, specs = sys.argv[1], sys.argv[2:]
    models = {}
    for spec in specs:
        name, path = spec.split("=", 1)
        words, m = read_text_vectors(path)
        m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        models[name] = (words, {w: i for i, w in enumerate(words)}, m)
    common = set.intersection(*(set(idx) for _, idx, _ in models.values()))
    pairs = set()
    for lemmas in synsets(data_noun):
        kept = [w for w in lemmas if w in common]
        pairs.update((a, b) for a in kept for b in kept if a != b)
    pairs = sorted(pairs)
    result = {"queries": len(pairs), "query_words": len({a for a, _ in pairs}), "recall_at_10": {}}
    for name, (words, idx, m) in models.items():
        qs = sorted({a for a, _ in pairs})
        top = {}
        for s in range(0, len(qs), 512):
            chunk = qs[s:s + 512]
            sims = m[[idx[a] for a in chunk]] @ m.T
            for r, a in enumerate(chunk):
                sims[r, idx[a]] = -np.inf
            best = np.argpartition(-sims, 10, axis=1)[:, :10]
            for r, a in enumerate(chunk):
                top[a] = {words[j] for j in best[r]}
        hits = sum(b in top[a] for a, b in pairs)
        result["recall_at_10"][name] = hits / max(len(pairs), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
