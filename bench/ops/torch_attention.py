"""PyTorch side of the attention benchmark cases (names match cases_attention.cc).

PyTorch 1.13 has no fused scaled_dot_product_attention, so the peer is the composition
nanoGPT's CausalSelfAttention uses: q·kᵀ·scale, masked_fill of the causal mask, softmax,
dropout-free p·v, on (B,H,T,D) views of (B,T,H,D) projections."""
import math

import torch
import torch.nn.functional as F


def _attention(B, H, T, D, causal):
    def setup():
        q = torch.randn(B, T, H, D, requires_grad=True)
        k = torch.randn(B, T, H, D, requires_grad=True)
        v = torch.randn(B, T, H, D, requires_grad=True)
        dy = torch.randn(B, H, T, D)
        bias = torch.tril(torch.ones(T, T)).view(1, 1, T, T)

        def once():
            qh, kh, vh = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            att = (qh @ kh.transpose(-2, -1)) * (1.0 / math.sqrt(D))
            if causal:
                att = att.masked_fill(bias == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            (att @ vh).backward(dy)
        return once
    return setup


CASES = {}
for causal in (True, False):
    for B, H, T, D in ((8, 6, 256, 64), (4, 12, 512, 64)):
        name = f"attention {'causal' if causal else 'bidir'} B={B} H={H} T={T} D={D}"
        CASES[name] = _attention(B, H, T, D, causal)
