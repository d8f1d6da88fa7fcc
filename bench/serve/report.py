"""Markdown section of docs/benchmarks.md for bench/serve, from bench/results/serve.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    m, s, g, goals = res["meta"], res["serve"], res["generate"], res["goals"]
    mach = m["machine"]
    print("## Serving (`lmforge serve`)\n")
    print(f"A loopback load generator (`bench_serve`, bench/serve/serve_bench.cc) against one `lmforge serve "
          f"--parallel {m['parallel']} --ctx {m['ctx']} --threads {m['threads']}` on the {m['model']} random-weight "
          f"checkpoint of bench/generate (fp32, tokenizer `{m['tokenizer']}`). Each of C clients sends "
          f"{m['requests_per_client']} streaming completions one after another (`POST /v1/completions`, a prompt of "
          f"{m['prompt_tokens']} token ids of its own, `max_tokens` {m['max_tokens']}, temperature 0); the rounds "
          "run one after another on the same server after a warm-up that has every slot decode once. "
          "Tokens are the completion tokens the server reports per request (the final usage chunk); tok/s is "
          "all of them over the round's wall time. TTFT: request sent to first text chunk. ITL: gap between "
          "successive text chunks. Stream decode: each request's (tokens - 1) / (last chunk - first chunk), "
          "averaged. Peak RSS: the server's VmHWM over the round. CPU cores: CPU seconds per wall "
          "second during the round of the server and of everything else on the machine but the load generator "
          "(the machine is shared: other work there competes with the server for the same cores).\n")
    rows = []
    for r in s["rounds"]:
        rows.append([r["clients"], f"{r['ok']} / {r['requests']}", f"{r['tokens']}",
                     f"{r['tokens_per_s']:.1f}", f"{r['ttft_ms_p50']:.0f} / {r['ttft_ms_p99']:.0f}",
                     f"{r['itl_ms_p50']:.1f} / {r['itl_ms_p99']:.1f}",
                     f"{r['stream_decode_tokens_per_s_mean']:.1f}", f"{r['server_peak_rss_kb'] / 1024:.0f}", f"{r['server_cpu_cores']:.2f} / {r['other_cpu_cores']:.2f}"])
    table([("clients", "r"), ("requests ok", "r"), ("tokens generated", "r"), ("aggregate tok/s", "r"),
           ("TTFT p50 / p99 ms", "r"), ("ITL p50 / p99 ms", "r"), ("stream decode tok/s", "r"),
           ("server peak RSS MB", "r"), ("CPU cores server / other work", "r")], rows)
    short = sum(r["short_requests"] for r in s["rounds"])
    first = sum(r.get("requests_without_text", 0) for r in s["rounds"])
    print(f"\nBaseline in the same run: `bench_generate` (batch 1, same checkpoint, threads and prompt length) "
          f"decodes {g['decode_tokens_per_s']:.1f} tok/s before the server rounds and "
          f"{g['decode_tokens_per_s_after']:.1f} after (other work {g['other_cpu_cores']:.2f} / "
          f"{g['other_cpu_cores_after']:.2f} cores meanwhile); the faster, {g['baseline_tokens_per_s']:.1f}, is the "
          f"baseline. Requests that ended before {m['max_tokens']} tokens (the random model's greedy text reached "
          f"its end-of-text token): {short} of {sum(r['requests'] for r in s['rounds'])}, {first} of them at the first "
          "token (no TTFT). "
          f"Server RSS after loading: {s['rss_after_load_kb'] / 1024:.0f} MB.")
    if res.get("served_text_matches_generate") is not None:
        same = "is" if res["served_text_matches_generate"] else "is not"
        print(f"The one-client round's first completion (bench_generate's prompt) {same} the text of "
              "bench_generate's greedy ids.")
    llama = res.get("llama_cpp") or {}
    if llama:
        print("\nThe peer in the same run: llama.cpp's batched decoding through its C API "
              "(`bench/serve/llama_batched.c` on the libllama of npm `@node-llama-cpp/linux-x64` "
              f"3.21.1) on the same checkpoint exported as F32 GGUF (`lmforge export gguf "
              "--type f32`): C sequences with a KV cache of their own each (F32, flash attention off), all prompts "
              "in one `llama_batch`, then one `llama_batch` of C tokens a step, 128 greedy tokens a sequence, "
              f"{m['threads']} threads, no HTTP. Its tok/s with the prefill (generated tokens over prefill + decode "
              "time) is set against the server's aggregate tok/s (which also pays for HTTP, streaming and each "
              "request's own prefill).\n")
        rows = []
        for r in s["rounds"]:
            p = llama.get(str(r["clients"]))
            if not p:
                continue
            rows.append([r["clients"], f"{p['tokens_per_s']:.1f}", f"{p['tokens_per_s_with_prefill']:.1f}",
                         f"{p['prefill_ms']:.0f}", f"{r['tokens_per_s']:.1f}",
                         f"{r['tokens_per_s'] / p['tokens_per_s_with_prefill']:.2f}x"])
        table([("clients / sequences", "r"), ("llama.cpp decode tok/s", "r"), ("llama.cpp tok/s with prefill", "r"),
               ("llama.cpp prefill ms", "r"), ("lmforge serve aggregate tok/s", "r"), ("lmforge / llama.cpp", "r")], rows)
    print("\nGoals (reported, not asserted):\n")
    if "tok_s_8_over_1" in goals:
        ok = "met" if goals["tok_s_8_over_1"] >= goals["tok_s_8_over_1_goal"] else "not met"
        print(f"- aggregate tok/s with 8 clients / with 1 client: {goals['tok_s_8_over_1']:.2f}x "
              f"(goal ≥ {goals['tok_s_8_over_1_goal']:.0f}x: {ok})")
    if "one_client_decode_over_generate" in goals:
        ok = "met" if goals["one_client_decode_over_generate"] >= goals["one_client_decode_over_generate_goal"] else "not met"
        print(f"- one client's stream decode / `bench_generate` decode: {goals['one_client_decode_over_generate']:.2f}x "
              f"(goal ≥ {goals['one_client_decode_over_generate_goal']}x: {ok})")
    if "over_llama_cpp" in goals:
        g8 = goals["over_llama_cpp"].get("8")
        if g8 is not None:
            ok = "met" if g8 >= goals["over_llama_cpp_goal"] else "not met"
            print(f"- aggregate tok/s with 8 clients / llama.cpp's batched decoding of 8 sequences: {g8:.2f}x "
                  f"(goal ≥ {goals['over_llama_cpp_goal']}x: {ok})")
    print(f"\nRan on {mach['cores']} cores{' shared with other work' if mach.get('note') else ''} "
          f"({mach['cpu']}; {', '.join(mach['flags'])}); load average before / after: "
          f"{m['load_before'].split('load average:')[-1].strip()} / {m['load_after'].split('load average:')[-1].strip()}.")
    print(f"\nCommand: `{m['command']}` (also run by `make bench`); results in `bench/results/serve.json`.")
