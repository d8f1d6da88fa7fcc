"""Markdown section of docs/benchmarks.md for bench/ppo, from bench/results/ppo.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
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
    def timing(t):
        return f"{t['iteration_s']:.2f} ({t['rollout_s']:.2f} + {t['update_s']:.2f}, {t['threads']})"

    table([("model", "l"), ("B x (prompt + new)", "r"), ("epochs x minibatch", "r"),
           ("lmforge s/iteration (rollout + update, threads)", "r"), ("PyTorch s/iteration (rollout + update, threads)", "r"),
           ("PyTorch / lmforge", "r")],
          [[x["model"], f"{x['B']} x ({x['prompt']} + {x['new_tokens']})", f"{x['epochs']} x {x['minibatch']}",
            timing(x["lmforge"]), timing(x["pytorch"]), f"{x['speedup']:.2f}x"] for x in rows])
    print("\nCommand: `bench/ppo/run build` (also run by `make bench`); results in `bench/results/ppo.json`.")

