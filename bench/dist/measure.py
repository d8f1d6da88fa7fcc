"""Measurements of bench/dist (see bench/dist/run); writes the results JSON.

Training: random tokens, `lmforge train --threads 1`, the median of the steps' tokens_per_s
after the first two (metrics.jsonl; a 2-rank run's rows are global tokens). Efficiency =
2-rank tokens/s / (2 × 1-rank tokens/s). Overlap: comm_wait_s (the seconds a rank waits for
all-reduces after backward) with the default 25 MiB buckets started during backward,
against --bucket-mb 0 (one all-reduce after backward, nothing hidden); hidden share =
1 - wait(buckets) / wait(after backward), medians over steps.

data run: normalize, filter, pii, dedup over a generated corpus, --threads 1; wall time of
the whole command (start-up, merge included); efficiency = t(1 rank) / (2 × t(2 ranks)).

usage: measure.py LMFORGE OUT.json"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BIN, OUT = sys.argv[1], sys.argv[2]
MPI = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", "--mca", "btl_vader_single_copy_mechanism", "none"]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
SHAPES = [  # name, config, B, T, steps
    ("shakespeare-char 6x384 V=65",
     {"model_type": "gpt2", "vocab_size": 65, "n_positions": 256, "n_embd": 384, "n_layer": 6, "n_head": 6}, 8, 256, 8),
    ("GPT-2 small 12x768 V=50257",
     {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 256, "n_embd": 768, "n_layer": 12, "n_head": 12}, 4, 256, 5),
]


def write_shard(d, V, n):
    os.makedirs(d, exist_ok=True)
    ids = np.random.default_rng(0).integers(0, V, n)
    hdr = np.zeros(256, dtype=np.int32)
    hdr[0], hdr[1], hdr[2] = 20240520, 1 if V < 65536 else 2, n
    with open(os.path.join(d, "train.bin"), "wb") as f:
        f.write(hdr.tobytes())
        f.write(ids.astype(np.uint16 if V < 65536 else np.uint32).tobytes())
    with open(os.path.join(d, "meta.json"), "w") as f:
        f.write('{"vocab_size": %d}' % V)


def train(tmp, ranks, cfg_path, B, T, steps, extra=()):
    run = os.path.join(tmp, "run")
    subprocess.run(["rm", "-rf", run], check=True)
    cmd = [BIN, "train", "--data", os.path.join(tmp, "data"), "--out", run, "--config", cfg_path, "--batch", str(B),
           "--seq", str(T), "--steps", str(steps), "--schedule", "constant", "--lr", "1e-4", "--order", "sequential",
           "--eval-every", "0", "--threads", "1", "--quiet", *extra]
    subprocess.run((MPI if ranks == 2 else []) + cmd, check=True, env=ENV, stdout=subprocess.DEVNULL)
    rows = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl")) if '"loss"' in l]
    rows = rows[2:]
    return {"tokens_per_s": statistics.median(r["tokens_per_s"] for r in rows),
            "comm_wait_s": statistics.median(r.get("comm_wait_s", 0.0) for r in rows),
            "step_s": statistics.median(B * T / r["tokens_per_s"] for r in rows)}


def corpus(path, docs):
    rng = random.Random(1)
    words = [w.strip() for w in open("/usr/share/dict/words")] if os.path.exists("/usr/share/dict/words") else \
        [f"w{i}" for i in range(5000)]
    words = [w for w in words if w.isalpha()][:20000] or [f"w{i}" for i in range(5000)]
    texts = []
    with open(path, "w") as f:
        for d in range(docs):
            if d > 10 and d % 10 == 0:
                t = texts[rng.randrange(len(texts))]  # exact duplicate
            else:
                t = " ".join(rng.choice(words) for _ in range(rng.randint(80, 400))) + "."
            texts.append(t)
            f.write(json.dumps({"text": t}) + "\n")


def data_run(tmp, ranks):
    out = os.path.join(tmp, f"data-{ranks}")
    subprocess.run(["rm", "-rf", out], check=True)
    cmd = [BIN, "data", "run", "--pipeline", os.path.join(tmp, "p.json"), "--input", os.path.join(tmp, "corpus.jsonl"),
           "--out", out, "--threads", "1", "--quiet"]
    t0 = time.perf_counter()
    subprocess.run((MPI if ranks == 2 else []) + cmd, check=True, env=ENV)
    secs = time.perf_counter() - t0
    rep = json.load(open(os.path.join(out, "report.json")))
    return {"seconds": secs, "documents": rep["documents"], "mb_in": rep["bytes"]["in"] / 1e6}


def load():
    return open("/proc/loadavg").read().split()[:3]


def main():
    res = {"rows": [], "meta": {"load_before": load()}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg, B, T, steps in SHAPES:
            print(f"-- {name} B={B} T={T}", file=sys.stderr)
            cfg_path = os.path.join(tmp, "config.json")
            json.dump(cfg, open(cfg_path, "w"))
            write_shard(os.path.join(tmp, "data"), cfg["vocab_size"], (steps + 2) * B * T + 1)
            one = train(tmp, 1, cfg_path, B, T, steps)
            two = train(tmp, 2, cfg_path, B, T, steps)
            after = train(tmp, 2, cfg_path, B, T, steps, ["--bucket-mb", "0"])
            C, L, V = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"]
            params = 12 * L * C * C + V * C + cfg["n_positions"] * C
            res["rows"].append({
                "shape": name, "B": B, "T": T, "params": params, "one_rank": one, "two_ranks": two,
                "two_ranks_allreduce_after_backward": after,
                "efficiency": two["tokens_per_s"] / (2 * one["tokens_per_s"]),
                "allreduce_bytes_per_step_per_rank": 2 * (2 - 1) / 2 * params * 4,
                "hidden_share": (1 - two["comm_wait_s"] / after["comm_wait_s"]) if after["comm_wait_s"] > 0 else None})
            print(json.dumps(res["rows"][-1]), file=sys.stderr)
        json.dump({"stages": [{"stage": "normalize"}, {"stage": "filter"}, {"stage": "pii"}, {"stage": "dedup"}]},
                  open(os.path.join(tmp, "p.json"), "w"))
        corpus(os.path.join(tmp, "corpus.jsonl"), 150000)  # ~210 MB: seconds of work, not start-up
        one, two = data_run(tmp, 1), data_run(tmp, 2)
        assert one["documents"] == two["documents"], (one, two)
        res["data_run"] = {"one_rank": one, "two_ranks": two, "efficiency": one["seconds"] / (2 * two["seconds"])}
    res["meta"]["load_after"] = load()
    res["meta"]["cores"] = os.cpu_count()
    json.dump(res, open(OUT, "w"), indent=2)


if __name__ == "__main__":
    main()
