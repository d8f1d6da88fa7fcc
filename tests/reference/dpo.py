"""PyTorch reference for DPO (Rafailov et al., 2023: "Direct Preference Optimization"),
the loss as TRL's DPOTrainer computes it with loss_type "sigmoid" (no label smoothing):

    logits = (policy_chosen - policy_rejected) - (ref_chosen - ref_rejected)
    loss   = mean(-logsigmoid(beta * logits))
    rewards/chosen = beta * (policy_chosen - ref_chosen), rewards/rejected likewise

where each log-probability is the sum over a response's tokens of log p(token | prefix),
prompt tokens not scored."""
import torch
import torch.nn.functional as F

import models
import peft


def _dpo(pc, pr, rc, rr, beta):
    logits = (pc - pr) - (rc - rr)
    return (-F.logsigmoid(beta * logits)).mean()


def loss(t, args):
    """Case i: "c{i}.pc", "c{i}.pr", "c{i}.rc", "c{i}.rr" (N) summed log-probabilities,
    "c{i}.g" a scalar upstream gradient; args["cases"][i]["beta"]. Returns "c{i}.loss",
    "c{i}.d<name>" = d(loss * g)/d(<name>) for all four inputs, and "c{i}.rewards_chosen",
    "c{i}.rewards_rejected" (TRL's implicit rewards)."""
    out = {}
    for i, case in enumerate(args["cases"]):
        p = f"c{i}."
        beta = case["beta"]
        x = {k: t[p + k].clone().requires_grad_(True) for k in ("pc", "pr", "rc", "rr")}
        value = _dpo(x["pc"], x["pr"], x["rc"], x["rr"], beta)
        (value * t[p + "g"]).sum().backward()
        out[p + "loss"] = value.detach().reshape(())
        for k, v in x.items():
            out[p + "d" + k] = v.grad
        out[p + "rewards_chosen"] = beta * (t[p + "pc"] - t[p + "rc"])
        out[p + "rewards_rejected"] = beta * (t[p + "pr"] - t[p + "rr"])
    return out


def _response_logps(cfg, sd, ids, targets, hooks=None):
    """Summed log-probabilities of the targets (-100: not scored) of each row (B, T)."""
    logits = models.forward(cfg, sd, ids, hooks)
    lp = torch.log_softmax(logits, dim=-1)
    keep = targets != -100
    tok = lp.gather(2, torch.where(keep, targets, 0)[..., None])[..., 0]
    return torch.where(keep, tok, torch.zeros_like(tok)).sum(1)


def model_grads(t, args):
    """DPO on a whole decoder. t["ids"], t["targets"] (2N, T): rows 0..N-1 the chosen
    sequences, rows N..2N-1 the rejected ones (targets -100 outside the responses).
    args: {policy_dir, ref_dir, beta} and optionally adapter_dir: then the policy is the
    model in policy_dir with that LoRA adapter (tests/reference/peft.py) and the reference is
    the same model without it (ref_dir ignored). Returns loss, policy_logps and ref_logps
    (2N), and grad:<name> of every policy parameter (HF layout), or of every adapter tensor."""
    ids, targets, beta = t["ids"].long(), t["targets"].long(), args["beta"]
    N = ids.shape[0] // 2
    cfg, sd = models.load(args["policy_dir"])
    if "adapter_dir" in args:
        acfg, tensors = peft.load_adapter(args["adapter_dir"])
        trained = {k: v.clone().requires_grad_(True) for k, v in tensors.items()}
        with torch.no_grad():
            ref = _response_logps(cfg, sd, ids, targets)
        policy = _response_logps(cfg, sd, ids, targets, peft.Peft(cfg, acfg, trained))
    else:
        rcfg, rsd = models.load(args["ref_dir"])
        with torch.no_grad():
            ref = _response_logps(rcfg, rsd, ids, targets)
        trained = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
        policy = _response_logps(cfg, trained, ids, targets)
    value = _dpo(policy[:N], policy[N:], ref[:N], ref[N:], beta)
    value.backward()
    out = {"loss": value.detach().reshape(1), "policy_logps": policy.detach(), "ref_logps": ref}
    for k, v in trained.items():
        out["grad:" + k] = v.grad
    return out


def write_adapter(t, args):
    """args: {config, adapter_config, dir, seed}: a random adapter in PEFT's layout (every
    tensor nonzero, so the policy differs from its base)."""
    peft.write_adapter(args["config"], args["adapter_config"], args["dir"], args["seed"])
    return {}
