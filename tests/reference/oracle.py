"""Runs one PyTorch reference function for the C++ tests.

usage: oracle.py MODULE FUNC IN.safetensors OUT.safetensors ARGS_JSON

MODULE is a file in tests/reference/ (without .py); FUNC(inputs: dict[str, Tensor],
args: dict) returns dict[str, Tensor]. Inputs arrive as float64 (integer tensors keep
their type) so the reference is the exact answer; outputs are written as float32.
"""
import importlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402


def main():
    module, func, inp, out, args = sys.argv[1:6]
    torch.set_num_threads(1)
    tensors = st.load(inp)
    tensors = {k: (v.double() if v.is_floating_point() else v) for k, v in tensors.items()}
    fn = getattr(importlib.import_module(module), func)
    result = fn(tensors, json.loads(args))
    st.save(out, {k: v.detach().float() if v.is_floating_point() else v for k, v in result.items()})


if __name__ == "__main__":
    main()
