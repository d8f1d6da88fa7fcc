"""PyTorch references for softmax and log_softmax over the last dim (see op_cases.py for
the case format)."""
import torch.nn.functional as F

from op_cases import run_cases


def _softmax(v, case):
    x = v["x"] * case["scale"] + case["shift"]
    return F.softmax(x, dim=-1) if case["op"] == "softmax" else F.log_softmax(x, dim=-1)


def cases(t, args):
    return run_cases(t, args, _softmax)
