"""word2vec references written from the definitions, for the tests of src/models/word2vec/.

sgns_step (through oracle.py): one SGD step of rate lr on the skip-gram negative-sampling
loss of Mikolov et al. (2013) for a hidden vector h (D,) and target output vectors U (n, D),
row 0 the positive word and rows 1.. the negatives:
    L = -log sigmoid(U[0] . h) - sum_{j>=1} log sigmoid(-U[j] . h)
returns loss, grad_h = -lr dL/dh (what is added to the input vector) and U - lr dL/dU,
with PyTorch's autograd.

As a program, it is an independent reader of word2vec.c's vector files:
    word2vec.py read text|binary FILE   -> JSON {"words": [...], "vectors": [[...], ...]}
text: "V D\\n" then "word v1 ... vD\\n" per word; binary: "V D\\n" then per word the word,
one space, D little-endian float32 and a newline."""
import json
import struct
import sys

import torch


def sgns_step(t, args):
    h = t["h"].clone().requires_grad_(True)
    u = t["u"].clone().requires_grad_(True)
    lr = float(args["lr"])
    f = u @ h
    loss = -torch.nn.functional.logsigmoid(f[0]) - torch.nn.functional.logsigmoid(-f[1:]).sum()
    loss.backward()
    return {"loss": loss.detach().reshape(1), "grad_h": -lr * h.grad, "u_new": (u - lr * u.grad).detach()}


def read_text(path):
    with open(path, "rb") as f:
        n, d = map(int, f.readline().split())
        words, vecs = [], []
        for _ in range(n):
            parts = f.readline().decode("utf-8").split()
            assert len(parts) == d + 1, parts[:3]
            words.append(parts[0])
            vecs.append([float(x) for x in parts[1:]])
        assert f.read().strip() == b""
    return words, vecs


def read_binary(path):
    with open(path, "rb") as f:
        n, d = map(int, f.readline().split())
        words, vecs = [], []
        for _ in range(n):
            w = b""
            while True:
                c = f.read(1)
                assert c, "truncated"
                if c == b" ":
                    break
                w += c
            words.append(w.decode("utf-8"))
            raw = f.read(4 * d)
            assert len(raw) == 4 * d, "truncated"
            vecs.append(list(struct.unpack("<%df" % d, raw)))
            assert f.read(1) == b"\n"
        assert f.read() == b""
    return words, vecs


if __name__ == "__main__":
    kind, path = sys.argv[2], sys.argv[3]
    words, vecs = (read_text if kind == "text" else read_binary)(path)
    print(json.dumps({"words": words, "vectors": vecs}))
