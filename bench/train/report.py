"""Markdown section of docs/benchmarks.md for bench/train, from bench/results/train.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table

NANOGPT_TOKENS_PER_S = 2300  # nanoGPT's own model, shakespeare-char shape, PyTorch 1.13, 2-core AVX-512 Zen 5


def spread(side):
    """Median and, when several rounds ran, the min-max spread."""
    if "min" not in side:
        return f"{side['tokens_per_s']:.0f}"
    return f"{side['tokens_per_s']:.0f} [{side['min']:.0f}-{side['max']:.0f}]"


def peer_threads(side):
    """The peer's thread count and, when measured, the other setting's median."""
    other = side.get("other_threads")
    if other is None:
        return str(side["threads"])
    return f"{side['threads']} thr.; {other['tokens_per_s']:.0f} at {other['threads']}"


def section(res):
    rows, meta = res["rows"], res["meta"]
    print("## Pretraining\n")
    print("Training throughput (forward + backward + AdamW + clipping, median step after two warm-up")
    print("steps), random tokens, lmforge vs the PyTorch reference decoder (`tests/reference/models.py`,")
    print(f"the same HF layout) in the same run. PyTorch {meta['torch']} (OpenBLAS) runs at 1 and 2 threads;")
    print("the sides are interleaved round by round, each figure is the median over the rounds with the")
    print("spread (min-max) in brackets, and PyTorch's setting with the higher median is the peer (the other")
    print("setting's median is given too). FLOP/s counts 6 x params + attention per token; the")
    print("yardstick is the best plain oneDNN sgemm on the GPT-2 linear shapes in the same run")
    print(f"({meta['sgemm_peak_gflops']:.0f} GFLOP/s).\n")
    table([("shape", "l"), ("lmforge tok/s", "r"), ("PyTorch tok/s (threads)", "r"), ("lmforge / PyTorch", "r"),
           ("lmforge GFLOP/s", "r"), ("of sgemm peak", "r"), ("peak RSS lmforge / PyTorch (MB)", "r")],
          [[f"{x['shape']} B={x['B']} T={x['T']}", spread(x["lmforge"]),
            f"{spread(x['pytorch'])} ({peer_threads(x['pytorch'])})",
            f"{x['speedup']:.2f}x",
            f"{x['lmforge_gflops']:.0f}", f"{100 * x['fraction_of_sgemm_peak']:.0f}%",
            f"{x['lmforge']['peak_rss_mb']:.0f} / {x['pytorch']['peak_rss_mb']:.0f}"] for x in rows])
    first = rows[0]["lmforge"]["tokens_per_s"]
    print(f"\nFor scale: nanoGPT's own model on the shakespeare-char shape trains at about "
          f"{NANOGPT_TOKENS_PER_S:,} tokens/s with PyTorch on a 2-core AVX-512 Zen 5; the lmforge figure above is "
          f"{first / NANOGPT_TOKENS_PER_S:.2f}x that (on another CPU the PyTorch column of the same run is the "
          f"fair comparison).\n")
    print("Command: `bench/train/run build` (also run by `make bench`); results in `bench/results/train.json`.")

