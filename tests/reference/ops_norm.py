"""PyTorch references for layer_norm and rms_norm (see op_cases.py for the case format).
rms_norm follows Hugging Face's LlamaRMSNorm: x * rsqrt(mean(x^2) + eps) * w."""
import torch
import torch.nn.functional as F

from op_cases import run_cases


def _norm(v, case):
    x, w = v["x"] + case.get("shift", 0.0), v["w"]
    if case["op"] == "layer_norm":
        return F.layer_norm(x, (x.shape[-1],), w, v.get("b"), case["eps"])
    variance = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(variance + case["eps"]))


def cases(t, args):
    return run_cases(t, args, _norm)
