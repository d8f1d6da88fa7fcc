"""PyTorch references for sum and mean (see op_cases.py for the case format)."""
from op_cases import run_cases


def _reduce(v, case):
    x = v["x"]
    if case["op"] == "sum":
        return x.sum()
    if case["op"] == "mean":
        return x.mean()
    return x.sum(dim=case["dim"], keepdim=case["keepdim"])


def cases(t, args):
    return run_cases(t, args, _reduce)
