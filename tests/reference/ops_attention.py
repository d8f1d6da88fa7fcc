"""PyTorch reference for scaled dot-product attention: the explicit composition
softmax(q·kᵀ·scale + mask, causal) · v, with kv heads repeated for grouped-query
attention as Hugging Face's repeat_kv does (see op_cases.py for the case format)."""
import math

import torch

from op_cases import run_cases


def attention(q, k, v, causal=False, mask=None, scale=0.0):
    B, Hq, T, D = q.shape
    Hkv, S = k.shape[1], k.shape[2]
    k = k.repeat_interleave(Hq // Hkv, dim=1)
    v = v.repeat_interleave(Hq // Hkv, dim=1)
    att = (q @ k.transpose(-2, -1)) * (scale or 1.0 / math.sqrt(D))
    if mask is not None:
        att = att + mask
    if causal:
        allowed = torch.arange(S)[None, :] <= torch.arange(T)[:, None] + (S - T)
        att = att.masked_fill(~allowed, float("-inf"))
    return torch.softmax(att, dim=-1) @ v


def _case(views, case):
    return attention(views["q"], views["k"], views["v"], case["causal"], views.get("mask"), case["scale"])


def cases(t, args):
    return run_cases(t, args, _case)
