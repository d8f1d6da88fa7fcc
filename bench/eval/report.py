"""Markdown section of docs/benchmarks.md for bench/eval, from bench/results/eval.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    meta, rows = res["meta"], res["rows"]
    m = meta["machine"]
    print("## Evaluation harness (multiple choice)\n")
    print("Multiple-choice requests per second, one request being one document's 4 choices, as")
    print(f"`lmforge eval --tasks` scores them: the built-in `wordnet_definitions` task, the first {meta['docs']}")
    print(f"test documents with {meta['shots']}-shot prompts (the harness's seeded shots; on average "
          f"{meta['mean_context_tokens']:.0f} context")
    print(f"and {meta['mean_continuation_tokens']:.1f} continuation tokens a choice), on a random-weight {meta['model']}")
    print("checkpoint (fp32), the one bench/generate measures. lmforge (`bench_eval`) times the")
    print("harness's log-likelihood scoring, tokenization included: with KV reuse (one prefill of a context,")
    print("its cache shared by the 4 choices) and without (each choice a call of its own, its context")
    print("prefilled again). The peer, `bench/eval/torch_eval.py`, scores every choice separately as the")
    print(f"harness's HFLM does, one forward pass of context + continuation per choice through the PyTorch")
    print(f"{meta['torch']} reference decoder, on the token ids lmforge split (so its tokenization is not timed).")
    print(f"Both sides run at the same thread count, one after the other, {meta['rounds']} rounds; each after one")
    print("warm-up document. Best and median over the rounds; spread = (best − worst) / best.\n")

    def rate(s):
        return f"{s['best']:.2f} / {s['median']:.2f} ({100 * s['spread']:.0f}%)"

    table([("threads", "r"), ("lmforge req/s, KV reuse", "r"), ("lmforge req/s, no reuse", "r"),
           ("PyTorch req/s", "r"), ("lmforge / PyTorch: best / best, median of rounds", "r"),
           ("reuse gain: median of rounds", "r"),
           ("prefills (reuse / none)", "r"), ("max abs Δ log-lik vs PyTorch", "r"), ("other work (cores)", "r")],
          [[x["threads"], rate(x["lmforge_reuse"]), rate(x["lmforge_no_reuse"]), rate(x["pytorch"]),
            f"{x['speedup_best']:.2f}x, {x['speedup_median']:.2f}x", f"{x['reuse_gain_median']:.2f}x",
            f"{x['prefills_reuse']} / {x['prefills_no_reuse']}", f"{x['max_abs_diff_vs_pytorch']:.1e}",
            f"{x['other_cpu_cores']:.2f}"] for x in rows])
    goal = "; ".join(f"{x['threads']} thread{'s' if x['threads'] > 1 else ''}: {x['speedup_median']:.2f}x, "
                     f"{'met' if x['speedup_median'] >= 3 else 'not met'}" for x in rows)
    print(f"\nGoal ≥ 3× PyTorch (median over the rounds of the ratio within a round): {goal}.")
    ours = max(rows, key=lambda x: x["lmforge_reuse"]["median"])
    peer = max(rows, key=lambda x: x["pytorch"]["median"])
    print(f"Each side at its best setting (median rates): lmforge {ours['lmforge_reuse']['median']:.2f} req/s at "
          f"{ours['threads']} thread(s), PyTorch {peer['pytorch']['median']:.2f} req/s at {peer['threads']} thread(s): "
          f"{ours['lmforge_reuse']['median'] / peer['pytorch']['median']:.2f}x.")
    print("Rates are best / median (spread) in requests/s. A ratio \"within a round\" divides rates measured")
    print("back to back (lmforge's two modes in one process, then PyTorch), which a changing load disturbs")
    print("less than a ratio of bests taken from different rounds. Every choice's log-likelihood is compared with")
    print("PyTorch's (max abs Δ above), and lmforge's with and without reuse with each other (max abs Δ "
          f"{max(x['max_abs_diff_reuse_vs_none'] for x in rows):.1e}).")
    print("\"Other work\" is the CPU that other processes took during a run (the most of any run, from")
    print("/proc/stat); a busy machine slows both sides, the one with more threads the most.")
    print(f"Machine load (`uptime`): before \"{meta['uptime_before']}\", after \"{meta['uptime_after']}\";"
          f" wall time {meta['wall_s']} s.\n")
    print(f"CPU: {m['model']}, {m['cores']} cores; SIMD flags: {' '.join(m['simd_flags'])}.\n")
    print(f"Command: `{meta['command']}` (also run by `make bench`; `BENCH_EVAL_DOCS`, `BENCH_EVAL_ROUNDS`,")
    print("`BENCH_EVAL_THREADS` change the documents, rounds and thread counts); results in `bench/results/eval.json`.")
