"""PyTorch reference for text embeddings and their contrastive training, written from the
definitions:

  embedding  the final hidden states of the decoder (after its last norm), pooled over a
             text's tokens — mean: their mean; last: the last token's; cls: the first
             token's — then L2-normalised (F.normalize). The hidden states are the logits
             of the same model with lm_head replaced by the identity. Texts are tokenized
             by bytes: the tests' models use the byte tokenizer (id = byte value).
  loss       sentence-transformers' MultipleNegativesRankingLoss: scores = cos_sim(anchors,
             positives ++ negatives) / temperature, loss = cross_entropy(scores, arange(B)).
"""
import torch
import torch.nn.functional as F

import models
import peft


def _hidden_model(model_dir, adapter_dir=None):
    cfg, sd = models.load(model_dir)
    C = sd["model.norm.weight" if cfg["model_type"] == "llama" else "transformer.ln_f.weight"].shape[0]
    sd["lm_head.weight"] = torch.eye(C, dtype=torch.float64)
    hooks = None
    if adapter_dir:
        acfg, tensors = peft.load_adapter(adapter_dir)
        hooks = peft.Peft(cfg, acfg, tensors)
    return cfg, sd, hooks


def _pool(h, pooling):  # h (T, C)
    if pooling == "mean":
        return h.mean(0)
    if pooling == "last":
        return h[-1]
    if pooling == "cls":
        return h[0]
    raise ValueError(pooling)


def _ids(text):
    return torch.tensor([list(text.encode("utf-8"))], dtype=torch.long)


def embed(t, args):
    """args: model_dir, adapter_dir (optional), texts, pooling. Returns "embeddings" (n, C),
    each row one text's pooled hidden states, L2-normalised."""
    cfg, sd, hooks = _hidden_model(args["model_dir"], args.get("adapter_dir"))
    rows = [_pool(models.forward(cfg, sd, _ids(x), hooks)[0], args["pooling"]) for x in args["texts"]]
    return {"embeddings": F.normalize(torch.stack(rows), dim=-1)}


def _mnrl(a, p, n, temperature):
    candidates = p if n is None else torch.cat([p, n])
    scores = F.normalize(a, dim=-1) @ F.normalize(candidates, dim=-1).t() / temperature
    return F.cross_entropy(scores, torch.arange(a.shape[0]))


def loss(t, args):
    """Case i: "c{i}.a" (B, C) anchors, "c{i}.p" (B, C) positives, optionally "c{i}.n" (M, C)
    hard negatives, "c{i}.g" a scalar upstream gradient; args["cases"][i]["temperature"].
    Returns "c{i}.loss" and "c{i}.d<name>" = d(loss * g)/d(<name>)."""
    out = {}
    for i, case in enumerate(args["cases"]):
        p = f"c{i}."
        x = {k: t[p + k].clone().requires_grad_(True) for k in ("a", "p", "n") if p + k in t}
        value = _mnrl(x["a"], x["p"], x.get("n"), case["temperature"])
        (value * t[p + "g"]).sum().backward()
        out[p + "loss"] = value.detach().reshape(())
        for k, v in x.items():
            out[p + "d" + k] = v.grad
    return out


def pairs_loss(t, args):
    """The contrastive loss of args["pairs"] ([anchor, positive] texts, one batch) under each
    model of args["model_dirs"] with args["pooling"] and args["temperature"]: "loss:<k>"."""
    out = {}
    for k, d in enumerate(args["model_dirs"]):
        cfg, sd, hooks = _hidden_model(d)
        def emb(x):
            return _pool(models.forward(cfg, sd, _ids(x), hooks)[0], args["pooling"])
        a = torch.stack([emb(x[0]) for x in args["pairs"]])
        p = torch.stack([emb(x[1]) for x in args["pairs"]])
        out[f"loss:{k}"] = _mnrl(a, p, None, args["temperature"]).reshape(())
    return out


def cases(t, args):
    """Writes the random models args["write"] ([{dir, config, seed}], models.write_checkpoint)
    and LoRA adapters args["adapters"] ([{dir, config, adapter_config, seed}]), then embeds
    each case of args["cases"] ([{model_dir, adapter_dir (optional), pooling, texts}]) as
    embed() does: "c{i}.embeddings"."""
    import dpo
    for w in args.get("write", []):
        models.write_checkpoint({}, w)
    for a in args.get("adapters", []):
        dpo.write_adapter({}, a)
    out = {}
    for i, case in enumerate(args["cases"]):
        out[f"c{i}.embeddings"] = embed(t, case)["embeddings"]
    return out
