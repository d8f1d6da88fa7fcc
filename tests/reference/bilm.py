"""PyTorch reference for the ELMo-style biLM (tests/unit/models/bilm_test.cc).

Written from Peters et al. 2018 and torch.nn: an nn.Embedding read by a forward nn.LSTM and a
backward nn.LSTM (fed the sequence reversed), one nn.Linear softmax layer shared by both
directions; the loss is the mean of the two directions' next-token cross-entropies. The layer
representations are the embedding duplicated and, per layer k, [forward h_k(t); backward h_k(t)];
the mix is gamma * sum_j softmax(s)_j * layer_j (eq. 1). Per-layer states come from one-layer
nn.LSTMs holding layer k's weights. Runs in double precision.
"""

import torch

import st


class ScalarMix(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(n))
        self.gamma = torch.nn.Parameter(torch.ones(1))

    def forward(self, layers):
        w = torch.softmax(self.weight, 0)
        return self.gamma * sum(w[j] * x for j, x in enumerate(layers))


class BiLM(torch.nn.Module):
    def __init__(self, ntoken, nhid, nlayers):
        super().__init__()
        self.encoder = torch.nn.Embedding(ntoken, nhid)
        self.forward_lstm = torch.nn.LSTM(nhid, nhid, nlayers)
        self.backward_lstm = torch.nn.LSTM(nhid, nhid, nlayers)
        self.decoder = torch.nn.Linear(nhid, ntoken)
        self.scalar_mix = ScalarMix(nlayers + 1)

    def loss(self, window):
        total = 0.0
        for lstm, seq in ((self.forward_lstm, window), (self.backward_lstm, window.flip(0))):
            y, _ = lstm(self.encoder(seq[:-1]))
            logits = self.decoder(y)
            total = total + torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[1:].reshape(-1))
        return total / 2

    def _states(self, lstm, x):
        out = []
        for k in range(lstm.num_layers):
            one = torch.nn.LSTM(lstm.input_size, lstm.hidden_size, 1).double()
            one.load_state_dict({f"{w}_l0": getattr(lstm, f"{w}_l{k}") for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
            x, _ = one(x)
            out.append(x)
        return out

    def layers(self, ids):
        e = self.encoder(ids)
        fwd = self._states(self.forward_lstm, e)
        bwd = [h.flip(0) for h in self._states(self.backward_lstm, e.flip(0))]
        return [torch.cat([e, e], -1)] + [torch.cat([f, b], -1) for f, b in zip(fwd, bwd)]


def _load(a):
    m = BiLM(a["vocab_size"], a["hidden_size"], a["num_layers"]).double()
    m.load_state_dict({k: v.double() for k, v in st.load(a["path"]).items()}, strict=True)
    return m


def loss_and_grads(t, a):
    """The loss of t["window"], every parameter's gradient (d.NAME), the layers of t["ids"]
    (layer{j}) and their mix."""
    m = _load(a)
    loss = m.loss(t["window"].long())
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    for n, p in m.named_parameters():
        if p.grad is not None:
            out["d." + n] = p.grad
    with torch.no_grad():
        layers = m.layers(t["ids"].long())
        for j, x in enumerate(layers):
            out[f"layer{j}"] = x
        out["mix"] = m.scalar_mix(layers)
    return out


def _batchify(ids, bsz):
    nbatch = ids.size(0) // bsz
    return ids[:nbatch * bsz].view(bsz, nbatch).t().contiguous().long()


def train(t, a):
    """Windows of bptt + 1 rows (i advancing by bptt, back to 0 when i >= S - 1), zero states,
    clip_grad_norm_, torch.optim.AdamW (no weight decay) over the language model's parameters."""
    m = _load(a)
    data = _batchify(t["train"], a["batch"])
    params = [p for n, p in m.named_parameters() if not n.startswith("scalar_mix.")]
    opt = torch.optim.AdamW(params, lr=a["lr"], weight_decay=0.0)
    losses, i = [], 0
    for _ in range(a["steps"]):
        if i >= data.size(0) - 1:
            i = 0
        n = min(a["bptt"], data.size(0) - 1 - i)
        loss = m.loss(data[i:i + n + 1])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, a["clip"])
        opt.step()
        losses.append(loss.item())
        i += a["bptt"]
    return {"losses": torch.tensor(losses)}
