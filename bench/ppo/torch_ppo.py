"""PyTorch side of bench/ppo: one PPO iteration as TRL's PPOTrainer runs it, on the
checkpoint in MODEL_DIR (HF layout, tests/reference/models.py), float32:

  rollout  B prompts sampled together with a batched KV cache (temperature 1, NEW_TOKENS
           tokens each), then one batched forward pass each for the policy's log-probs and
           values (a Linear(C, 1) value head on the final hidden states) and the frozen
           reference's log-probs
  rewards  the share of even ids in the response at the last token, minus beta * KL per token
  GAE      gamma 1, lam 0.95, whitened advantages (tests/reference/ppo.py)
  update   EPOCHS passes over the batch in shuffled minibatches of MINIBATCH sequences:
           clipped policy and value loss, AdamW(lr 1e-5), gradient-norm clip 1.0

Prompt n is ids (i * 7919 + 13 + 31 * n) % V, i < PROMPT_LEN, as on our side. The first
iteration is a warm-up. Prints JSON with the median iteration, rollout and update times.

usage: torch_ppo.py MODEL_DIR B PROMPT_LEN NEW_TOKENS EPOCHS MINIBATCH ITERATIONS THREADS"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import gpt2_decode_step, models  # noqa: E402
import ppo  # noqa: E402  (tests/reference/ppo.py, on the path through torch_common)


def decode_step(cfg, sd, ids, kc, vc, pos):
    """ids (B, t) at positions pos.. → last-position logits (B, V); kc/vc (L, B, H, S, D) filled in place."""
    T = ids.shape[1]

    def kv(i, k, v):
        kc[i, :, :, pos:pos + T] = k
        vc[i, :, :, pos:pos + T] = v
        return kc[i, :, :, :pos + T], vc[i, :, :, :pos + T]

    return gpt2_decode_step(cfg, sd, ids, pos, kv)


def hidden(cfg, sd, ids):
    """Final hidden states (B, T, C): the reference decoder with an identity head."""
    hsd = dict(sd)
    hsd["lm_head.weight"] = torch.eye(cfg["n_embd"])
    return models.forward(cfg, hsd, ids)


def score(cfg, sd, vh, ids, targets, mask):
    h = hidden(cfg, sd, ids)
    logits = h @ sd["transformer.wte.weight"].t()
    lp = torch.log_softmax(logits, -1).gather(2, torch.where(targets >= 0, targets, 0)[..., None])[..., 0] * mask
    return lp, (vh(h)[..., 0] if vh is not None else None)


def main():
    model_dir = sys.argv[1]
    B, P, N, epochs, mb, iters, threads = (int(a) for a in sys.argv[2:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg, sd = models.load(model_dir, torch.float32)
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    ref = {k: v.clone() for k, v in sd.items()}
    C, L, H, V = cfg["n_embd"], cfg["n_layer"], cfg["n_head"], cfg["vocab_size"]
    vh = torch.nn.Linear(C, 1)
    trainable = list(params.values()) + list(vh.parameters())
    decay = [v for v in trainable if v.dim() >= 2]
    rest = [v for v in trainable if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-5, betas=(0.9, 0.999), eps=1e-8)
    prompts = torch.tensor([[(i * 7919 + 13 + 31 * n) % V for i in range(P)] for n in range(B)])
    beta = 0.2
    times = []
    for _ in range(iters + 1):
        t0 = time.perf_counter()
        # rollout: batched KV-cache sampling
        with torch.no_grad():
            kc = torch.zeros(L, B, H, P + N, C // H)
            vc = torch.zeros(L, B, H, P + N, C // H)
            logits = decode_step(cfg, sd_now(params), prompts, kc, vc, 0)
            out = []
            for s in range(N):
                nxt = torch.multinomial(logits.softmax(-1), 1)  # (B, 1)
                out.append(nxt)
                if s + 1 < N:
                    logits = decode_step(cfg, sd_now(params), nxt, kc, vc, P + s)
            resp = torch.cat(out, 1)
            seq = torch.cat([prompts, resp], 1)
            ids, tgt = seq[:, :-1], seq[:, 1:].clone()
            tgt[:, :P - 1] = -100
            mask = (tgt != -100).float()
            old_lp, old_v = score(cfg, sd_now(params), vh, ids, tgt, mask)
            old_v = old_v * mask
            ref_lp, _ = score(cfg, ref, None, ids, tgt, mask)
            scores = (resp % 2 == 0).float().mean(1)
            last = torch.full((B,), P + N - 2)
            rewards, _ = ppo.kl_rewards(old_lp, ref_lp, mask, scores, last, beta)
            adv, ret = ppo.advantages(rewards, old_v, mask, 1.0, 0.95, False)
        t1 = time.perf_counter()
        # update
        for _ in range(epochs):
            perm = torch.randperm(B)
            for s in range(0, B, mb):
                idx = perm[s:s + mb]
                lp, v = score(cfg, params, vh, ids[idx], tgt[idx], mask[idx])
                loss, _ = ppo.ppo_loss(lp, v, old_lp[idx], old_v[idx], adv[idx], ret[idx], mask[idx], 0.2, 0.2, 0.1)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                opt.step()
        t2 = time.perf_counter()
        times.append((t2 - t0, t1 - t0, t2 - t1))
    warm = times[1:]

    def med(k):
        v = sorted(x[k] for x in warm)
        return v[len(v) // 2]
    print(json.dumps({"iteration_s": med(0), "rollout_s": med(1), "update_s": med(2), "threads": threads,
                      "iterations_timed": len(warm)}))


def sd_now(params):
    return {k: v.detach() for k, v in params.items()}


if __name__ == "__main__":
    main()
