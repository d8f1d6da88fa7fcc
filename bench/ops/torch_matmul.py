"""PyTorch side of the matmul/linear benchmark cases (names match cases_matmul.cc)."""
import torch
import torch.nn.functional as F

ROWS = 2048


def _linear(inp, out):
    def setup():
        x = torch.randn(ROWS, inp, requires_grad=True)
        w = (torch.randn(out, inp) * 0.02).requires_grad_()
        b = torch.zeros(out, requires_grad=True)
        dy = torch.randn(ROWS, out)
        return lambda: F.linear(x, w, b).backward(dy)
    return setup


def _heads_scores():
    q = torch.randn(8, 256, 6, 64, requires_grad=True)
    k = torch.randn(8, 256, 6, 64, requires_grad=True)
    dy = torch.randn(8, 6, 256, 256)
    return lambda: (q.transpose(1, 2) @ k.transpose(1, 2).transpose(2, 3)).backward(dy)


CASES = {"matmul q.kT B=8 H=6 T=256 D=64 (head views)": _heads_scores}
for C in (384, 768):
    for inp, out in ((C, C), (C, 4 * C), (4 * C, C)):
        CASES[f"linear {ROWS}x{inp}->{out}"] = _linear(inp, out)
