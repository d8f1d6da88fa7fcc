"""Markdown section of docs/benchmarks.md for bench/ops, from bench/results/ops.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    print("## Ops\n")
    print("Forward + backward time of each op at transformer-sized shapes (B·T = 2048 rows, C = 384")
    print(f"and 768), fastest of at least 5 calls, lmforge and PyTorch {res['torch_version']} back to back")
    print("per case, each at its faster of 1 and 2 threads. `x PyTorch` > 1 means lmforge is faster;")
    print("`of sgemm` is a GEMM's time against plain oneDNN sgemm on the same three products.\n")
    cells = []
    for r in res["cases"]:
        torch_ms = f"{r['torch_ms']:.2f}" if "torch_ms" in r else "-"
        speedup = f"{r['speedup']:.2f}x" if "speedup" in r else "-"
        gflops = f"{r['gflops']:.0f}" if "gflops" in r else "-"
        sgemm = f"{100 * r['vs_sgemm']:.0f}%" if "vs_sgemm" in r else "-"
        cells.append([r["name"], f"{r['ours_ms']:.2f}", torch_ms, speedup, gflops, sgemm])
    table([("case", "l"), ("lmforge ms", "r"), ("PyTorch ms", "r"), ("x PyTorch", "r"), ("GFLOP/s", "r"),
           ("of sgemm", "r")], cells)
    print("\nCommand: `bench/ops/run build` (also run by `make bench`); results in `bench/results/ops.json`.")

