"""Markdown section of docs/benchmarks.md for bench/pipeline, from bench/results/pipeline.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    goals = res["meta"]["goals_mb_per_s_per_core"]
    rows = res["rows"]
    mb = rows[0]["mb_in"] if rows else 0
    print("## Data pipeline (`lmforge data run`)\n")
    print(f"{mb:.0f} MB of text (Brown + SpamAssassin, repeated), JSONL in and out. Wall-clock MB/s of the whole run "
          "(reading, parsing, writing included) divided by the threads; the stage's own MB/s per core from the "
          "thread-seconds spent in it (report.json: wall time on each thread, so it drops when the machine is "
          "oversubscribed); peak RSS of the process. No peer: datatrove is not installable here. On a 2-core machine "
          "shared with other jobs the 2-thread rows are limited by what the machine gives.\n")
    table([("case", "l"), ("threads", "r"), ("MB/s", "r"), ("MB/s per core", "r"), ("stage MB/s per core", "l"),
           ("peak RSS MB", "r"), ("goal per core", "r")],
          [[r["case"], r["threads"], f'{r["mb_per_s"]:.1f}', f'{r["mb_per_s_per_core"]:.1f}',
            ", ".join(f"{k} {v:.0f}" for k, v in r["stage_mb_per_s_per_core"].items() if k != "read"),
            f'{r["peak_rss_mb"]:.0f}', goals.get(r["case"], "")] for r in rows])
