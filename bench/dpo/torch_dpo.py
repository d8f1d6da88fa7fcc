"""PyTorch side of bench/dpo: DPO steps as TRL's DPOTrainer runs them (concatenated
forward of the chosen and the rejected sequences, right-padded; log_softmax of the logits
gathered at the response tokens and summed; the sigmoid loss against reference
log-probabilities computed once before training; backward, clip_grad_norm_ 1.0, AdamW
betas 0.9/0.999, no weight decay) on the checkpoint in MODEL_DIR (HF layout, loaded
through tests/reference/models.py), float32. Prints JSON: the median step time after two
warm-up steps, every step's time, the reference pass time, the threads, and the mean
chosen and rejected log-probabilities of step 1 (to check both sides compute the same).

usage: torch_dpo.py MODEL_DIR PAIRS_JSON STEPS THREADS [full|response]
  full      logits at every position, as TRL computes them (default)
  response  the LM head only at the response positions (what lmforge does)"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import models, optimizer_step, warm_median  # noqa: E402


def batch(pairs):
    """ids, targets (2N, T): chosen rows then rejected rows; targets -100 off the response."""
    seqs = [(p["prompt"], p[side]) for side in ("chosen", "rejected") for p in pairs]
    T = max(len(a) + len(b) - 1 for a, b in seqs)
    ids = torch.zeros(len(seqs), T, dtype=torch.long)
    tgt = torch.full((len(seqs), T), -100, dtype=torch.long)
    for n, (a, b) in enumerate(seqs):
        s = torch.tensor(a + b)
        ids[n, :len(s) - 1] = s[:-1]
        tgt[n, len(a) - 1:len(s) - 1] = s[len(a):]
    return ids, tgt


def logps(cfg, params, ids, tgt, head):
    keep = tgt != -100
    if head == "full":
        logits = models.forward(cfg, params, ids)
        lp = logits.log_softmax(-1).gather(2, torch.where(keep, tgt, 0)[..., None])[..., 0]
        return torch.where(keep, lp, torch.zeros_like(lp)).sum(1)
    # the final hidden states (the reference forward with an identity head), then the
    # head at the response positions only
    w = params.get("lm_head.weight", params["transformer.wte.weight"])
    h = models.forward(cfg, dict(params, **{"lm_head.weight": torch.eye(w.shape[1])}), ids)
    rows = keep.nonzero(as_tuple=True)
    lp = (h[rows] @ w.t()).log_softmax(-1).gather(1, tgt[rows][:, None])[:, 0]
    return torch.zeros(ids.shape[0], dtype=lp.dtype).index_add(0, rows[0], lp)


def main():
    model_dir, pairs_path, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    head = sys.argv[5] if len(sys.argv) > 5 else "full"
    torch.set_num_threads(threads)
    cfg, sd = models.load(model_dir, torch.float32)
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    pairs = json.load(open(pairs_path))
    N = len(pairs)
    ids, tgt = batch(pairs)
    beta = 0.1
    t0 = time.perf_counter()
    with torch.no_grad():
        ref = logps(cfg, params, ids, tgt, head)
    ref_s = time.perf_counter() - t0
    opt = torch.optim.AdamW(list(params.values()), lr=1e-6, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    times, first_logps = [], None
    for _ in range(steps):
        t0 = time.perf_counter()
        lp = logps(cfg, params, ids, tgt, head)
        if first_logps is None:
            first_logps = [lp[:N].mean().item(), lp[N:].mean().item()]
        logits = (lp[:N] - lp[N:]) - (ref[:N] - ref[N:])
        loss = -F.logsigmoid(beta * logits).mean()
        optimizer_step(opt, list(params.values()), loss)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"step_s": warm_median(times), "steps_s": times, "reference_s": ref_s, "threads": threads,
                      "head": head, "step1_logps": first_logps}))


if __name__ == "__main__":
    main()
