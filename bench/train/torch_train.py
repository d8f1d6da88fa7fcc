"""PyTorch side of bench/train: the same decoder (tests/reference/models.py, HF layout)
trained with AdamW on random tokens; prints JSON with tokens/s and peak RSS.

usage: torch_train.py CONFIG_JSON B T STEPS THREADS"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import models, optimizer_step, warm_median  # noqa: E402


def main():
    cfg = json.loads(open(sys.argv[1]).read())
    B, T, steps, threads = (int(a) for a in sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = {}
    for name, shape in models._shapes(cfg).items():
        t = torch.randn(shape) * 0.02 if len(shape) > 1 else torch.ones(shape)
        params[name] = t.requires_grad_(True)
    decay = [v for v in params.values() if v.dim() >= 2]
    rest = [v for v in params.values() if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    V = cfg["vocab_size"]
    data = torch.randint(0, V, (steps + 1, B, T + 1))
    times = []
    for s in range(steps):
        x, y = data[s, :, :-1], data[s, :, 1:]
        t0 = time.perf_counter()
        loss = F.cross_entropy(models.forward(cfg, params, x).reshape(B * T, -1), y.reshape(-1))
        optimizer_step(opt, list(params.values()), loss)
        times.append(time.perf_counter() - t0)
    median = warm_median(times)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tokens_per_s": B * T / median, "step_s": median, "peak_rss_mb": rss_mb, "threads": threads}))


if __name__ == "__main__":
    main()
