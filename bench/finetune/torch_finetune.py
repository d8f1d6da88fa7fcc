"""PyTorch side of bench/finetune: fine-tuning steps of one method on the same base weights as
lmforge (the model directory's model.safetensors, float32), with the PEFT definitions of
tests/reference/peft.py (LoRA on c_attn / c_proj / c_fc, Houlsby adapters, prefix and prompt
tuning) or every weight trained (full). Frozen tensors do not require grad; AdamW over the
trainable ones, global-norm clipping. Batches: random ids (B, T) with the first third of
each row's targets ignored (a prompt). Prints JSON: median step seconds after two warm-up
steps, peak RSS, trainable parameters.

usage: torch_finetune.py MODEL_DIR METHOD B T STEPS THREADS"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import models, optimizer_step, warm_median  # noqa: E402
import peft  # noqa: E402

RANK, ALPHA, BOTTLENECK, VIRTUAL = 8, 16, 16, 16  # the lmforge defaults the bench uses


def method_tensors(cfg, method):
    """(adapter_config, trainable tensors under PEFT names) initialised as PEFT does."""
    g = torch.Generator().manual_seed(0)
    if method == "lora":
        acfg = {"peft_type": "LORA", "r": RANK, "lora_alpha": ALPHA, "target_modules": ["c_attn", "c_proj", "c_fc"]}
    elif method == "adapter":
        acfg = {"peft_type": "ADAPTER", "bottleneck": BOTTLENECK}
    elif method == "prefix":
        acfg = {"peft_type": "PREFIX_TUNING", "num_virtual_tokens": VIRTUAL}
    else:
        acfg = {"peft_type": "PROMPT_TUNING", "num_virtual_tokens": VIRTUAL}
    out = {}
    for name, shape in peft._adapter_shapes(cfg, acfg).items():
        if name.endswith("lora_B.weight") or name.endswith("up.weight") or name.endswith("bias"):
            t = torch.zeros(shape)  # PEFT starts from an identity
        elif name.endswith("lora_A.weight") or name.endswith("down.weight"):
            bound = 1 / math.sqrt(shape[1])
            t = (torch.rand(shape, generator=g) * 2 - 1) * bound
        else:
            t = torch.randn(shape, generator=g) * 0.02
        out[name] = t.requires_grad_(True)
    return acfg, out


def main():
    model_dir, method = sys.argv[1], sys.argv[2]
    B, T, steps, threads = (int(a) for a in sys.argv[3:7])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg, sd = models.load(model_dir, dtype=torch.float32)
    hooks = None
    if method == "full":
        for v in sd.values():
            v.requires_grad_(True)
        trainable = list(sd.values())
    else:
        acfg, tensors = method_tensors(cfg, method)
        hooks = peft.Peft(cfg, acfg, tensors)
        trainable = list(tensors.values())
    opt = torch.optim.AdamW(trainable, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    V = cfg["vocab_size"]
    data = torch.randint(0, V, (steps, B, T + 1))
    times = []
    for s in range(steps):
        x, y = data[s, :, :-1], data[s, :, 1:].clone()
        y[:, : T // 3] = -100
        t0 = time.perf_counter()
        logits = models.forward(cfg, sd, x, hooks)
        loss = F.cross_entropy(logits.reshape(B * T, -1), y.reshape(-1), ignore_index=-100)
        optimizer_step(opt, trainable, loss)
        times.append(time.perf_counter() - t0)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step_s": warm_median(times), "peak_rss_mb": rss_mb, "threads": threads,
                      "trainable": sum(t.numel() for t in trainable)}))


if __name__ == "__main__":
    main()
