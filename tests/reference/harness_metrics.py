"""lm-evaluation-harness's metrics and standard errors, written from lm_eval/api/metrics.py
and ConfigurableTask.process_results, for the C++ tests.

usage: harness_metrics.py IN.json   (prints one JSON object)

IN: {"mc": [{"lls": [...], "greedy": [...], "choices": [...], "gold": int}, ...],
     "ll": [[logprob, is_greedy], ...], "rolling": [[logprob, text], ...], "bootstrap_iters": N}
"""
import json
import math
import random
import re
import sys

import numpy as np


def mean(arr):
    return sum(arr) / len(arr)


def sample_stddev(arr):
    mu = mean(arr)
    return math.sqrt(sum([(x - mu) ** 2 for x in arr]) / (len(arr) - 1))


def mean_stderr(arr):
    return sample_stddev(arr) / math.sqrt(len(arr))


def perplexity(items):
    return math.exp(-mean(items))


def weighted_mean(items):
    a, b = zip(*items)
    return sum(a) / sum(b)


def weighted_perplexity(items):
    return math.exp(-weighted_mean(items))


def bits_per_byte(items):
    return -weighted_mean(items) / math.log(2)


def bootstrap_stderr(f, xs, iters):
    res = []
    chunk_size = min(1000, iters)
    for i in range(iters // chunk_size):
        rnd = random.Random()
        rnd.seed(i)
        for _ in range(chunk_size):
            res.append(f(rnd.choices(xs, k=len(xs))))
    return sample_stddev(res)


def main():
    spec = json.load(open(sys.argv[1]))
    out = {}
    acc, acc_norm, em = [], [], []
    for d in spec.get("mc", []):
        lls = np.array(d["lls"])
        completion_len = np.array([float(len(c)) for c in d["choices"]])
        pred = np.argmax(lls)
        pred_norm = np.argmax(lls / completion_len)
        gold = d["gold"]
        acc.append(1.0 if pred == gold else 0.0)
        acc_norm.append(1.0 if pred_norm == gold else 0.0)
        em.append(float(int(d["greedy"][gold])))
    if acc:
        out["per_doc"] = {"acc": acc, "acc_norm": acc_norm, "exact_match": em}
        for name, xs in (("acc", acc), ("acc_norm", acc_norm), ("exact_match", em)):
            out[name] = mean(xs)
            out[name + "_stderr"] = mean_stderr(xs)
    if spec.get("ll"):
        lls = [x[0] for x in spec["ll"]]
        out["perplexity"] = perplexity(lls)
        out["perplexity_stderr"] = bootstrap_stderr(perplexity, lls, spec["bootstrap_iters"])
    if spec.get("rolling"):
        words = [(ll, len(re.split(r"\s+", text))) for ll, text in spec["rolling"]]
        nbytes = [(ll, len(text.encode("utf-8"))) for ll, text in spec["rolling"]]
        out["word_perplexity"] = weighted_perplexity(words)
        out["byte_perplexity"] = weighted_perplexity(nbytes)
        out["bits_per_byte"] = bits_per_byte(nbytes)
        out["words"] = [w for _, w in words]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
