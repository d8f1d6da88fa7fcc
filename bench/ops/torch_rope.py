"""PyTorch side of the rope benchmark cases (names match cases_rope.cc): Hugging Face's
apply_rotary_pos_emb with the cos/sin cache built once outside the timed call, as
LlamaRotaryEmbedding caches it."""
import torch


def _rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def _rope(B, H, T, D):
    def setup():
        x = torch.randn(B, T, H, D, requires_grad=True)
        dy = torch.randn(B, H, T, D)
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, D, 2).float() / D))
        freqs = torch.outer(torch.arange(T).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]

        def once():
            xh = x.transpose(1, 2)
            (xh * cos + _rotate_half(xh) * sin).backward(dy)
        return once
    return setup


CASES = {f"rope B={B} H={H} T={T} D={D}": _rope(B, H, T, D) for B, H, T, D in ((8, 6, 256, 64), (4, 12, 512, 64))}
