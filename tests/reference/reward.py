"""PyTorch reference for reward modelling: the Bradley-Terry loss and sequence-classification
reward models (Hugging Face GPT2ForSequenceClassification / LlamaForSequenceClassification
with num_labels 1) on the decoders of models.py.

The classifier is the decoder, then `score` (a Linear of C -> 1 with no bias) on the final
hidden state of each row's last token. As Hugging Face does, the last token is found from
config.json's pad_token_id: the token before the first pad of the row (the row's last token
when it has no pad)."""
import json
import os

import torch
import torch.nn.functional as F

import models
import st


def bradley_terry(t, args):
    """Case i: "c{i}.chosen" (N), "c{i}.rejected" (N), "c{i}.g" (scalar upstream gradient).
    Returns "c{i}.loss" = -logsigmoid(chosen - rejected).mean() and its gradients
    "c{i}.dchosen", "c{i}.drejected" (of loss * g)."""
    out = {}
    for i in range(args["n"]):
        p = f"c{i}."
        c = t[p + "chosen"].clone().requires_grad_(True)
        r = t[p + "rejected"].clone().requires_grad_(True)
        loss = -F.logsigmoid(c - r).mean()
        (loss * t[p + "g"]).sum().backward()
        out[p + "loss"] = loss.detach().reshape(())
        out[p + "dchosen"] = c.grad
        out[p + "drejected"] = r.grad
    return out


def write_classifier(t, args):
    """args: {dir, config, seed, std}. A classifier checkpoint in Hugging Face's layout with
    random weights: the decoder's tensors (models.py names, no lm_head) and score.weight
    [1, C]; config.json gets architectures, num_labels, id2label/label2id and pad_token_id
    (args.config must hold pad_token_id)."""
    cfg, d = dict(args["config"]), args["dir"]
    # The classifier holds no lm_head, whatever config.json says of tying.
    models.write_checkpoint({}, {"dir": d, "config": dict(cfg, tie_word_embeddings=True), "seed": args.get("seed", 0),
                                 "std": args.get("std", 0.2)})
    sd = st.load(os.path.join(d, "model.safetensors"))
    C = cfg["n_embd"] if cfg["model_type"] == "gpt2" else cfg["hidden_size"]
    g = torch.Generator().manual_seed(args.get("seed", 0) + 1)
    sd["score.weight"] = 0.5 * torch.randn((1, C), generator=g)
    st.save(os.path.join(d, "model.safetensors"), sd, {"format": "pt"})
    arch = "GPT2ForSequenceClassification" if cfg["model_type"] == "gpt2" else "LlamaForSequenceClassification"
    cfg.update({"architectures": [arch], "num_labels": 1, "id2label": {"0": "LABEL_0"},
                "label2id": {"LABEL_0": 0}})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return {}


def _load_classifier(d):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    arch = "GPT2ForSequenceClassification" if cfg["model_type"] == "gpt2" else "LlamaForSequenceClassification"
    assert cfg.get("architectures") == [arch], cfg.get("architectures")
    assert len(cfg.get("id2label", {"0": 0})) == 1 and cfg.get("num_labels", 1) == 1
    assert isinstance(cfg.get("pad_token_id"), int)
    sd = {k: v.double() for k, v in st.load(os.path.join(d, "model.safetensors")).items()}
    assert "lm_head.weight" not in sd, "a classifier has no lm_head"
    C = cfg["n_embd"] if cfg["model_type"] == "gpt2" else cfg["hidden_size"]
    assert tuple(sd["score.weight"].shape) == (1, C), sd["score.weight"].shape
    want = set(models._shapes(dict(cfg, tie_word_embeddings=True))) | {"score.weight"}
    assert set(sd) == want, sorted(set(sd) ^ want)
    return cfg, sd


def scores(t, args):
    """The classifier in args['dir'] on t['ids'] (N, T), right-padded with its pad_token_id.
    Returns "scores" (N) and, with an upstream gradient t['g'] (N), "grad:NAME" of
    sum(scores * g) for every tensor (HF names, HF layouts)."""
    cfg, sd = _load_classifier(args["dir"])
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    ids = t["ids"].long()
    N, T = ids.shape
    # The decoder's "logits" with the score head as the output layer: (N, T, 1).
    fwd = dict(params)
    fwd["lm_head.weight"] = params["score.weight"]
    per_token = models.forward(cfg, fwd, ids)[..., 0]
    is_pad = (ids == cfg["pad_token_id"]).int()
    last = (is_pad.argmax(-1) - 1) % T  # the token before the first pad; T - 1 without one
    s = per_token[torch.arange(N), last]
    out = {"scores": s, "last": last.to(torch.float64)}
    if "g" in t:
        (s * t["g"]).sum().backward()
        for k, v in params.items():
            out["grad:" + k] = v.grad
    return out
