"""PyTorch side of bench/eval: multiple-choice scoring as lm-evaluation-harness's HFLM scores
a causal model without a shared cache, every choice separately: one forward pass of
(context + continuation)[:-1] per choice through the reference decoder of
tests/reference/models.py (float32, no gradient), log-softmax of the logits, and the sum of
the continuation's log-probabilities. The token ids come from bench_eval's pairs file, so
both sides score identical inputs. Times all documents after one warm-up document.
Prints JSON: seconds, requests/s (one request = one document's choices), the threads, and
every choice's log-likelihood.

usage: torch_eval.py MODEL_DIR PAIRS_JSON THREADS"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import models  # noqa: E402


def score(cfg, sd, context, continuation):
    whole = context + continuation
    inp = torch.tensor([whole[:-1]], dtype=torch.long)
    logp = F.log_softmax(models.forward(cfg, sd, inp)[0], dim=-1)
    rows = logp[-len(continuation):]
    return float(rows.gather(1, torch.tensor(continuation).view(-1, 1)).sum())


def score_doc(cfg, sd, doc):
    return [score(cfg, sd, doc["context"], c) for c in doc["continuations"]]


def main():
    model_dir, pairs_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    cfg, sd = models.load(model_dir, dtype=torch.float32)
    docs = json.load(open(pairs_path))
    with torch.inference_mode():
        score_doc(cfg, sd, docs[0])  # warm-up
        t0 = time.perf_counter()
        lls = [score_doc(cfg, sd, d) for d in docs]
        s = time.perf_counter() - t0
    print(json.dumps({"threads": torch.get_num_threads(), "seconds": s, "requests_per_s": len(docs) / s,
                      "logprobs": lls}))


if __name__ == "__main__":
    main()
