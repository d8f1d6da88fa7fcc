"""lm-evaluation-harness's metrics and standard errors, written from lm_eval/api/metrics.py
and ConfigurableTask.process_results, for the C++ tests.

usage: harness_metrics.py IN.json   (prints one JSON object)

IN: {"mc": [{"lls": [...], "greedy": [...], "choices": [...], "gold": int}, ...],
     "ll": [[logprob, is_greedy], ...], "rolling": [[logprob, text], ...], "bootstrap_iters": N,
     "crows": [[ll_more, ll_less], ...],
     "gen": {"filters": [{"name", "filter": [{"function", ...}]}], "exact_match": {kwargs},
             "docs": [{"resps": [...], "gold": str or [str, ...]}]}}

The generation part restates lm_eval/filters (RegexFilter, TakeFirstFilter,
MajorityVoteFilter), exact_match_hf_evaluate and ConfigurableTask.process_results for
generate_until; crows is crows_pairs/utils.py's process_results.
"""
import json
import math
import random
import re
import string
import sys
from collections import Counter

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


def regex_filter(resps, regex_pattern="#### (\\-?[0-9\\.\\,]+)", group_select=0, fallback="[invalid]"):
    regex = re.compile(regex_pattern)
    out = []
    for resp in resps:
        match = regex.findall(resp)
        if match:
            match = match[group_select]
            if isinstance(match, tuple):
                match = [m for m in match if m]
                if match:
                    match = match[0]
                else:
                    match = fallback
            match = match.strip()
        else:
            match = fallback
        out.append(match)
    return out


def apply_filters(steps, resps):
    for st in steps:
        fn = st["function"]
        if fn == "regex":
            kw = {k: v for k, v in st.items() if k != "function"}
            resps = regex_filter(resps, **kw)
        elif fn == "take_first":
            resps = resps[0]
        elif fn == "majority_vote":
            resps = Counter(resps).most_common(1)[0][0]
    return resps


def exact_match_hf(predictions, references, regexes_to_ignore=None, ignore_case=False, ignore_punctuation=False,
                   ignore_numbers=False):
    if regexes_to_ignore is not None:
        for s in regexes_to_ignore:
            predictions = np.array([re.sub(s, "", x) for x in predictions])
            references = np.array([re.sub(s, "", x) for x in references])
    else:
        predictions = np.asarray(predictions)
        references = np.asarray(references)
    if ignore_case:
        predictions = np.char.lower(predictions)
        references = np.char.lower(references)
    if ignore_punctuation:
        repl_table = string.punctuation.maketrans("", "", string.punctuation)
        predictions = np.char.translate(predictions, table=repl_table)
        references = np.char.translate(references, table=repl_table)
    if ignore_numbers:
        repl_table = string.digits.maketrans("", "", string.digits)
        predictions = np.char.translate(predictions, table=repl_table)
        references = np.char.translate(references, table=repl_table)
    score_list = predictions == references
    return {"exact_match": np.mean(score_list)}


def generate_until_results(gen):
    kwargs = gen.get("exact_match", {})
    out = {}
    for f in gen["filters"]:
        filtered, scores = [], []
        for d in gen["docs"]:
            result = apply_filters(f["filter"], list(d["resps"]))
            gold = d["gold"]
            if isinstance(gold, list):  # multiple targets: any match counts
                s = exact_match_hf(references=gold, predictions=[result for _ in gold], **kwargs)["exact_match"]
                score = 1.0 if s > 0.0 else 0.0
            else:
                score = float(exact_match_hf(references=[gold], predictions=[result], **kwargs)["exact_match"])
            filtered.append(result)
            scores.append(score)
        out[f["name"]] = {"filtered": filtered, "exact_match": scores, "mean": mean(scores), "stderr": mean_stderr(scores)}
    return out


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
    if spec.get("gen"):
        out["gen"] = generate_until_results(spec["gen"])
    if spec.get("crows"):
        diff, stereo = [], []
        for likelihood1, likelihood2 in spec["crows"]:
            diff.append(abs(likelihood1 - likelihood2))
            stereo.append(1.0 if likelihood1 > likelihood2 else 0.0)
        out["likelihood_diff"] = diff
        out["pct_stereotype"] = stereo
        for name, xs in (("likelihood_diff", diff), ("pct_stereotype", stereo)):
            out[name + "_mean"] = mean(xs)
            out[name + "_stderr"] = mean_stderr(xs)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
