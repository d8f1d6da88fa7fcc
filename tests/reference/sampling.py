"""Reference for lmforge's sampler: the distribution Hugging Face's generate() draws
from, written from the definitions of its logits processors (repetition penalty,
temperature, top-k, top-p, min-p — in that order)."""
import torch


def distribution(t, args):
    x = t["logits"].clone()  # (V,)
    hist = t["history"].long()
    pen = args["repetition_penalty"]
    if pen != 1.0:
        seen = torch.unique(hist)
        s = x[seen]
        x[seen] = torch.where(s > 0, s / pen, s * pen)
    x = x / args["temperature"]
    k = args["top_k"]
    if 0 < k < x.numel():
        kth = torch.topk(x, k).values[-1]
        x = x.masked_fill(x < kth, float("-inf"))
    p = args["top_p"]
    if p < 1.0:
        srt, idx = torch.sort(x, descending=False)
        cum = srt.softmax(-1).cumsum(-1)
        remove = cum <= (1 - p)
        remove[-1] = False  # keep at least one
        x = x.masked_fill(remove.scatter(0, idx, remove), float("-inf"))
    mp = args["min_p"]
    if mp > 0:
        probs = x.softmax(-1)
        x = x.masked_fill(probs < mp * probs.max(), float("-inf"))
    return {"probs": x.softmax(-1)}
