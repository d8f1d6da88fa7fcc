"""Markdown section of docs/benchmarks.md for bench/rag, from bench/results/rag.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    meta, sp, dn, goals = res["meta"], res["sparse"], res["dense"], res["goals"]
    m, ch = meta["machine"], meta["chunks"]
    o, x = sp["lmforge"], sp["xapian"]
    mb = ch["bytes"] / 1e6
    corp = ", ".join(f"{c['name']} {c['chunks']:,}" for c in ch["corpora"])
    print("## Retrieval (RAG): BM25 and the dense index\n")
    print(f"**Sparse.** Every sentence-sized chunk of the shipped corpora ({corp}: {ch['base_chunks']:,} chunks; "
          "bench/rag/corpus_chunks.h states the rule: Brown paragraphs and SpamAssassin bodies split after `.`/`!`/`?`, "
          "pieces cut at 300 bytes, at least 3 words; one WordNet synset's words and gloss a chunk), repeated in order "
          f"to {ch['chunks']:,} chunks ({mb:.1f} MB of text). lmforge's `augment::Bm25Index` (k1 = {meta['k1']}, "
          f"b = {meta['b']}) against Xapian {x['version']} with `BM25Weight(k1 = {meta['k1']}, k2 = 0, k3 = 0, "
          f"b = {meta['b']}, min_normlen = 0)` set in a small driver (bench/rag/xapian/xapian_bm25.cc; k3 = 0: a query "
          "term's frequency is ignored, as in ours). Both index on disk: ours is `save()`d to one file, Xapian writes "
          "a glass database and commits; the build time includes that. Xapian is fed the terms of lmforge's analyzer "
          "(`augment::analyze`, each occurrence a `Document::add_term`, no positions), so both index the same terms and "
          "lengths and the overlap compares scoring alone; its own `TermGenerator` (no stemmer, no positions) is timed "
          "separately as Xapian's own indexing speed. The two IDFs differ: ours is ln(1 + (N − n + 0.5)/(n + 0.5)), "
          "Xapian's ln((N − n + 0.5)/(n + 0.5)) with ratios below 2 mapped to 1 + ratio/2 before the logarithm; this and "
          "float rounding is what separates the rankings. Queries: the first 5 words of "
          f"{ch['queries']} evenly spaced chunks, each timed alone (its analysis, the OR of its distinct terms, the "
          "top 10), one thread. Both builds are single-threaded, so MB/s of wall time is MB/s per core; MB per CPU "
          "second beside it. Each step runs in a process of its own: peak RSS (getrusage) is that side's alone.\n")
    kb = 1024 * 1024
    rows = [["lmforge `Bm25Index`", f"{o['build']['mb_per_s']:.1f}", f"{o['build']['mb_per_cpu_s']:.1f}",
             f"{o['build']['build_s']:.1f}", f"{o['build']['index_bytes'] / 1e6:.0f}", f"{o['build']['peak_rss_kb'] / kb:.2f}",
             f"{o['query']['p50_ms']:.2f} / {o['query']['p99_ms']:.2f}", f"{o['query']['peak_rss_kb'] / kb:.2f}"],
            ["Xapian, our terms, one commit", f"{x['build']['mb_per_s']:.1f}", f"{x['build']['mb_per_cpu_s']:.1f}",
             f"{x['build']['build_s']:.1f}",
             f"{x['build']['index_bytes'] / 1e6:.0f} ({x['compacted_bytes'] / 1e6:.0f} compacted)",
             f"{x['build']['peak_rss_kb'] / kb:.2f}",
             f"{x['query']['p50_ms']:.2f} / {x['query']['p99_ms']:.2f}", f"{x['query']['peak_rss_kb'] / kb:.2f}"]]
    for label, key in [("Xapian, our terms, default flush (10000)", "build_default_flush"),
                       ("Xapian `TermGenerator`, one commit", "build_termgenerator")]:
        s = x[key]
        rows.append([label, f"{s['mb_per_s']:.1f}", f"{s['mb_per_cpu_s']:.1f}", f"{s['build_s']:.1f}",
                     f"{s['index_bytes'] / 1e6:.0f}", f"{s['peak_rss_kb'] / kb:.2f}", "", ""])
    table([("side", "l"), ("build MB/s (per core)", "r"), ("MB per CPU s", "r"), ("build s", "r"),
           ("index on disk MB", "r"), ("build peak RSS GiB", "r"), ("query p50 / p99 ms", "r"),
           ("query peak RSS GiB", "r")], rows)
    ov = sp["overlap"]
    met = goals["met"]
    print(f"\nTop-10 overlap (|ours ∩ Xapian's| / 10, mean over the queries): {sp['overlap_top10']:.3f} "
          f"(lowest {ov['min']:.1f}; {ov['identical_lists']} of {ov['queries']} lists identical, "
          f"{ov['below_0_9']} below 0.9).")
    print(f"Goals: indexing ≥ 2× Xapian: {goals['build_vs_xapian_best']:.2f}× against Xapian's faster setting on the "
          f"same terms ({'met' if met['build_2x'] else 'not met'}; {goals['build_vs_xapian_default_flush']:.2f}× against "
          f"its default flushing every 10000 documents, {goals['build_vs_xapian']:.2f}× against one commit at the end, "
          f"{goals['build_vs_xapian_termgenerator']:.2f}× against its TermGenerator); query p99 ≤ Xapian's: "
          f"{goals['p99_vs_xapian']:.2f}× ({'met' if met['p99'] else 'not met'}); top-10 overlap ≥ 0.9: "
          f"{goals['overlap_top10']:.3f} ({'met' if met['overlap_0_9'] else 'not met'}). "
          "Xapian's compacted size is after `xapian-compact` (xapian-tools), which an index being built does not get.\n")
    print(f"**Dense.** `augment::DenseIndex` on {dn['n']:,} synthetic unit vectors of {dn['dim']} dimensions: "
          "normalise(A z + 0.25 e), z ~ N(0, I₁₆) through a fixed random map A, e isotropic noise (a 16-dimensional "
          "structure, as sentence embeddings have a low intrinsic dimension; uniformly random unit vectors are a graph "
          f"index's worst case). It is an HNSW graph ({dn['kind']}; M = {dn['M']}, efConstruction = "
          f"{dn['ef_construction']}, efSearch = {dn['ef_search']}, inner product), built by FAISS (Debian libfaiss) on "
          f"{dn['threads']} threads; {dn['queries']} queries from the same distribution, k = 10, each timed alone; recall@10 "
          f"against an exact search (FAISS flat) over the first {dn['recall_sample']}.\n")
    table([("vectors", "r"), ("dim", "r"), ("build s", "r"), ("build CPU s", "r"), ("vectors/s per core", "r"),
           ("index on disk MB", "r"), ("query p50 / p99 ms", "r"), ("batch queries/s", "r"), ("recall@10", "r"),
           ("peak RSS GiB", "r")],
          [[f"{dn['n']:,}", dn["dim"], f"{dn['build_s']:.1f}", f"{dn['build_cpu_s']:.1f}",
            f"{dn['n'] / dn['build_cpu_s']:.0f}", f"{dn['index_bytes'] / 1e6:.0f}",
            f"{dn['p50_ms']:.3f} / {dn['p99_ms']:.3f}", f"{dn['batch_queries_per_s']:.0f}",
            f"{dn['recall_at_10']:.3f}", f"{dn['peak_rss_kb'] / kb:.2f}"]])
    print(f"\nThe machine is shared: other processes took up to {meta['other_cpu_cores']:.2f} cores during a step "
          f"(from /proc/stat). Machine load (`uptime`): before \"{meta['uptime_before']}\", after "
          f"\"{meta['uptime_after']}\"; wall time {meta['wall_s']} s; {meta['rounds']} round(s), medians.\n")
    print(f"CPU: {m['model']}, {m['cores']} cores; SIMD flags: {' '.join(m['simd_flags'])}.\n")
    print(f"Command: `{meta['command']}` (also run by `make bench`; `BENCH_RAG_CHUNKS`, `BENCH_RAG_QUERIES`, "
          "`BENCH_RAG_VECTORS`, `BENCH_RAG_DIM`, `BENCH_RAG_ROUNDS` change the sizes and rounds); results in "
          "`bench/results/rag.json`.")
