"""The windowing of `lmforge eval`, for the perplexity tests: windows i = 0, 1, ... with
inputs ids[iT : iT+T] and targets ids[iT+1 : iT+T+1] for all i with iT+T+1 <= N, scored
by a known per-token loss instead of a model."""
import torch


def token_loss(x, y):
    """A per-token 'loss' that depends on the input and the target token."""
    return torch.log1p(((x * 31 + y * 17) % 101).double())


def windows(inputs, args):
    """Case k: ids_k with window length args["T"][k] -> loss_k, tokens_k."""
    out = {}
    for k, T in enumerate(args["T"]):
        out.update({f"{name}_{k}": v for name, v in one_shard(inputs[f"ids_{k}"].long(), int(T)).items()})
    return out


def one_shard(ids, T):
    n = ids.numel()
    xs, ys = [], []
    i = 0
    while i * T + T + 1 <= n:
        xs.append(ids[i * T:i * T + T])
        ys.append(ids[i * T + 1:i * T + T + 1])
        i += 1
    losses = token_loss(torch.stack(xs), torch.stack(ys))
    return {"loss": losses.mean().reshape(1), "tokens": torch.tensor([losses.numel()], dtype=torch.int32)}
