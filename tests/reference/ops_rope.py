"""PyTorch reference for rotary position embedding in Hugging Face's rotate-half form
(LlamaRotaryEmbedding + apply_rotary_pos_emb), computed in double precision (see
op_cases.py for the case format)."""
import torch

from op_cases import run_cases


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope(x, start_pos, theta, positions=None):
    """positions: per-token position ids (B, T) (Hugging Face's position_ids), else
    start_pos, start_pos + 1, ..."""
    D, T = x.shape[-1], x.shape[-2]
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    if positions is None:
        pos = torch.arange(start_pos, start_pos + T, dtype=torch.float64)
    else:
        pos = torch.tensor(positions, dtype=torch.float64)[:, None]  # (B, 1, T)
    freqs = pos[..., None] * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    return x * emb.cos() + rotate_half(x) * emb.sin()


def cases(t, args):
    return run_cases(t, args, lambda v, c: rope(v["x"], c.get("start_pos", 0), c["theta"], c.get("positions")))
