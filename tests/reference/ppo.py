"""PyTorch reference for RLHF with PPO, written from the definitions TRL's PPOTrainer
uses (compute_rewards, compute_advantages, masked_whiten, loss, AdaptiveKLController):

  rewards    r_t = -beta * (logp_t - ref_logp_t), plus the score at the row's last response token
  GAE        delta_t = r_t + gamma * V_{t+1} - V_t,  A_t = delta_t + gamma * lam * A_{t+1},
             returns = A + V, then A whitened over the masked entries
  loss       pg = masked mean of max(-A * r, -A * clip(r, 1 - eps, 1 + eps)), r = exp(logp - old_logp)
             vf = 1/2 masked mean of max((v - R)^2, (clip(v, v_old - eps_v, v_old + eps_v) - R)^2)
             loss = pg + vf_coef * vf
  beta       beta *= 1 + clip(kl / target - 1, -0.2, 0.2) * n_steps / horizon

All (N, T) tensors use the C++ layout: mask 1 at response tokens."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def masked_mean(x, mask):
    return (x * mask).sum() / mask.sum()


def masked_var(x, mask, unbiased=True):
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    if unbiased:
        n = mask.sum()
        var = var * n / (n - 1)
    return var


def masked_whiten(x, mask, shift_mean=True):
    mean, var = masked_mean(x, mask), masked_var(x, mask)
    out = (x - mean) * torch.rsqrt(var + 1e-8)
    return out if shift_mean else out + mean


def advantages(rewards, values, mask, gamma, lam, whiten_rewards):
    values, rewards = values * mask, rewards * mask
    if whiten_rewards:
        rewards = masked_whiten(rewards, mask, shift_mean=False)
    T = rewards.shape[1]
    last = torch.zeros(rewards.shape[0], dtype=rewards.dtype)
    rev = []
    for t in reversed(range(T)):
        nxt = values[:, t + 1] if t < T - 1 else torch.zeros_like(last)
        delta = rewards[:, t] + gamma * nxt - values[:, t]
        last = delta + gamma * lam * last
        rev.append(last)
    adv = torch.stack(rev[::-1], dim=1)
    returns = adv + values
    return masked_whiten(adv, mask), returns


def kl_rewards(logp, ref_logp, mask, scores, last, beta):
    kl = (logp - ref_logp) * mask
    r = -beta * kl
    r[torch.arange(r.shape[0]), last] += scores
    return r, kl.sum(1).mean()


def ppo_loss(logp, values, old_logp, old_values, adv, returns, mask, cliprange, cliprange_value, vf_coef):
    vclip = torch.clamp(values, old_values - cliprange_value, old_values + cliprange_value)
    vf1, vf2 = (values - returns) ** 2, (vclip - returns) ** 2
    vf = 0.5 * masked_mean(torch.max(vf1, vf2), mask)
    ratio = torch.exp(logp - old_logp)
    pg1 = -adv * ratio
    pg2 = -adv * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
    pg = masked_mean(torch.max(pg1, pg2), mask)
    stats = {
        "pg_loss": pg, "vf_loss": vf,
        "pg_clipfrac": masked_mean(torch.gt(pg2, pg1).double(), mask),
        "vf_clipfrac": masked_mean(torch.gt(vf2, vf1).double(), mask),
        "approx_kl": 0.5 * masked_mean((logp - old_logp) ** 2, mask),
        "policy_kl": masked_mean(old_logp - logp, mask),
        "ratio_mean": masked_mean(ratio, mask),
    }
    return pg + vf_coef * vf, stats


def gae(t, args):
    """t: rewards, values, mask (N, T); args["cases"][i]: gamma, lam, whiten_rewards.
    Returns "c{i}.advantages", "c{i}.returns", and whiten / whiten_keep_mean (masked_whiten
    of the rewards)."""
    out = {"whiten": masked_whiten(t["rewards"], t["mask"]),
           "whiten_keep_mean": masked_whiten(t["rewards"], t["mask"], shift_mean=False)}
    for i, c in enumerate(args["cases"]):
        adv, ret = advantages(t["rewards"], t["values"], t["mask"], c["gamma"], c["lam"], c["whiten_rewards"])
        out[f"c{i}.advantages"], out[f"c{i}.returns"] = adv, ret
    return out


def kl_controller(t, args):
    """t: kls (S); args: init, target, horizon, n_steps. Returns the adaptive coefficient
    before each update and after the last ("adaptive", S + 1) and the fixed one ("fixed")."""
    value, out = args["init"], [args["init"]]
    for kl in t["kls"].tolist():
        err = min(max(kl / args["target"] - 1.0, -0.2), 0.2)
        value *= 1.0 + err * args["n_steps"] / args["horizon"]
        out.append(value)
    return {"adaptive": torch.tensor(out, dtype=torch.float64),
            "fixed": torch.full((len(out),), args["init"], dtype=torch.float64)}


def loss(t, args):
    """Case i: "c{i}.logp", "values", "old_logp", "old_values", "advantages", "returns",
    "mask" (N, T) and "g" (a scalar upstream gradient); args["cases"][i]: cliprange,
    cliprange_value, vf_coef. Returns "c{i}.loss", "c{i}.dlogp", "c{i}.dvalues" and the stats."""
    out = {}
    for i, c in enumerate(args["cases"]):
        p = f"c{i}."
        logp = t[p + "logp"].clone().requires_grad_(True)
        values = t[p + "values"].clone().requires_grad_(True)
        total, stats = ppo_loss(logp, values, t[p + "old_logp"], t[p + "old_values"], t[p + "advantages"],
                                t[p + "returns"], t[p + "mask"], c["cliprange"], c["cliprange_value"], c["vf_coef"])
        (total * t[p + "g"]).backward()
        out[p + "loss"] = total.detach().reshape(())
        out[p + "dlogp"] = logp.grad
        out[p + "dvalues"] = values.grad
        for k, v in stats.items():
            out[p + k] = v.detach().reshape(1)
    return out


def end_to_end(t, args):
    """A tiny GPT-2 (the checkpoint in args["model_dir"]) with
    a value head (t: vh_w (1, C), vh_b (1)), one PPO minibatch: t: ids, targets (N, T; -100
    off the response), old_logp, ref_logp, old_values (N, T), scores (N), last (N, the
    column of each row's last response token); args: beta, gamma, lam, whiten_rewards,
    cliprange, cliprange_value, vf_coef. Rewards with the KL penalty -> GAE -> the clipped
    loss of the model's current log-probs and values -> gradients. Returns rewards,
    advantages, returns, loss, mean_kl, grad:<param> (HF layout) and grad:v_head.summary.*."""
    cfg, sd = models.load(args["model_dir"])
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    vh_w = t["vh_w"].clone().requires_grad_(True)
    vh_b = t["vh_b"].clone().requires_grad_(True)
    targets = t["targets"].long()
    mask = (targets != -100).double()
    rewards, mean_kl = kl_rewards(t["old_logp"], t["ref_logp"], mask, t["scores"], t["last"].long(), args["beta"])
    adv, ret = advantages(rewards, t["old_values"], mask, args["gamma"], args["lam"], args["whiten_rewards"])
    # Final hidden states: the decoder with an identity head (GPT-2 ties the head to wte).
    C = cfg["n_embd"]
    hsd = dict(params)
    hsd["lm_head.weight"] = torch.eye(C, dtype=torch.float64)
    h = models.forward(cfg, hsd, t["ids"].long())
    logits = h @ params["transformer.wte.weight"].t()
    lp = torch.log_softmax(logits, -1).gather(2, torch.where(targets >= 0, targets, 0)[..., None])[..., 0] * mask
    values = (h @ vh_w.t())[..., 0] + vh_b
    total, _ = ppo_loss(lp, values, t["old_logp"], t["old_values"], adv, ret, mask, args["cliprange"],
                        args["cliprange_value"], args["vf_coef"])
    total.backward()
    out = {"rewards": rewards, "advantages": adv, "returns": ret, "loss": total.detach().reshape(()),
           "mean_kl": mean_kl.reshape(1), "logp": lp.detach(), "values": values.detach(),
           "grad:v_head.summary.weight": vh_w.grad, "grad:v_head.summary.bias": vh_b.grad}
    for k, v in params.items():
        out["grad:" + k] = v.grad
    return out
