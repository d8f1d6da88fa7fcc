"""PyTorch references for add, sub, mul (broadcasting), scale and add_scalar
(see op_cases.py for the case format)."""
from op_cases import run_cases


def _elementwise(v, case):
    op = case["op"]
    if op == "add":
        return v["a"] + v["b"]
    if op == "sub":
        return v["a"] - v["b"]
    if op == "mul":
        return v["a"] * v["b"]
    if op == "scale":
        return v["x"] * case["s"]
    if op == "add_scalar":
        return v["x"] + case["s"]
    raise ValueError(op)


def cases(t, args):
    return run_cases(t, args, _elementwise)
