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
