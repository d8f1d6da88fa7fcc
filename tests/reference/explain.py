"""PyTorch reference for `lmforge explain` (src/eval/explain.h), written from the
definitions on the reference decoders of models.py:

- score: log softmax(logits[T-1])[target], for each of args['targets'] (-1: the argmax);
- gradient x input (Shrikumar et al. 2016): the input is the token embedding rows e_t
  (Hugging Face's inputs_embeds; GPT-2's position embeddings are added by the model, not
  part of the input); g_t = d score / d e_t; per token sum_c e_t*g_t and ||g_t||_2;
- attention rollout (Abnar & Zuidema 2020): per layer the head-averaged attention A,
  0.5 A + 0.5 I with rows renormalised, multiplied from the first layer to the last;
  the attribution is the last row;
- logit lens (nostalgebraist 2020): the residual stream at the last position after the
  embeddings and after each layer, through the final norm and the LM head.

The embedding rows become leaves by giving every position a vocabulary row of its own
(the table extended by the T rows e_t, the LM head kept as the original table), and the
attention probabilities are recorded by wrapping models._causal_attention with the same
definition (softmax of q.k / sqrt(D), causal). The residual streams are the embeddings
plus the sublayer outputs that models.py's hooks see.

Also a command-line checker for the files `lmforge explain` writes:
  explain.py read-svg FILE.svg   -> JSON {"cells": {method: [[position, id, value]...]},
                                          "lens": [[layer, rank, id, prob]...], "title"}
  explain.py read-html FILE.html -> JSON {"rows": {method: [[position, value]...]},
                                          "lens": [[layer, id, prob]...], "scripts",
                                          "external"}
"""
import json
import math
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser


def explain(t, args):
    """t['ids'] (1, T); args: {dir, targets: [id or -1 for the argmax, ...]}. Returns, for
    the i-th target, score:i (1), target:i (1), gradient:i (T, C), grad_x_input:i (T),
    grad_norm:i (T); and probs:<l> (H, T, T), rollout (T), lens (L+1, V)
    log-probabilities, which do not depend on the target. (PyTorch is imported here: the
    file readers below need none.)"""
    import torch
    import torch.nn.functional as F

    import models

    class Record(models.NoHooks):
        def __init__(self):
            self.sub = []  # the attention and MLP outputs, layer by layer

        def sublayer(self, layer, part, y):
            self.sub.append(y)
            return y

    cfg, sd = models.load(args["dir"])
    gpt2 = cfg["model_type"] == "gpt2"
    wte = "transformer.wte.weight" if gpt2 else "model.embed_tokens.weight"
    ids = t["ids"].long()[0]
    T, V = ids.numel(), sd[wte].shape[0]
    out = {}
    for i, target in enumerate(args["targets"]):
        e = sd[wte][ids].clone().requires_grad_(True)  # (T, C)
        ext = dict(sd)
        ext.setdefault("lm_head.weight", sd[wte])
        ext[wte] = torch.cat([sd[wte], e])
        probs = []

        def recording_attention(q, k, v, allowed=None):
            Tq, S, D = q.shape[-2], k.shape[-2], q.shape[-1]
            att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
            att = att.masked_fill(~torch.ones(Tq, S, dtype=torch.bool).tril(S - Tq), float("-inf")).softmax(-1)
            probs.append(att[0])
            return att @ v

        rec = Record()
        saved = models._causal_attention
        models._causal_attention = recording_attention
        try:
            logits = models.forward(cfg, ext, (V + torch.arange(T))[None], rec)
        finally:
            models._causal_attention = saved
        last = logits[0, -1].log_softmax(-1)
        if target < 0:
            target = int(last.argmax())
        score = last[target]
        score.backward()
        g = e.grad
        out.update({f"score:{i}": score.detach().reshape(1), f"target:{i}": torch.tensor([target], dtype=torch.int32),
                    f"gradient:{i}": g, f"grad_x_input:{i}": (e.detach() * g).sum(-1), f"grad_norm:{i}": g.norm(dim=-1)})

    R = torch.eye(T, dtype=torch.float64)
    for li, p in enumerate(probs):
        out[f"probs:{li}"] = p.detach()
        A = 0.5 * p.detach().mean(0) + 0.5 * torch.eye(T, dtype=torch.float64)
        A = A / A.sum(-1, keepdim=True)
        R = A @ R
    out["rollout"] = R[-1]

    if gpt2:
        def final_norm(x):
            return F.layer_norm(x, (x.shape[-1],), sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"],
                                cfg.get("layer_norm_epsilon", 1e-5))
    else:
        def final_norm(x):
            return models._rms(x, sd["model.norm.weight"], cfg.get("rms_norm_eps", 1e-6))
    x = e.detach() + (sd["transformer.wpe.weight"][:T] if gpt2 else 0)
    residuals = [x]
    for j in range(0, len(rec.sub), 2):
        x = x + rec.sub[j].detach()[0] + rec.sub[j + 1].detach()[0]
        residuals.append(x)
    head = ext["lm_head.weight"]
    out["lens"] = torch.stack([(final_norm(r[-1]) @ head.t()).log_softmax(-1) for r in residuals])
    return out


# ---------------------------------------------------------------- reading the files back

SVG = "{http://www.w3.org/2000/svg}"


def read_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg", root.tag
    cells, lens = {}, []
    for g in root.iter(SVG + "g"):
        assert g.find(SVG + "rect") is not None and g.find(SVG + "title") is not None
        if g.get("class") == "cell":
            cells.setdefault(g.get("data-method"), []).append(
                [int(g.get("data-position")), int(g.get("data-id")), float(g.get("data-value"))])
        elif g.get("class") == "lens":
            lens.append([int(g.get("data-layer")), int(g.get("data-rank")), int(g.get("data-id")),
                         float(g.get("data-prob"))])
    title = next(t.text for t in root.iter(SVG + "text") if t.get("class") == "title")
    return {"cells": cells, "lens": lens, "title": title}


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.lens, self.scripts, self.external = {}, [], 0, []
        self.method, self.layer = None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if k in a:
                self.external.append(a[k])
        if tag == "link" or "url(" in (a.get("style") or ""):
            self.external.append(str(a))
        if tag == "div" and "data-method" in a:
            self.method = a["data-method"]
            self.rows[self.method] = []
        if tag == "span" and self.method:
            self.rows[self.method].append([int(a["data-position"]), float(a["data-value"])])
        if tag == "tr" and "data-layer" in a:
            self.layer = int(a["data-layer"])
        if tag == "td" and "data-prob" in a:
            self.lens.append([self.layer, int(a["data-id"]), float(a["data-prob"])])

    def handle_endtag(self, tag):
        if tag == "div":
            self.method = None


def read_html(path):
    p = _Html()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return {"rows": p.rows, "lens": p.lens, "scripts": p.scripts, "external": p.external}


if __name__ == "__main__":
    what, path = sys.argv[1], sys.argv[2]
    print(json.dumps(read_svg(path) if what == "read-svg" else read_html(path)))
