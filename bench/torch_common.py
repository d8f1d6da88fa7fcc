"""What the PyTorch sides of the benchmarks share: the reference decoder of
tests/reference/models.py (imported here as `models`), GPT-2 decoding with a KV cache, and
the timed optimizer step with the median of the steps after warm-up.

A peer script in bench/NAME/ puts bench/ on its path and imports what it needs:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from torch_common import models, optimizer_step, warm_median"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import models  # noqa: E402,F401


def attend(q, k, v):
    """q (B,H,t,D) against all keys so far k, v (B,H,S,D); causal within the new t rows."""
    t, S = q.shape[2], k.shape[2]
    att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if t > 1:
        mask = torch.ones(t, S, dtype=torch.bool).tril(S - t)
        att = att.masked_fill(~mask, float("-inf"))
    return att.softmax(-1) @ v


def gpt2_decode_step(cfg, sd, ids, pos, kv):
    """GPT-2 on ids (B, T) at positions pos.. → last-position logits (B, V). kv(layer, k, v)
    stores the new keys and values (B, H, T, D) and returns all of that layer's so far."""
    B, T = ids.shape
    C, H = cfg["n_embd"], cfg["n_head"]
    D, eps = C // H, cfg.get("layer_norm_epsilon", 1e-5)

    def dense(x, name):  # x (B, T, in) @ W (in, out) + b, as one addmm
        w = sd[name + ".weight"]
        return torch.addmm(sd[name + ".bias"], x.reshape(B * T, -1), w).view(B, T, w.shape[1])

    x = sd["transformer.wte.weight"][ids] + sd["transformer.wpe.weight"][pos:pos + T]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = F.layer_norm(x, (C,), sd[p + "ln_1.weight"], sd[p + "ln_1.bias"], eps)
        q, k, v = (z.view(B, T, H, D).transpose(1, 2) for z in dense(h, p + "attn.c_attn").split(C, dim=2))
        k, v = kv(i, k, v)
        x = x + dense(attend(q, k, v).transpose(1, 2).reshape(B, T, C), p + "attn.c_proj")
        h = F.layer_norm(x, (C,), sd[p + "ln_2.weight"], sd[p + "ln_2.bias"], eps)
        x = x + dense(F.gelu(dense(h, p + "mlp.c_fc"), approximate="tanh"), p + "mlp.c_proj")
    x = F.layer_norm(x[:, -1], (C,), sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps)
    return x @ sd.get("lm_head.weight", sd["transformer.wte.weight"]).t()


def optimizer_step(opt, params, loss, clip=1.0):
    """One training step after the forward pass: backward, global-norm clipping of params, opt.step()."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()


def warm_median(times):
    """Median step time after two warm-up steps (of all steps when there are 3 or fewer)."""
    warm = sorted(times[2:]) if len(times) > 3 else sorted(times)
    return warm[len(warm) // 2]
