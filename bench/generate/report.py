"""Markdown section of docs/benchmarks.md for bench/generate, from bench/results/generate.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    rows, meta = res["rows"], res["meta"]
    print("## Generation\n")
    print(f"Batch-1 greedy decoding with a KV cache: a prompt of {meta['prompt']} ids, {meta['new_tokens']} new")
    print("tokens, random weights, fp32, after one warm-up generation on each side. PyTorch")
    print(f"{meta['torch']} (the reference decoder with a preallocated cache,")
    print("`bench/generate/torch_generate.py`) runs at 1 and 2 threads and its faster setting is the")
    print("peer. The last column checks that both sides decoded the same ids.\n")
    table([("model", "l"), ("lmforge decode tok/s", "r"), ("PyTorch decode tok/s (threads)", "r"),
           ("lmforge / PyTorch", "r"), ("prefill ms lmforge / PyTorch", "r"), ("greedy ids identical", "r")],
          [[x["model"], f"{x['lmforge']['decode_tokens_per_s']:.0f}",
            f"{x['pytorch']['decode_tokens_per_s']:.0f} ({x['pytorch']['threads']})", f"{x['speedup']:.2f}x",
            f"{x['lmforge']['prefill_ms']:.1f} / {x['pytorch']['prefill_ms']:.1f}",
            f"{x['identical_prefix']} of {x['new_tokens']}"] for x in rows])
    print("\nCommand: `bench/generate/run build` (also run by `make bench`); results in "
          "`bench/results/generate.json`.")

