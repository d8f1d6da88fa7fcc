"""Okapi BM25 written from its definition, the reference for lmforge's BM25 index.

Reads {"docs": [...], "queries": [...], "k1": x, "b": y} as JSON from the file named on
the command line and prints {"scores": [[score(q, d) for d in docs] for q in queries],
"terms": [analyze(d) for d in docs]}.

Analyzer: str.casefold(), then maximal runs of characters that are letters or numbers
(str.isalpha() or str.isnumeric()); anything else separates terms. A query term that
repeats counts once. IDF(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5)).
"""
import json
import math
import sys


def analyze(text):
    terms, cur = [], []
    for ch in text.casefold():
        if ch.isalpha() or ch.isnumeric():
            cur.append(ch)
        elif cur:
            terms.append("".join(cur))
            cur = []
    if cur:
        terms.append("".join(cur))
    return terms


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    k1, b = spec["k1"], spec["b"]
    docs = [analyze(d) for d in spec["docs"]]
    json.dump({"scores": [scores_of(docs, q, k1, b) for q in spec["queries"]], "terms": docs}, sys.stdout)


def scores_of(docs, query, k1, b):
    """BM25 score of `query` against every analyzed document in `docs`."""
    N = len(docs)
    avgdl = sum(len(d) for d in docs) / N
    df = {}
    for d in docs:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    row = []
    for d in docs:
        s = 0.0
        for t in set(analyze(query)):
            tf = d.count(t)
            if tf == 0:
                continue
            idf = math.log(1 + (N - df[t] + 0.5) / (df[t] + 0.5))
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        row.append(s)
    return row


if __name__ == "__main__":
    main()
