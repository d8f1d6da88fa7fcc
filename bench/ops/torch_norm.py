"""PyTorch side of the norm benchmark cases (names match cases_norm.cc). RMSNorm is Hugging
Face's LlamaRMSNorm composition (PyTorch 1.13 has no fused RMSNorm)."""
import torch
import torch.nn.functional as F

ROWS = 2048


def _norm(op, C):
    def setup():
        x = torch.randn(ROWS, C, requires_grad=True)
        w = (torch.rand(C) + 0.5).requires_grad_()
        b = torch.randn(C, requires_grad=True)
        dy = torch.randn(ROWS, C)

        def once():
            x.grad = w.grad = b.grad = None
            if op == "layer_norm":
                y = F.layer_norm(x, (C,), w, b, 1e-5)
            else:
                y = w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))
            y.backward(dy)
        return once
    return setup


CASES = {f"{op} {ROWS}x{C}": _norm(op, C) for C in (384, 768) for op in ("layer_norm", "rms_norm")}
