"""Markdown section of docs/benchmarks.md for bench/dpo, from bench/results/dpo.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    meta = res["meta"]
    print("## DPO\n")
    print("Time per DPO step: the policy's forward and backward on the chosen and the rejected sequences")
    print("(one batch, chosen rows first), global-norm clipping and AdamW, with the reference")
    print("log-probabilities computed once before training on both sides; median step after two warm-up")
    print("steps, random weights and ids, fp32. The peer is `bench/dpo/torch_dpo.py`, DPO as TRL's")
    print(f"DPOTrainer computes it (log-softmax of the logits at every position) on the PyTorch {meta['torch']}")
    print("reference decoder. Both sides run at 1 and at 2 threads; the last rows compare each side's faster")
    print("setting. lmforge puts only the response positions through the LM head; the last row times")
    print("PyTorch doing the same, at its faster thread count.\n")
    cells = []
    for x in res["rows"]:
        lead = [x["shape"], x["pairs"], f"{x['tokens_per_step']} ({x['response_tokens_per_step']})"]
        for th, r in sorted(x["threads"].items()):
            cells.append(lead + [th, f"{r['lmforge']['step_s']:.3f}", f"{r['pytorch']['step_s']:.3f}", f"{r['speedup']:.2f}x"])
        cells.append(lead + [f"best ({x['lmforge']['threads']} / {x['pytorch']['threads']})", f"{x['lmforge']['step_s']:.3f}",
                             f"{x['pytorch']['step_s']:.3f}", f"{x['speedup']:.2f}x"])
        cells.append(lead + [f"PyTorch response-only head ({x['pytorch_response_head']['threads']})",
                             f"{x['lmforge']['step_s']:.3f}", f"{x['pytorch_response_head']['step_s']:.3f}",
                             f"{x['speedup_vs_response_head']:.2f}x"])
    table([("model", "l"), ("pairs", "r"), ("tokens / step (response)", "r"), ("threads", "l"), ("lmforge s/step", "r"),
           ("PyTorch s/step", "r"), ("lmforge / PyTorch", "r")], cells)
    x = res["rows"][0]
    print(f"\nReference pass (both responses of every pair, no gradient): lmforge {x['lmforge']['reference_s']:.2f} s, "
          f"PyTorch {x['pytorch']['reference_s']:.2f} s. Both sides' mean log-probabilities at step 1 agree to "
          f"{x['step1_logps_rel_diff']:.1e} (relative). Machine load while it ran (`uptime`): before "
          f"\"{meta['uptime_before']}\", after \"{meta['uptime_after']}\".\n")
    print("Command: `bench/dpo/run build` (also run by `make bench`); results in `bench/results/dpo.json`.")

