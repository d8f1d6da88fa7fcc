"""KL divergence of a model's next-token distributions from a reference model's, as
llama.cpp's `perplexity --kl-divergence` reports it, written from the definitions for the
tests of src/eval/kl_divergence.h:

  windows i = 0, 1, ... with inputs ids[iT : iT+T], targets ids[iT+1 : iT+T+1],
  iT+T+1 <= N; positions first..T-1 of each scored;
  KL(P || Q) = sum_v P(v) (log P(v) - log Q(v)), P the reference's softmax;
  mean KL with standard error sqrt((mean(KL^2) - mean^2) / (n-1)); percentiles by linear
  interpolation (numpy's default); top-1 agreement (argmax, first of equal maxima) with
  sqrt(p(1-p)/(n-1)); RMS of Q(target) - P(target); perplexity exp(mean NLL) per model."""
import numpy as np
import torch

import models


def _stats(lp, lq, y):
    """lp, lq: (n, V) float64 logits of the reference and the model; y: (n,) targets."""
    logp = torch.log_softmax(lp, dim=-1)
    logq = torch.log_softmax(lq, dim=-1)
    kl = (logp.exp() * (logp - logq)).sum(-1).numpy()
    nll_p = -logp.gather(1, y.view(-1, 1)).view(-1)
    nll_q = -logq.gather(1, y.view(-1, 1)).view(-1)
    dp = (-nll_q).exp() - (-nll_p).exp()
    same = (np.argmax(lp.numpy(), axis=-1) == np.argmax(lq.numpy(), axis=-1)).astype(np.float64)
    n = kl.size
    mean = kl.mean()
    top1 = same.mean()
    out = {
        "positions": n,
        "loss_reference": nll_p.mean().item(),
        "loss_model": nll_q.mean().item(),
        "ppl_reference": np.exp(nll_p.mean().item()),
        "ppl_model": np.exp(nll_q.mean().item()),
        "kl_mean": mean,
        "kl_stderr": np.sqrt(((kl * kl).mean() - mean * mean) / (n - 1)),
        "kl_median": np.percentile(kl, 50),
        "kl_p99": np.percentile(kl, 99),
        "kl_p999": np.percentile(kl, 99.9),
        "kl_max": kl.max(),
        "top1_agreement": top1,
        "top1_stderr": np.sqrt(top1 * (1 - top1) / (n - 1)),
        "rms_delta_p": torch.sqrt((dp * dp).mean()).item(),
    }
    return {k: torch.tensor([float(v)], dtype=torch.float64) for k, v in out.items()}


def stats(t, args):
    """The statistics of given logits: t['reference'], t['model'] (n, V), t['targets'] (n,)."""
    return _stats(t["reference"], t["model"], t["targets"].long())


def divergence(t, args):
    """args: {reference: DIR, model: DIR, T, first}; t['tokens'] 1-D. Both checkpoints run
    by the float64 reference decoders (tests/reference/models.py) over the windows."""
    ids, T, first = t["tokens"].long(), args["T"], args["first"]
    W = (ids.numel() - 1) // T
    x = ids[:W * T].view(W, T)
    y = ids[1:W * T + 1].view(W, T)[:, first:].reshape(-1)
    logits = []
    for d in (args["reference"], args["model"]):
        cfg, sd = models.load(d)
        lg = models.forward(cfg, sd, x)
        logits.append(lg[:, first:, :].reshape(W * (T - first), -1))
    out = _stats(logits[0], logits[1], y)
    out["windows"] = torch.tensor([float(W)], dtype=torch.float64)
    return out
