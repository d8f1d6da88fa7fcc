"""PyTorch reference for the fused cross-entropy.

Case i: "c{i}.logits" (N, V), "c{i}.targets" (N, int32), "c{i}.g" (a scalar upstream
gradient); args["cases"][i]["ignore_index"]. Returns "c{i}.loss" =
F.cross_entropy(reduction='mean', ignore_index=...) (0, with zero gradient, when every
target is ignored: PyTorch itself gives NaN there) and "c{i}.dlogits" = d(loss * g)/d(logits);
for small cases "c{i}.gradcheck" = 1 when torch.autograd.gradcheck agrees with the
reference's gradient."""
import torch
import torch.nn.functional as F

GRADCHECK_MAX_ELEMENTS = 400


def _loss(logits, targets, ignore_index):
    if bool((targets == ignore_index).all()):
        return (logits * 0).sum()
    return F.cross_entropy(logits, targets, reduction="mean", ignore_index=ignore_index)


def cases(t, args):
    out = {}
    for i, case in enumerate(args["cases"]):
        p = f"c{i}."
        targets = t[p + "targets"].long()
        ii = case["ignore_index"]
        logits = t[p + "logits"].clone().requires_grad_(True)
        loss = _loss(logits, targets, ii)
        (loss * t[p + "g"]).sum().backward()
        out[p + "loss"] = loss.detach().reshape(())
        out[p + "dlogits"] = logits.grad
        if logits.numel() <= GRADCHECK_MAX_ELEMENTS:
            fresh = t[p + "logits"].clone().requires_grad_(True)
            ok = torch.autograd.gradcheck(lambda x: _loss(x, targets, ii), (fresh,), eps=1e-6, atol=1e-7,
                                          raise_exception=False)
            out[p + "gradcheck"] = torch.tensor([1.0 if ok else 0.0])
    return out


def token_logprobs(t, args):
    """Case i: "c{i}.logits" (N, V), "c{i}.targets" (N), "c{i}.g" (N). Returns
    "c{i}.logprobs" = log_softmax(logits).gather(targets), 0 where the target is ignored,
    and "c{i}.dlogits" = d(sum(logprobs * g))/d(logits)."""
    out = {}
    for i, case in enumerate(args["cases"]):
        p = f"c{i}."
        targets = t[p + "targets"].long()
        keep = targets != case["ignore_index"]
        logits = t[p + "logits"].double().requires_grad_(True)
        lp = torch.log_softmax(logits, dim=-1).gather(1, torch.where(keep, targets, 0)[:, None])[:, 0]
        lp = torch.where(keep, lp, torch.zeros_like(lp))
        (lp * t[p + "g"].double()).sum().backward()
        out[p + "logprobs"] = lp.detach().float()
        out[p + "dlogits"] = logits.grad.float()
    return out
