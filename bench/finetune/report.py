"""Markdown section of docs/benchmarks.md for bench/finetune, from bench/results/finetune.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    rows, meta = res["rows"], res["meta"]
    c = meta["config"]
    print("## Fine-tuning methods\n")
    print(f"One base model (GPT-2 {c['n_layer']} x {c['n_embd']}, vocabulary {c['vocab_size']}, random weights "
          "written by `tests/reference/models.py`) and one data set (the embedded arithmetic instructions of")
    print(f"`lmforge data instructions`), batches of {meta['B']} rows: packed rows of up to 128 tokens, except prompt")
    print("tuning (one padded example a row, about 48 tokens; it does not pack). Step time: median after two")
    print("warm-up steps (forward + backward + AdamW + clipping). Peak RSS: one process per method. Exact-match:")
    print(f"greedy replies to the first {meta['eval_examples']} held-out questions (`lmforge eval --instructions`) "
          f"after a budget of {meta['steps']} steps from random weights, so near zero: the column shows that each")
    print("method runs end to end, not how well it learns (see `FinetuneImproves.*` for that). The PyTorch")
    print(f"reference ({meta['torch']}) runs the PEFT definitions of `tests/reference/peft.py` on the same weights "
          "and shapes at 1 and 2 threads; its faster setting is the peer.")
    print(f"Load average when the run started: {meta['load_average_before']} ({meta['cores']} cores).\n")
    table([("method", "l"), ("trainable params", "r"), ("lmforge step (s)", "r"), ("vs full", "r"), ("PyTorch step (s)", "r"),
           ("vs full", "r"), ("lmforge / PyTorch speed", "r"), ("peak RSS lmforge / PyTorch (MB)", "r"),
           ("held-out exact-match", "r")],
          [[r["method"], f"{o['trainable']:,} of {o['total']:,}", f"{o['step_s']:.3f}", f"{o['step_vs_full']:.2f}x",
            f"{p['step_s']:.3f} ({p['threads']})", f"{p['step_vs_full']:.2f}x", f"{r['speedup_vs_pytorch']:.2f}x",
            f"{o['peak_rss_mb']:.0f} / {p['peak_rss_mb']:.0f}", f"{o['exact_match']:.3f}"]
           for r in rows for o, p in [(r["lmforge"], r["pytorch"])]])
    print("\nCommand: `bench/finetune/run build` (also run by `make bench`); results in `bench/results/finetune.json`.")

