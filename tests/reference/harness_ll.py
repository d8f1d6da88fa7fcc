"""lm-evaluation-harness's log-likelihood scoring of a causal LM, written from its
definitions (TemplateLM.loglikelihood, HFLM._loglikelihood_tokens, loglikelihood_rolling,
utils.get_rolling_token_windows and make_disjoint_window) over the float64 reference
forward pass of models.py. Token ids come in through args (the tokenizer is the caller's)."""
import torch
import torch.nn.functional as F

import models


def _score(cfg, sd, context, continuation, max_length):
    """Sum of log-probabilities of `continuation` after `context`, and whether it is greedy.
    The model reads (context + continuation)[-(max_length + 1):][:-1]."""
    whole = (context + continuation)[-(max_length + 1):]
    inp = torch.tensor([whole[:-1]], dtype=torch.long)
    logp = F.log_softmax(models.forward(cfg, sd, inp)[0], dim=-1)
    n = len(continuation)
    rows = logp[-n:]
    cont = torch.tensor(continuation, dtype=torch.long)
    greedy = bool((rows.argmax(dim=-1) == cont).all())
    return float(rows.gather(1, cont.view(-1, 1)).sum()), greedy


def loglikelihood(t, args):
    """args: {dir, max_length, requests: [[context ids, continuation ids], ...]}."""
    cfg, sd = models.load(args["dir"])
    lps, greedy = [], []
    for ctx, cont in args["requests"]:
        lp, g = _score(cfg, sd, ctx, cont, args["max_length"])
        lps.append(lp)
        greedy.append(1.0 if g else 0.0)
    return {"logprob": torch.tensor(lps, dtype=torch.float64), "greedy": torch.tensor(greedy, dtype=torch.float64)}


def rolling_windows(tokens, prefix, max_seq_len, context_len):
    """The harness's rolling windows, each as (input tokens, predicted tokens)."""
    assert 1 <= context_len <= max_seq_len
    if not tokens:
        return []
    out = []
    pred_len = max_seq_len - context_len + 1
    first = min(max_seq_len, len(tokens))
    out.append(([prefix] + tokens[:first - 1], tokens[:first]))
    predicted = first
    while predicted < len(tokens):
        n = min(len(tokens) - predicted, pred_len)
        end = predicted + n
        out.append((tokens[end - max_seq_len - 1:end - 1], tokens[end - n:end]))
        predicted += n
    return out


def rolling(t, args):
    """args: {dir, max_length, prefix, texts: [token ids, ...]}: the rolling
    log-likelihood of each text (windows with context_len 1, made disjoint)."""
    cfg, sd = models.load(args["dir"])
    L = args["max_length"]
    out = []
    for tokens in args["texts"]:
        total = 0.0
        for inp, pred in rolling_windows(tokens, args["prefix"], L, 1):
            ctx = inp[:len(inp) - len(pred) + 1]
            total += _score(cfg, sd, ctx, pred, L)[0]
        out.append(total)
    return {"logprob": torch.tensor(out, dtype=torch.float64)}
