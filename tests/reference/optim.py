"""PyTorch references for src/core/optim/: AdamW, SGD, clip_grad_norm_ and the lr schedule.

Parameters arrive as p.<i> (initial values) and gradients as g.<i> with a leading step
dim (g.<i>[s] is the gradient of p.<i> at step s). The oracle passes floats as float64;
these references cast to float32 first, so they compute what PyTorch computes in fp32.
"""
import math

import torch


def _params(t):
    n = sum(1 for k in t if k.startswith("p."))
    return [t[f"p.{i}"].float() for i in range(n)], [t[f"g.{i}"].float() for i in range(n)]


def _run(t, args, make_opt, per_config_state):
    """Runs every config in args["configs"]; each has "lr" (one value per step) and
    optionally "skip" ([param, step] pairs where the parameter gets no gradient)."""
    p0, grads = _params(t)
    out = {}
    for c, cfg in enumerate(args["configs"]):
        ps = [p.clone().requires_grad_(True) for p in p0]
        groups = [{"params": [p for p in ps if p.dim() >= 2], "weight_decay": cfg["wd"]},
                  {"params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0}]
        opt = make_opt(groups, cfg)
        skip = {tuple(s) for s in cfg.get("skip", [])}
        for s, lr in enumerate(cfg["lr"]):
            for g in opt.param_groups:
                g["lr"] = lr
            for i, p in enumerate(ps):
                p.grad = None if (i, s) in skip else grads[i][s].clone()
            opt.step()
        for i, p in enumerate(ps):
            out[f"c{c}.p.{i}"] = p.detach()
            st = opt.state.get(p, {})
            for name in per_config_state:
                if st.get(name) is not None:
                    v = st[name]
                    out[f"c{c}.{name}.{i}"] = v.reshape([]) if name == "step" else v
    return out


def adamw(t, args):
    def make(groups, cfg):
        return torch.optim.AdamW(groups, lr=cfg["lr"][0], betas=tuple(cfg["betas"]), eps=cfg["eps"])
    return _run(t, args, make, ["step", "exp_avg", "exp_avg_sq"])


def sgd(t, args):
    def make(groups, cfg):
        return torch.optim.SGD(groups, lr=cfg["lr"][0], momentum=cfg["momentum"], dampening=cfg["dampening"],
                               nesterov=cfg["nesterov"])
    return _run(t, args, make, ["momentum_buffer"])


def clip_grad_norm(t, args):
    """For each max_norm in args["max_norms"]: the total norm and the clipped gradients
    g.<i> (a parameter listed in args["no_grad"] has none)."""
    n = sum(1 for k in t if k.startswith("g."))
    out = {}
    for c, max_norm in enumerate(args["max_norms"]):
        ps = []
        for i in range(n):
            p = torch.zeros_like(t[f"g.{i}"].float(), requires_grad=True)
            p.grad = None if i in args["no_grad"] else t[f"g.{i}"].float().clone()
            ps.append(p)
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        out[f"c{c}.total"] = total.reshape([])
        for i, p in enumerate(ps):
            if p.grad is not None:
                out[f"c{c}.g.{i}"] = p.grad
    return out


def warmup_cosine(t, args):
    """nanoGPT's get_lr with llm.c's warm-up (it + 1) / warmup_iters, for every step in
    range(args["steps"])."""
    lr, min_lr, warmup, total = args["lr"], args["min_lr"], args["warmup"], args["total"]

    def get_lr(it):
        if it < warmup:
            return lr * (it + 1) / warmup
        if it >= total:
            return min_lr
        decay_ratio = (it - warmup) / (total - warmup)
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (lr - min_lr)

    return {"lr": torch.tensor([get_lr(i) for i in range(args["steps"])], dtype=torch.float64)}
