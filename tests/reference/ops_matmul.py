"""PyTorch references for matmul and linear (see op_cases.py for the case format)."""
import torch
import torch.nn.functional as F

from op_cases import run_cases


def _matmul(v, case):
    if case["op"] == "matmul":
        return v["a"] @ v["b"]
    return F.linear(v["x"], v["w"], v.get("b"))


def cases(t, args):
    return run_cases(t, args, _matmul)
