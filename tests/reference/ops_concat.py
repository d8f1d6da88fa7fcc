"""PyTorch references for concat and split (see op_cases.py for the case format).

concat cases list inputs x0, x1, ...; split cases take x and return the pieces selected
by case["take"], concatenated in that order (so one case checks several pieces, some of
them unused by the loss)."""
import torch

from op_cases import run_cases


def _concat(v, case):
    dim = case["dim"]
    if case["op"] == "concat":
        return torch.cat([v[f"x{k}"] for k in range(len(v))], dim=dim)
    pieces = torch.split(v["x"], case["sizes"], dim=dim)
    return torch.cat([pieces[k] for k in case["take"]], dim=dim)


def cases(t, args):
    return run_cases(t, args, _concat)
