"""PyTorch side of the softmax benchmark cases (names match cases_softmax.cc)."""
import torch
import torch.nn.functional as F

ROWS = 2048


def _softmax(op, C):
    def setup():
        x = (torch.randn(ROWS, C) * 3).requires_grad_()
        dy = torch.randn(ROWS, C)

        def once():
            x.grad = None
            (F.softmax(x, dim=-1) if op == "softmax" else F.log_softmax(x, dim=-1)).backward(dy)
        return once
    return setup


CASES = {f"{op} {ROWS}x{C}": _softmax(op, C) for C in (384, 768) for op in ("softmax", "log_softmax")}
