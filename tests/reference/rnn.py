"""PyTorch reference for the LSTM / GRU stacks (tests/unit/core/ops/lstm_gru_test.cc).

Written from torch.nn.LSTM / torch.nn.GRU themselves: each case builds the module with the
case's sizes, loads the parameters the C++ side made through load_state_dict (strict, so
every PyTorch name and shape must match), runs it in double precision and back-propagates
sum(y*gy) + sum(h*gh) [+ sum(c*gc)].

`write_state_dicts` instead lets PyTorch initialise a module and writes its state dict with
the safetensors writer, for the C++ side to load.
"""

import torch

import st


def _module(a):
    cls = torch.nn.LSTM if a["kind"] == "lstm" else torch.nn.GRU
    return cls(a["input_size"], a["hidden_size"], num_layers=a["num_layers"],
               bidirectional=a["bidirectional"], batch_first=a["batch_first"], bias=a.get("bias", True))


def cases(t, args):
    out = {}
    for i, a in enumerate(args["cases"]):
        p = f"c{i}."
        m = _module(a).double()
        names = [n for n, _ in m.named_parameters()]
        m.load_state_dict({n: t[p + n] for n in names}, strict=True)
        x = t[p + "x"].clone().requires_grad_(True)
        h0 = t[p + "h0"].clone().requires_grad_(True)
        lstm = a["kind"] == "lstm"
        if lstm:
            c0 = t[p + "c0"].clone().requires_grad_(True)
            y, (h, c) = m(x, (h0, c0))
        else:
            y, h = m(x, h0)
        loss = (y * t[p + "gy"]).sum() + (h * t[p + "gh"]).sum()
        if lstm:
            loss = loss + (c * t[p + "gc"]).sum()
        loss.backward()
        out[p + "y"] = y
        out[p + "h"] = h
        out[p + "dx"] = x.grad
        out[p + "dh0"] = h0.grad
        if lstm:
            out[p + "c"] = c
            out[p + "dc0"] = c0.grad
        for n, prm in m.named_parameters():
            out[p + "d." + n] = prm.grad
    return out


def write_state_dicts(t, args):
    """For each case: PyTorch's own initialisation (seeded), saved as float32 safetensors at
    its "path"; returns the module's output on t["x"] (zero initial state)."""
    out = {}
    for i, a in enumerate(args["cases"]):
        p = f"c{i}."
        torch.manual_seed(a["seed"])
        m = _module(a)
        st.save(a["path"], {k: v.detach().float().contiguous() for k, v in m.state_dict().items()})
        m = m.double()
        with torch.no_grad():
            y, state = m(t["x"])
        out[p + "y"] = y
        if isinstance(state, tuple):
            out[p + "h"], out[p + "c"] = state
        else:
            out[p + "h"] = state
    return out


class RNNModel(torch.nn.Module):
    """PyTorch's word-language-model example (examples/word_language_model/model.py,
    RNNModel without dropout or tied weights): embedding -> LSTM/GRU -> linear."""

    def __init__(self, kind, ntoken, ninp, nhid, nlayers):
        super().__init__()
        self.encoder = torch.nn.Embedding(ntoken, ninp)
        self.rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(ninp, nhid, nlayers)
        self.decoder = torch.nn.Linear(nhid, ntoken)

    def forward(self, inp, hidden):
        out, hidden = self.rnn(self.encoder(inp), hidden)
        return self.decoder(out), hidden


def _batchify(ids, bsz):
    nbatch = ids.size(0) // bsz
    return ids[:nbatch * bsz].view(bsz, nbatch).t().contiguous().long()


def _repackage(h):
    if h is None:
        return None
    return tuple(v.detach() for v in h) if isinstance(h, tuple) else h.detach()


def _evaluate(model, data, bptt):
    total, count, hidden = 0.0, 0, None
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            n = min(bptt, data.size(0) - 1 - i)
            out, hidden = model(data[i:i + n], hidden)
            total += torch.nn.functional.cross_entropy(out.reshape(-1, out.size(-1)),
                                                        data[i + 1:i + 1 + n].reshape(-1)).item() * out.size(0) * out.size(1)
            count += n * data.size(1)
    return total / count


def tbptt(t, args):
    """tbptt_one for each of args["cases"]; outputs prefixed c{i}."""
    out = {}
    for i, a in enumerate(args["cases"]):
        for k, v in tbptt_one(t, a).items():
            out[f"c{i}." + k] = v
    return out


def tbptt_one(t, a):
    """Truncated BPTT as the example's train(): batchify, chunks of `bptt` rows, hidden state
    carried detached (zeros at each epoch), clip_grad_norm_, then torch.optim.AdamW (no
    weight decay). Loads the C++ model's model.safetensors with load_state_dict(strict)."""
    m = RNNModel(a["kind"], a["vocab_size"], a["embedding_size"], a["hidden_size"], a["num_layers"]).double()
    m.load_state_dict({k: v.double() for k, v in st.load(a["path"]).items()}, strict=True)
    data = _batchify(t["train"], a["batch"])
    opt = torch.optim.AdamW(m.parameters(), lr=a["lr"], weight_decay=0.0)
    losses, i, hidden = [], 0, None
    for _ in range(a["steps"]):
        if i >= data.size(0) - 1:
            i, hidden = 0, None
        n = min(a["bptt"], data.size(0) - 1 - i)
        hidden = _repackage(hidden)
        out, hidden = m(data[i:i + n], hidden)
        loss = torch.nn.functional.cross_entropy(out.reshape(-1, out.size(-1)), data[i + 1:i + 1 + n].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), a["clip"])
        opt.step()
        losses.append(loss.item())
        i += a["bptt"]
    val = _evaluate(m, _batchify(t["val"], a["eval_batch"]), a["bptt"])
    return {"losses": torch.tensor(losses), "val_loss": torch.tensor([val])}
