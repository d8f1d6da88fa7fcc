"""Markdown section of docs/benchmarks.md for bench/ppo, from bench/results/ppo.json.

usage: report.py RESULTS.json  (prints the section; bench/doc_section.py puts it in place)"""
import json
import sys


def main():
    res = json.load(open(sys.argv[1]))
    rows, meta = res["rows"], res["meta"]
    print("## RLHF with PPO\n")
    print("Time per PPO iteration, full weights: a rollout (B prompts sampled together with a KV cache,")
    print("temperature 1, then one batched forward pass each for the policy's log-probs and values and")
    print("the frozen reference's log-probs, KL-penalised rewards, GAE) and the update (epochs over the")
    print("batch in shuffled minibatches: the clipped policy and value loss, AdamW, gradient clipping).")
    print("Random weights, fp32, no stop ids (every response has the full length), median of")
    print(f"{meta['iterations']} iterations after a warm-up one on each side. The peer is")
    print(f"`bench/ppo/torch_ppo.py` (PyTorch {meta['torch']}, the same steps as TRL's PPOTrainer with a")
    print(f"batched KV cache for sampling). Each side runs at 1 and {meta['threads']} threads and its faster")
    print(f"setting counts. Load average before / after the run: {meta['loadavg_before']} /")
    print(f"{meta['loadavg_after']} on {meta['cores']} cores.\n")
    print("| model | B x (prompt + new) | epochs x minibatch | lmforge s/iteration (rollout + update, threads) "
          "| PyTorch s/iteration (rollout + update, threads) | PyTorch / lmforge |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for x in rows:
        o, p = x["lmforge"], x["pytorch"]
        print(f"| {x['model']} | {x['B']} x ({x['prompt']} + {x['new_tokens']}) | {x['epochs']} x {x['minibatch']} | "
              f"{o['iteration_s']:.2f} ({o['rollout_s']:.2f} + {o['update_s']:.2f}, {o['threads']}) | "
              f"{p['iteration_s']:.2f} ({p['rollout_s']:.2f} + {p['update_s']:.2f}, {p['threads']}) | "
              f"{x['speedup']:.2f}x |")
    print("\nCommand: `bench/ppo/run build` (also run by `make bench`); results in `bench/results/ppo.json`.")


if __name__ == "__main__":
    main()
