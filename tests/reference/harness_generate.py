"""lm-evaluation-harness's greedy generate_until (HFLM.generate_until) over the float64
reference forward pass of models.py, written from its definition: the context's tokens
left-truncated to max_length - max_gen_toks, greedy tokens until max_gen_toks or the
end-of-text token, decoded without special tokens (UTF-8, invalid bytes replaced), then
s = s.split(term)[0] for each non-empty term of `until`.

usage: harness_generate.py IN.json   (prints one JSON object: {"texts": [...], "ids": [[...], ...]})

IN: {"dir", "max_length", "max_gen_toks", "eos", "until": [...], "special": [ids],
     "vocab": [hex bytes of each token id], "prompts": [[ids], ...]}
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def main():
    a = json.load(open(sys.argv[1]))
    cfg, sd = models.load(a["dir"])
    vocab = [bytes.fromhex(h) for h in a["vocab"]]
    special = set(a["special"])
    texts, all_ids = [], []
    for prompt in a["prompts"]:
        ids = prompt[-(a["max_length"] - a["max_gen_toks"]):]
        out = []
        with torch.no_grad():
            for _ in range(a["max_gen_toks"]):
                logits = models.forward(cfg, sd, torch.tensor([ids + out], dtype=torch.long))[0, -1]
                nxt = int(logits.argmax())
                out.append(nxt)
                if nxt == a["eos"] or len(ids) + len(out) >= a["max_length"]:
                    break
        s = b"".join(vocab[i] for i in out if i not in special).decode("utf-8", errors="replace")
        for term in a["until"]:
            if len(term) > 0:
                s = s.split(term)[0]
        texts.append(s)
        all_ids.append(out)
    print(json.dumps({"texts": texts, "ids": all_ids}))


if __name__ == "__main__":
    main()
