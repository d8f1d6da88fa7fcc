"""Markdown section of docs/benchmarks.md for bench/word2vec, from bench/results/word2vec.json.

section(results) prints it; bench/report.py calls it (see there)."""
from md_table import table


def section(res):
    rows, meta = res["rows"], res["meta"]
    print("## word2vec against fastText\n")
    r0 = rows[0]
    print(f"`lmforge train --arch word2vec` against fastText {meta['fasttext_package']} (`fasttext skipgram|cbow "
          "-minn 0 -maxn 0`: no subword n-grams, i.e. plain word2vec) on the Brown corpus (`lmforge data brown`, "
          f"lowercased, punctuation split off: {r0['tokens']:,} tokens with the end-of-sentence marks), the same "
          f"settings on both sides: dim 100, window 5, 5 negatives, min count 5, subsampling 1e-3, {r0['epochs']} "
          "epochs, lr 0.025, one thread. Words/s per thread = tokens x epochs over the process's CPU time (user + sys, "
          "reading and writing included; the machine was shared, so CPU time rather than wall time); each "
          "trainer's own wall-clock words/s/thread is given too. Quality: recall@10 of WordNet noun synonyms "
          "(every noun synset's single-word, letters-only lemmas that are in both vocabularies; each ordered pair "
          "(a, b) asks whether b is among a's 10 nearest words by cosine; `bench/word2vec/synonyms.py`).\n")
    table([("model", "l"), ("lmforge words/s/thread", "r"), ("fastText words/s/thread", "r"), ("lmforge / fastText", "r"),
           ("own figures (wall) lmforge / fastText", "r"), ("recall@10 lmforge", "r"), ("recall@10 fastText", "r"),
           ("queries", "r")],
          [[x["model"], f"{x['lmforge']['words_per_cpu_s']:,.0f}", f"{x['fasttext']['words_per_cpu_s']:,.0f}",
            f"{x['speedup']:.2f}x",
            f"{x['lmforge']['own_words_per_thread_s']:,.0f} / {x['fasttext']['own_words_per_thread_s'] or 0:,.0f}",
            f"{x['quality']['recall_at_10']['lmforge']:.4f}", f"{x['quality']['recall_at_10']['fasttext']:.4f}",
            f"{x['quality']['queries']:,}"] for x in rows])
    print("\nRecall is low for both in absolute terms: Brown is about a million words, far below the billions "
          "word vectors are usually trained on; what the table compares is the two trainers on the same data. "
          "The quality goal: lmforge's recall@10 at least fastText's minus 0.02.")
    print(f"\nLoad before the run: `{meta['load_before']}`.\n")
    print("Command: `bench/word2vec/run build`; results in `bench/results/word2vec.json`.")
