"""llm.c's sequential data loader rule on numpy, for the loader order tests.

Each micro-step reads the B*T+1 tokens starting at position p; inputs are the first B*T,
targets the same shifted by one. p starts at 0 and advances by B*T; before a read, when
fewer than B*T+1 tokens remain from p, p returns to 0.

usage: llmc_loader.py SHARD.bin B T STEPS OUT.i32
OUT.i32 holds, for each step, the B*T inputs then the B*T targets (little-endian int32).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmc_shard import read_datafile  # noqa: E402


def batches(tokens, B, T, steps):
    p = 0
    for _ in range(steps):
        if p + B * T + 1 > len(tokens):
            p = 0
        buf = tokens[p:p + B * T + 1].astype(np.int32)
        yield buf[:-1].reshape(B, T), buf[1:].reshape(B, T)
        p += B * T


def main():
    shard, B, T, steps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    tokens = read_datafile(shard)
    parts = []
    for x, y in batches(tokens, B, T, steps):
        parts += [x.ravel(), y.ravel()]
    np.concatenate(parts).astype("<i4").tofile(out)


if __name__ == "__main__":
    main()
