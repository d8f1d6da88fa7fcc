"""The green-list watermark test of Kirchenbauer et al. 2023 ("A Watermark for Large Language
Models", section 3 and Algorithm 2), written from the paper and docs/watermark.md's statement
of the green list, with the standard library only, for tests/unit/infer/watermark_test.cc.

Green list after token `prev` under key KEY over a vocabulary of V ids:
  seed = int.from_bytes(sha256(KEY bytes + prev as 4 little-endian bytes).digest()[:8], "little")
  G    = floor(gamma * V + 0.5)
  the first G entries of a forward Fisher-Yates shuffle of [0..V-1] driven by SplitMix64(seed):
  for i in 0..G-1: j = i + next() mod (V - i); swap a[i], a[j].
Test: T = len(ids) - 1 tokens scored (each after the first, seeded by its predecessor),
  z = (|s|_G - gamma T) / sqrt(T gamma (1 - gamma)),  p = 1 - Phi(z) = erfc(z / sqrt 2) / 2.

Usage: python3 watermark.py IN.json, IN holding {"key", "gamma", "vocab_size", "z_threshold",
"prevs": [ids], "sequences": [[ids]]}; prints {"green_lists": [[ids] per prev],
"scores": [{"tokens", "green", "gamma", "z", "p_value", "detected"} per sequence]}."""
import hashlib
import json
import math
import sys

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def seed_of(key, prev):
    digest = hashlib.sha256(key.encode("utf-8") + (prev & 0xFFFFFFFF).to_bytes(4, "little")).digest()
    return int.from_bytes(digest[:8], "little")


def green_list(key, prev, gamma, V):
    g = int(math.floor(gamma * V + 0.5))
    a = list(range(V))
    rng = SplitMix64(seed_of(key, prev))
    for i in range(g):
        j = i + rng.next() % (V - i)
        a[i], a[j] = a[j], a[i]
    return a[:g]


def score(ids, key, gamma, V, z_threshold):
    T = len(ids) - 1
    green = sum(1 for t in range(1, len(ids)) if ids[t] in set(green_list(key, ids[t - 1], gamma, V)))
    z = (green - gamma * T) / math.sqrt(T * gamma * (1 - gamma))
    p = 0.5 * math.erfc(z / math.sqrt(2))
    return {"tokens": T, "green": green, "gamma": gamma, "z": z, "p_value": p, "detected": z > z_threshold}


def main():
    with open(sys.argv[1]) as f:
        a = json.load(f)
    key, gamma, V = a["key"], a["gamma"], a["vocab_size"]
    zt = a.get("z_threshold", 4.0)
    out = {
        "green_lists": [green_list(key, p, gamma, V) for p in a.get("prevs", [])],
        "scores": [score(s, key, gamma, V, zt) for s in a.get("sequences", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
