"""PyTorch side of the elementwise benchmark cases (names match cases_elementwise.cc);
gradients are set to None before each step, as ours are."""
import torch

ROWS = 2048


def _binary(op, C, bias):
    def setup():
        a = torch.randn(ROWS, C, requires_grad=True)
        b = torch.randn(C if bias else ROWS, *(() if bias else (C,)), requires_grad=True)
        dy = torch.randn(ROWS, C)

        def once():
            a.grad = b.grad = None
            (a + b if op == "add" else a * b).backward(dy)
        return once
    return setup


def _scale(C):
    def setup():
        x = torch.randn(ROWS, C, requires_grad=True)
        dy = torch.randn(ROWS, C)

        def once():
            x.grad = None
            (x * 0.125).backward(dy)
        return once
    return setup


CASES = {}
for C in (384, 768):
    for op in ("add", "mul"):
        CASES[f"{op} {ROWS}x{C}"] = _binary(op, C, False)
        CASES[f"{op} bias {ROWS}x{C}+{C}"] = _binary(op, C, True)
    CASES[f"scale {ROWS}x{C}"] = _scale(C)
