"""Markdown section of docs/benchmarks.md for bench/dist, from bench/results/dist.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    rows, meta, d = res["rows"], res["meta"], res["data_run"]
    print("## Data parallel (Open MPI)\n")
    print("`mpirun -np 2` on one machine, 1 thread per rank, against 1 process with 1 thread (bench/dist/measure.py).")
    print("Training: random tokens, median step after two; 2 ranks split the global batch B. Efficiency =")
    print("2-rank tokens/s / (2 x 1-rank tokens/s). All-reduce wait: seconds a rank blocks after backward for")
    print("the gradients (25 MiB buckets started during backward) against one all-reduce after backward")
    print("(`--bucket-mb 0`); hidden = the share of the latter that the buckets hide.\n")
    table([("shape", "l"), ("1 rank tok/s", "r"), ("2 ranks tok/s", "r"), ("efficiency", "r"),
           ("all-reduce MB/step/rank", "r"), ("wait, buckets (s)", "r"), ("wait, after backward (s)", "r"),
           ("hidden", "r")],
          [[f"{x['shape']} B={x['B']} T={x['T']}", f"{x['one_rank']['tokens_per_s']:.0f}",
            f"{x['two_ranks']['tokens_per_s']:.0f}", f"{x['efficiency']:.2f}",
            f"{x['allreduce_bytes_per_step_per_rank'] / 1e6:.0f}", f"{x['two_ranks']['comm_wait_s']:.3f}",
            f"{x['two_ranks_allreduce_after_backward']['comm_wait_s']:.3f}",
            "-" if x["hidden_share"] is None else f"{100 * x['hidden_share']:.0f}%"] for x in rows])
    print(f"\n`data run` (normalize, filter, pii, dedup; {d['one_rank']['mb_in']:.0f} MB, "
          f"{d['one_rank']['documents']['in']} documents, 1 thread per rank), whole command: 1 rank "
          f"{d['one_rank']['seconds']:.1f} s, 2 ranks {d['two_ranks']['seconds']:.1f} s, efficiency "
          f"{d['efficiency']:.2f} (same kept and removed counts).\n")
    print(f"Load average before / after: {' '.join(meta['load_before'])} / {' '.join(meta['load_after'])} on "
          f"{meta['cores']} cores; 2 ranks need 2 free cores, so a loaded machine lowers the efficiency.\n")
    print("Command: `bench/dist/run build` (also run by `make bench`); results in `bench/results/dist.json`.")
