"""Markdown section of docs/benchmarks.md for bench/generate, from bench/results/generate.json.

usage: report.py RESULTS.json  (prints the section; bench/doc_section.py puts it in place)"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from md_table import table  # noqa: E402


def main():
    res = json.load(open(sys.argv[1]))
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


if __name__ == "__main__":
    main()
