"""Few-shot prompts written from their definition (lm-evaluation-harness's form), the
reference for lmforge's few-shot builder.

Reads {"pool": [{"input","output"}...], "cases": [{"query","k","select","seed",
"description"}...]} from the JSON file named on the command line and prints
{"prompts": [...]}, one prompt a case:

  description + sum over shots (input + " " + output + "\\n\\n") + query
  (a shot with an empty output adds its input alone)

Pool entries whose input equals the query are never shown. random: the first k usable
entries of random.Random(seed).sample(range(n), k + the entries left out). similar: the
k usable entries with the best positive BM25 score (k1 1.2, b 0.75; ties by pool order),
the most similar last; fewer than k: the rest drawn as random draws them (entries already
chosen counted as left out), placed before them.
"""
import json
import random
import sys

import bm25


def select(pool, query, k, how, seed):
    usable = [p["input"] != query for p in pool]
    chosen = []
    if how == "similar":
        scores = bm25.scores_of([bm25.analyze(p["input"]) for p in pool], query, 1.2, 0.75)
        ranked = sorted((i for i in range(len(pool)) if scores[i] > 0), key=lambda i: (-scores[i], i))
        chosen = [i for i in ranked if usable[i]][:k]
        chosen.reverse()
    if len(chosen) < k:
        n = len(pool)
        skipped = usable.count(False) + len(chosen)
        drawn = random.Random(seed).sample(range(n), min(n, k - len(chosen) + skipped))
        extra = [i for i in drawn if usable[i] and i not in chosen][: k - len(chosen)]
        chosen = extra + chosen
    return chosen


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    pool = spec["pool"]
    prompts = []
    for c in spec["cases"]:
        out = c.get("description", "")
        for i in select(pool, c["query"], c["k"], c["select"], c["seed"]):
            out += pool[i]["input"]
            if pool[i]["output"] != "":
                out += " " + pool[i]["output"] + "\n\n"
        prompts.append(out + c["query"])
    json.dump({"prompts": prompts}, sys.stdout)


main()
