"""PyTorch side of the activation benchmark cases (names match cases_activation.cc)."""
import torch
import torch.nn.functional as F

ROWS = 2048


def _act(op, H):
    def setup():
        x = torch.randn(ROWS, H, requires_grad=True)
        u = torch.randn(ROWS, H, requires_grad=True)
        dy = torch.randn(ROWS, H)

        def once():
            x.grad = u.grad = None
            if op == "gelu_tanh":
                y = F.gelu(x, approximate="tanh")
            elif op == "gelu":
                y = F.gelu(x)
            elif op == "silu":
                y = F.silu(x)
            else:
                y = F.silu(x) * u
            y.backward(dy)
        return once
    return setup


CASES = {f"{op} {ROWS}x{4 * C}": _act(op, 4 * C) for C in (384, 768) for op in ("gelu_tanh", "gelu", "silu", "swiglu")}
