"""Times our ops (the bench_ops binary) and PyTorch on the same cases, one case at a time
and back to back (so both sides see the same machine load), prints the ratio table and
writes bench/results/ops.json.

usage: driver.py BENCH_OPS_BINARY OUT.json [NAME_FILTER]

Every bench/ops/torch_*.py module contributes CASES = {name: setup}, where setup() builds
the tensors and returns a function running one forward + backward. PyTorch runs each case
with torch.set_num_threads(1) and (2) and keeps the faster; ours runs with
LMFORGE_THREADS=1 and 2 likewise (on a loaded machine one thread can win). Timing matches bench_ops: 3
warm-up calls, then calls until 1 s or 200 calls (at least 5), fastest call reported.
"""
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SGEMM = " [oneDNN sgemm]"


def time_call(fn):
    for _ in range(3):
        fn()
    times, total = [], 0.0
    while len(times) < 5 or (total < 1.0 and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        total += dt
    times.sort()
    return times[0], times[len(times) // 2]


def torch_cases():
    sys.path.insert(0, HERE)
    cases = {}
    for path in sorted(glob.glob(os.path.join(HERE, "torch_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        cases.update(mod.CASES)
    return cases


def run_ours(binary, name):
    """Our case at 1 and 2 threads (LMFORGE_THREADS), the faster kept, as for PyTorch."""
    best = None
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ours.json")
        for n in (1, 2):
            env = dict(os.environ, LMFORGE_THREADS=str(n))
            subprocess.run([binary, path, "=" + name], check=True, stdout=subprocess.DEVNULL, env=env)
            with open(path) as f:
                r = json.load(f)
            if best is None or r["cases"][0]["ms"] < best["cases"][0]["ms"]:
                best = r
    return best


def main():
    binary, out_path = sys.argv[1], sys.argv[2]
    flt = sys.argv[3] if len(sys.argv) > 3 else ""
    names = subprocess.run([binary, "--list"], check=True, capture_output=True, text=True).stdout.splitlines()
    peers = torch_cases()
    rows = []
    for name in names:
        if name.endswith(SGEMM) or flt not in name:
            continue
        ours = run_ours(binary, name)
        c = ours["cases"][0]
        by_name = {name: c}
        if name + SGEMM in names:
            by_name[name + SGEMM] = run_ours(binary, name + SGEMM)["cases"][0]
        row = {"name": name, "ours_ms": c["ms"], "ours_median_ms": c["median_ms"], "ours_threads": ours["threads"]}
        if c["flops"]:
            row["gflops"] = c["flops"] / c["ms"] * 1e-6
        base = by_name.get(name + SGEMM)
        if base:
            row["sgemm_gflops"] = base["flops"] / base["ms"] * 1e-6
            row["vs_sgemm"] = base["ms"] / c["ms"]
        if name in peers:
            best = None
            for n in (1, 2):
                torch.set_num_threads(n)
                torch.manual_seed(0)
                t, med = time_call(peers[name]())
                if best is None or t < best[0]:
                    best = (t, med, n)
            row.update(torch_ms=best[0] * 1e3, torch_median_ms=best[1] * 1e3, torch_threads=best[2],
                       speedup=best[0] * 1e3 / c["ms"])
        rows.append(row)
        print(f"  {name}: ours {row['ours_ms']:.2f} ms ({row['ours_threads']} thr), "
              f"torch {row.get('torch_ms', float('nan')):.2f} ms ({row.get('torch_threads', '-')} thr)", flush=True)

    print(f"{'case':<46} {'ours ms':>9} {'torch ms':>9} {'x torch':>8} {'GFLOP/s':>8} {'sgemm':>7} {'% sgemm':>8}")
    for r in rows:
        def fmt(key, spec):
            return format(r[key], spec) if key in r else "-"
        pct = format(100 * r["vs_sgemm"], ".0f") + "%" if "vs_sgemm" in r else "-"
        print(f"{r['name']:<46} {fmt('ours_ms', '9.2f')} {fmt('torch_ms', '9.2f'):>9} {fmt('speedup', '8.2f'):>8} "
              f"{fmt('gflops', '8.1f'):>8} {fmt('sgemm_gflops', '7.1f'):>7} {pct:>8}")
    result = {"suite": "ops", "torch_version": torch.__version__,
              "timing": "fastest of >=5 calls (forward + backward); ours and PyTorch back to back per case", "cases": rows}
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
