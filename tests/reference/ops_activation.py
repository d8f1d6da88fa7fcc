"""PyTorch references for gelu_tanh, gelu, silu, tanh and swiglu (see op_cases.py for the
case format)."""
import torch.nn.functional as F

from op_cases import run_cases


def _activation(v, case):
    op = case["op"]
    if op == "gelu_tanh":
        return F.gelu(v["x"], approximate="tanh")
    if op == "gelu":
        return F.gelu(v["x"])
    if op == "silu":
        return F.silu(v["x"])
    if op == "tanh":
        return v["x"].tanh()
    if op == "swiglu":
        return F.silu(v["gate"]) * v["up"]
    raise ValueError(op)


def cases(t, args):
    return run_cases(t, args, _activation)
