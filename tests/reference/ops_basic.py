"""Trivial references used to check the oracle plumbing itself."""
import torch


def identity(t, args):
    x = t["x"]
    return {"x": x, "x_bf16_as_f32": x.float().bfloat16().float()}
