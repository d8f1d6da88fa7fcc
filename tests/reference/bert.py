"""PyTorch reference for BERT's masked language model (tests/unit/models/bert_test.cc).

Written from Devlin et al. 2019 and the layout of Hugging Face's BertForMaskedLM (module
names and nn.Linear (out, in) weights), with plain torch.nn modules since transformers is not
installed: word + position + token-type embeddings and a LayerNorm; post-LayerNorm encoder
layers (bidirectional self-attention with an additive padding mask of the float minimum, as
HF's extended attention mask, exact erf GELU in the feed-forward); the MLM head
transform.dense → GELU → transform.LayerNorm → decoder tied to the word embeddings + bias;
the pooler tanh(dense(h[:, 0])) of BertModel. The loss is cross_entropy(ignore_index=-100)
over all positions. Runs in double precision.
"""

import json
import math

import torch
from torch import nn

import st


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, ids, types):
        pos = torch.arange(ids.size(1)).unsqueeze(0)
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(types))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        C = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query, self.key, self.value = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)

    def forward(self, x, ext_mask):
        B, T, C = x.shape
        H, D = self.heads, C // self.heads
        split = lambda y: y.view(B, T, H, D).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(D) + ext_mask
        ctx = torch.softmax(scores, -1) @ v
        return ctx.transpose(1, 2).reshape(B, T, C)


class AddNorm(nn.Module):  # BertSelfOutput / BertOutput: dense, residual, LayerNorm
    def __init__(self, c, inp):
        super().__init__()
        self.dense = nn.Linear(inp, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = AddNorm(c, c["hidden_size"])

    def forward(self, x, m):
        return self.output(self.self(x, m), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = AddNorm(c, c["intermediate_size"])

    def forward(self, x, m):
        a = self.attention(x, m)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Pooler(c)

    def forward(self, ids, types, mask):
        ext = (1.0 - mask[:, None, None, :].to(torch.float64)) * torch.finfo(torch.float64).min
        x = self.embeddings(ids, types)
        for layer in self.encoder.layer:
            x = layer(x, ext)
        return x


class Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, x):
        return self.LayerNorm(nn.functional.gelu(self.dense(x)))


class Predictions(nn.Module):
    def __init__(self, c, word):
        super().__init__()
        self.transform = Transform(c)
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.decoder.weight = word.weight  # tied
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def forward(self, x):
        return self.decoder(self.transform(x)) + self.bias


class Cls(nn.Module):
    def __init__(self, c, word):
        super().__init__()
        self.predictions = Predictions(c, word)


class BertForMaskedLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = BertModel(c)
        self.cls = Cls(c, self.bert.embeddings.word_embeddings)

    def forward(self, ids, types, mask):
        h = self.bert(ids, types, mask)
        return self.cls.predictions(h), h, self.bert.pooler(h)

    def init_weights(self, std):
        """Hugging Face's BertPreTrainedModel._init_weights."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.weight.data.normal_(0.0, std)
                if m.bias is not None:
                    m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.data.normal_(0.0, std)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                m.bias.data.zero_()
                m.weight.data.fill_(1.0)


def _config(a):
    with open(a["dir"] + "/config.json") as f:
        c = json.load(f)
    assert c["model_type"] == "bert" and c["architectures"] == ["BertForMaskedLM"], c
    return c


def _load(a):
    c = _config(a)
    m = BertForMaskedLM(c).double()
    sd = {k: v.double() for k, v in st.load(a["dir"] + "/model.safetensors").items()}
    sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
    m.load_state_dict(sd, strict=True)
    return m


def _inputs(t):
    ids = t["ids"].long()
    types = t["types"].long() if "types" in t else torch.zeros_like(ids)
    mask = t["mask"].long() if "mask" in t else torch.ones_like(ids)
    return ids, types, mask


def forward(t, a):
    """Logits, last hidden states and pooled output of t["ids"] (with t["types"], t["mask"]);
    the MLM loss against t["labels"] and every parameter's gradient (d.NAME)."""
    m = _load(a)
    logits, h, pooled = m(*_inputs(t))
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), t["labels"].long().reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"logits": logits.detach(), "hidden": h.detach(), "pooled": pooled.detach(), "loss": loss.detach().reshape(1)}
    for n, p in m.named_parameters():  # no gradient (the pooler): zeros
        out["d." + n] = p.grad if p.grad is not None else torch.zeros_like(p)
    return out


def init(t, a):
    """A model initialised by torch (HF's _init_weights, torch.manual_seed(a["seed"])) and written
    to a["out"] as config.json + model.safetensors (tied decoder left out); its logits on t."""
    torch.manual_seed(a["seed"])
    c = dict(a["config"])
    m = BertForMaskedLM(c)
    m.init_weights(c["initializer_range"])
    with torch.no_grad():  # non-trivial LayerNorm and bias values, so a misplaced one shows
        for n, p in m.named_parameters():
            if "LayerNorm" in n or n.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    sd = {k: v for k, v in m.state_dict().items() if not k.startswith("cls.predictions.decoder.")}
    st.save(a["out"] + "/model.safetensors", sd, {"format": "pt"})
    with open(a["out"] + "/config.json", "w") as f:
        json.dump(c, f)
    m = m.double()
    with torch.no_grad():
        logits, h, pooled = m(*_inputs(t))
    return {"logits": logits, "pooled": pooled}


def train(t, a):
    """Steps of torch.optim.AdamW (weight decay on >= 2-D tensors) on the MLM loss of
    t["inputs"][s] against t["labels"][s]; returns every step's loss."""
    m = _load(a)
    named = list(m.named_parameters())
    groups = [{"params": [p for _, p in named if p.dim() >= 2], "weight_decay": a["weight_decay"]},
              {"params": [p for _, p in named if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=a["lr"])
    losses = []
    for s in range(t["inputs"].size(0)):
        ids = t["inputs"][s].long()
        logits, _, _ = m(ids, torch.zeros_like(ids), torch.ones_like(ids))
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), t["labels"][s].long().reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {"losses": torch.tensor(losses)}


def pll(t, a):
    """Pseudo-log-likelihood (Salazar et al. 2020) of t["stream"] in windows of a["seq"] ids, each
    wrapped a["cls"] ... a["sep"], every position masked (a["mask"]) in turn; the first a["tokens"]
    ids are scored. Returns the sum of log P(w_t | rest) and the count."""
    m = _load(a)
    s, seq, total, count = t["stream"].long(), a["seq"], 0.0, 0
    with torch.no_grad():
        for w in range(0, a["tokens"], seq):
            window = torch.cat([torch.tensor([a["cls"]]), s[w:w + seq], torch.tensor([a["sep"]])])
            for j in range(min(seq, a["tokens"] - w)):
                ids = window.clone()
                ids[1 + j] = a["mask"]
                logits, _, _ = m(ids[None], torch.zeros_like(ids)[None], torch.ones_like(ids)[None])
                total += torch.log_softmax(logits[0, 1 + j], -1)[window[1 + j]].item()
                count += 1
    return {"pll": torch.tensor([total]), "count": torch.tensor([float(count)])}
