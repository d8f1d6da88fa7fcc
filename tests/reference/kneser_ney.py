"""Interpolated modified Kneser-Ney (Chen & Goodman 1998, "An Empirical Study of Smoothing
Techniques for Language Modeling", sections 3.5 and 4.1.6), written from the paper's
definition with plain dictionaries, as the reference for the n-gram tests.

    p(w | h) = max(a(hw) - D(a(hw)), 0) / S(h) + gamma(h) p(w | h')
    gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / S(h),  S(h) = sum_w a(hw)
    D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3, Y = n1 / (n1 + 2 n2)

a(g) is the raw count at the highest order and the continuation count N1+(. g) below it,
except for n-grams that start with <s> (nothing precedes them), which keep raw counts.
The recursion ends at the uniform distribution over the predictable vocabulary (the words
seen, </s>, <unk>). An unseen context backs off to its shorter context with weight 1.
Degenerate count-of-counts use KenLM's fallback discounts 0.5, 1, 1.5.

Sentences are the non-blank lines of a text file, whitespace-split (a leading <s> and a
trailing </s> dropped), scored as <s> w1 .. wn </s>; unknown words are <unk>.

Usage: kneser_ney.py TRAIN ORDER TEST  ->  JSON {"discounts", "log10_probs"} on stdout.
"""
import json
import math
import sys
from collections import Counter, defaultdict


def sentences(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.split()
            if w and w[0] == "<s>":
                w = w[1:]
            if w and w[-1] == "</s>":
                w = w[:-1]
            if w:
                out.append(w)
    return out


def discounts_from(adjusted):
    n = [sum(1 for a in adjusted.values() if a == k) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return [0.5, 1.0, 1.5]
    y = n[0] / (n[0] + 2 * n[1])
    d = [1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]]
    if not all(0 < d[k] <= k + 1 for k in range(3)):
        return [0.5, 1.0, 1.5]
    return d


class KneserNey:
    def __init__(self, sents, order):
        self.order = order
        raw = [Counter() for _ in range(order + 1)]
        for s in sents:
            p = ["<s>"] + s + ["</s>"]
            for i in range(1, len(p)):
                for n in range(1, order + 1):
                    if i - n + 1 >= 0:
                        raw[n][tuple(p[i - n + 1:i + 1])] += 1
        self.a = [None] * (order + 1)
        self.a[order] = dict(raw[order])
        for n in range(order - 1, 0, -1):
            left = defaultdict(set)
            for g in raw[n + 1]:
                left[g[1:]].add(g[0])
            self.a[n] = {g: (c if g[0] == "<s>" else len(left[g])) for g, c in raw[n].items()}
        self.vocab = {g[0] for g in raw[1]} | {"</s>", "<unk>"}
        self.d = [None] + [discounts_from(self.a[n]) for n in range(1, order + 1)]
        # Context statistics: S(h), N1(h.), N2(h.), N3+(h.) per order.
        self.ctx = [None] + [defaultdict(lambda: [0, 0, 0, 0]) for _ in range(order)]
        for n in range(1, order + 1):
            for g, a in self.a[n].items():
                st = self.ctx[n][g[:-1]]
                st[0] += a
                st[min(a, 3)] += 1

    def disc(self, n, a):
        return 0.0 if a == 0 else self.d[n][min(a, 3) - 1]

    def prob(self, w, h):
        h = tuple(h[-(self.order - 1):]) if self.order > 1 else ()
        return self._p(w, h)

    def _p(self, w, h):
        n = len(h) + 1
        lower = 1.0 / len(self.vocab) if n == 1 else self._p(w, h[1:])
        st = self.ctx[n].get(h)
        if st is None or st[0] == 0:
            return lower
        d = self.d[n]
        gamma = (d[0] * st[1] + d[1] * st[2] + d[2] * st[3]) / st[0]
        a = self.a[n].get(h + (w,), 0)
        return max(a - self.disc(n, a), 0.0) / st[0] + gamma * lower


def main():
    train, order, test = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lm = KneserNey(sentences(train), order)
    out = []
    for s in sentences(test):
        words = [w if w in lm.vocab else "<unk>" for w in s] + ["</s>"]
        h = ["<s>"]
        for w in words:
            out.append(math.log10(lm.prob(w, h)))
            h.append(w)
    json.dump({"discounts": lm.d[1:], "vocab_size": len(lm.vocab), "log10_probs": out}, sys.stdout)


if __name__ == "__main__":
    main()
