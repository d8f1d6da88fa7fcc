"""PyTorch reference GPT-2 and Llama decoders, written from the architectures'
definitions with Hugging Face tensor names and layouts (GPT2LMHeadModel: Conv1D weights
[in, out], tied lm_head; LlamaForCausalLM: Linear weights [out, in], rotate-half RoPE,
RMSNorm, SwiGLU, grouped-query attention). Used by the C++ tests through oracle.py:
random-weight checkpoints are written here and loaded by lmforge, and checkpoints lmforge
wrote are loaded here."""
import json
import math
import os

import torch
import torch.nn.functional as F

import st


# ---------------------------------------------------------------- checkpoints

def _shapes(cfg):
    t = cfg["model_type"]
    out = {}
    if t == "gpt2":
        C, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
        Fd = cfg.get("n_inner") or 4 * C
        out["transformer.wte.weight"] = (V, C)
        out["transformer.wpe.weight"] = (P, C)
        for i in range(L):
            p = f"transformer.h.{i}."
            out[p + "ln_1.weight"] = (C,)
            out[p + "ln_1.bias"] = (C,)
            out[p + "attn.c_attn.weight"] = (C, 3 * C)
            out[p + "attn.c_attn.bias"] = (3 * C,)
            out[p + "attn.c_proj.weight"] = (C, C)
            out[p + "attn.c_proj.bias"] = (C,)
            out[p + "ln_2.weight"] = (C,)
            out[p + "ln_2.bias"] = (C,)
            out[p + "mlp.c_fc.weight"] = (C, Fd)
            out[p + "mlp.c_fc.bias"] = (Fd,)
            out[p + "mlp.c_proj.weight"] = (Fd, C)
            out[p + "mlp.c_proj.bias"] = (C,)
        out["transformer.ln_f.weight"] = (C,)
        out["transformer.ln_f.bias"] = (C,)
        if not cfg.get("tie_word_embeddings", True):
            out["lm_head.weight"] = (V, C)
    else:
        C, V, L = cfg["hidden_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
        H = cfg["num_attention_heads"]
        Hkv = cfg.get("num_key_value_heads", H)
        D = C // H
        Fd = cfg["intermediate_size"]
        out["model.embed_tokens.weight"] = (V, C)
        for i in range(L):
            p = f"model.layers.{i}."
            out[p + "input_layernorm.weight"] = (C,)
            out[p + "self_attn.q_proj.weight"] = (H * D, C)
            out[p + "self_attn.k_proj.weight"] = (Hkv * D, C)
            out[p + "self_attn.v_proj.weight"] = (Hkv * D, C)
            out[p + "self_attn.o_proj.weight"] = (C, H * D)
            out[p + "post_attention_layernorm.weight"] = (C,)
            out[p + "mlp.gate_proj.weight"] = (Fd, C)
            out[p + "mlp.up_proj.weight"] = (Fd, C)
            out[p + "mlp.down_proj.weight"] = (C, Fd)
        out["model.norm.weight"] = (C,)
        if not cfg.get("tie_word_embeddings", False):
            out["lm_head.weight"] = (V, C)
    return out


def write_checkpoint(t, args):
    """args: {dir, config, seed, std, dtype}. Random weights (norm weights around 1,
    biases small) so every parameter matters, stored as dtype (F32, F16 or BF16);
    returns nothing but the files."""
    cfg, d = args["config"], args["dir"]
    g = torch.Generator().manual_seed(args.get("seed", 0))
    std = args.get("std", 0.2)
    sd = {}
    for name, shape in _shapes(cfg).items():
        if len(shape) == 1:
            base = 1.0 if ("ln" in name or "norm" in name) and name.endswith("weight") else 0.0
            sd[name] = base + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[name] = std * torch.randn(shape, generator=g)
    os.makedirs(d, exist_ok=True)
    dtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[args.get("dtype", "F32")]
    st.save(os.path.join(d, "model.safetensors"), {k: v.to(dtype) for k, v in sd.items()}, {"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return {}


def load(d, dtype=torch.float64):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    sd = {k: v.to(dtype) for k, v in st.load(os.path.join(d, "model.safetensors")).items()}
    return cfg, sd


# ---------------------------------------------------------------- forward

class NoHooks:
    """Where a fine-tuning method (tests/reference/peft.py) changes the forward pass;
    these defaults leave the model as it is."""
    prompt = None      # (P, C) embeddings placed before the tokens, or None
    prefix_len = 0     # P prefix positions in every layer

    def proj(self, module, x, y):  # y = the projection `module` of x
        return y

    def sublayer(self, layer, part, y):  # attention (0) / MLP (1) output before the residual
        return y

    def prefix(self, layer, B):  # (k, v) each (B, Hkv, P, D)
        return None


def _causal_attention(q, k, v, allowed=None):
    # q (B,H,T,D), k/v (B,H,S,D), S >= T: query t sees keys s <= t + S - T, and only
    # where `allowed` (B,1,T,S) bool is true when given
    T, S, D = q.shape[-2], k.shape[-2], q.shape[-1]
    att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
    mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)
    if allowed is not None:
        mask = mask & allowed
    att = att.masked_fill(~mask, float("-inf"))
    return att.softmax(-1) @ v


def _packed(position_ids, prefix_len):
    """Packing as Hugging Face's position_ids describe it (each example restarts at 0):
    the positions the model uses (after `prefix_len` prefix positions) and the (B,1,T,P+T)
    bool mask that keeps each token to its own example (and the prefix)."""
    if position_ids is None:
        return None, None
    B, T = position_ids.shape
    seg = torch.cumsum((position_ids == 0).long(), dim=1)  # example number of each token
    same = seg[:, :, None] == seg[:, None, :]  # (B, T, T)
    allowed = torch.cat([torch.ones(B, T, prefix_len, dtype=torch.bool), same], dim=2)
    return position_ids.long() + prefix_len, allowed[:, None]


def _embed(sd, name, ids, hk):
    x = sd[name][ids]
    if hk.prompt is not None:
        x = torch.cat([hk.prompt.expand(x.shape[0], -1, -1), x], dim=1)
    return x


def _with_prefix(hk, i, B, k, v):
    pre = hk.prefix(i, B)
    return (k, v) if pre is None else (torch.cat([pre[0], k], 2), torch.cat([pre[1], v], 2))


def gpt2_forward(cfg, sd, ids, hooks=None, position_ids=None):
    hk = hooks or NoHooks()
    C, H = cfg["n_embd"], cfg["n_head"]
    D, eps = C // H, cfg.get("layer_norm_epsilon", 1e-5)
    x = _embed(sd, "transformer.wte.weight", ids, hk)
    B, T = x.shape[0], x.shape[1]
    pos, allowed = _packed(position_ids, hk.prefix_len)
    if pos is None:
        x = x + sd["transformer.wpe.weight"][hk.prefix_len:hk.prefix_len + T]
    else:
        x = x + sd["transformer.wpe.weight"][pos]
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."

        def proj(name, h):
            return hk.proj(p + name, h, h @ sd[p + name + ".weight"] + sd[p + name + ".bias"])
        h = F.layer_norm(x, (C,), sd[p + "ln_1.weight"], sd[p + "ln_1.bias"], eps)
        qkv = proj("attn.c_attn", h)
        q, k, v = (z.view(B, T, H, D).transpose(1, 2) for z in qkv.split(C, dim=2))
        k, v = _with_prefix(hk, i, B, k, v)
        y = _causal_attention(q, k, v, allowed).transpose(1, 2).reshape(B, T, C)
        x = x + hk.sublayer(i, 0, proj("attn.c_proj", y))
        h = F.layer_norm(x, (C,), sd[p + "ln_2.weight"], sd[p + "ln_2.bias"], eps)
        m = F.gelu(proj("mlp.c_fc", h), approximate="tanh")
        x = x + hk.sublayer(i, 1, proj("mlp.c_proj", m))
    if hk.prompt is not None:
        x = x[:, hk.prompt.shape[0]:]
    x = F.layer_norm(x, (C,), sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"], eps)
    head = sd.get("lm_head.weight", sd["transformer.wte.weight"])
    return x @ head.t()


def _rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def _rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def llama_forward(cfg, sd, ids, hooks=None, position_ids=None):
    hk = hooks or NoHooks()
    x = _embed(sd, "model.embed_tokens.weight", ids, hk)
    B, T = x.shape[0], x.shape[1]
    C, H = cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    D, eps, theta = C // H, cfg.get("rms_norm_eps", 1e-6), cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    pos, allowed = _packed(position_ids, hk.prefix_len)
    if pos is None:
        pos = torch.arange(hk.prefix_len, hk.prefix_len + T)
    freqs = pos.to(torch.float64)[..., None] * inv_freq  # (T, D/2), or (B, 1, T, D/2) when packed
    if position_ids is not None:
        freqs = freqs[:, None]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(sd["model.norm.weight"].dtype), emb.sin().to(sd["model.norm.weight"].dtype)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."

        def proj(name, h):
            return hk.proj(p + name, h, h @ sd[p + name + ".weight"].t())
        h = _rms(x, sd[p + "input_layernorm.weight"], eps)
        q = proj("self_attn.q_proj", h).view(B, T, H, D).transpose(1, 2)
        k = proj("self_attn.k_proj", h).view(B, T, Hkv, D).transpose(1, 2)
        v = proj("self_attn.v_proj", h).view(B, T, Hkv, D).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        k, v = _with_prefix(hk, i, B, k, v)
        k = k.repeat_interleave(H // Hkv, dim=1)
        v = v.repeat_interleave(H // Hkv, dim=1)
        y = _causal_attention(q, k, v, allowed).transpose(1, 2).reshape(B, T, C)
        x = x + hk.sublayer(i, 0, proj("self_attn.o_proj", y))
        h = _rms(x, sd[p + "post_attention_layernorm.weight"], eps)
        m = F.silu(proj("mlp.gate_proj", h)) * proj("mlp.up_proj", h)
        x = x + hk.sublayer(i, 1, proj("mlp.down_proj", m))
    if hk.prompt is not None:
        x = x[:, hk.prompt.shape[0]:]
    x = _rms(x, sd["model.norm.weight"], eps)
    head = sd.get("lm_head.weight", sd["model.embed_tokens.weight"])
    return x @ head.t()


def forward(cfg, sd, ids, hooks=None, position_ids=None):
    f = gpt2_forward if cfg["model_type"] == "gpt2" else llama_forward
    return f(cfg, sd, ids, hooks, position_ids)


# ---------------------------------------------------------------- oracle entry points

def logits(t, args):
    """Logits (float64 reference) of the checkpoint in args['dir'] for t['ids'] (B, T)."""
    cfg, sd = load(args["dir"])
    return {"logits": forward(cfg, sd, t["ids"].long())}


def packed(t, args):
    """Packed examples: t['ids'], t['position_ids'] (each example restarts at 0) and
    t['targets'] (B, T) (-100 ignored) for the checkpoint in args['dir']. Returns the
    logits, each token's loss (0 where ignored), the mean loss and grad:<name> of every
    parameter (HF layout)."""
    cfg, sd = load(args["dir"])
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    logits = forward(cfg, params, t["ids"].long(), None, t["position_ids"].long())
    V = logits.shape[-1]
    tok = F.cross_entropy(logits.reshape(-1, V), t["targets"].long().reshape(-1), ignore_index=-100, reduction="none")
    loss = F.cross_entropy(logits.reshape(-1, V), t["targets"].long().reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"logits": logits, "token_loss": tok, "loss": loss.reshape(1)}
    for k, v in params.items():
        out["grad:" + k] = v.grad
    return out


def greedy(t, args):
    """Greedy continuation of t['prompt'] (1, T) by args['n'] tokens (full recompute)."""
    cfg, sd = load(args["dir"])
    ids = t["prompt"].long()
    out = []
    for _ in range(args["n"]):
        nxt = forward(cfg, sd, ids)[0, -1].argmax()
        out.append(int(nxt))
        ids = torch.cat([ids, nxt.view(1, 1)], dim=1)
    return {"ids": torch.tensor(out, dtype=torch.int32)}


def train(t, args):
    """args: {dir, B, T, steps, lr, wd, clip}; t['tokens'] 1-D. AdamW(betas 0.9/0.95, eps
    1e-8) in float32, decay only on >= 2-D tensors, llm.c's sequential loader. Returns the
    loss of every step."""
    cfg, sd = load(args["dir"], torch.float32)
    params = {k: v.clone().requires_grad_(True) for k, v in sd.items()}
    decay = [v for v in params.values() if v.dim() >= 2]
    no_decay = [v for v in params.values() if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args["wd"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args["lr"], betas=(0.9, 0.95), eps=1e-8)
    tokens = t["tokens"].long()
    B, T = args["B"], args["T"]
    pos, losses = 0, []
    for _ in range(args["steps"]):
        if pos + B * T + 1 > tokens.numel():
            pos = 0
        buf = tokens[pos:pos + B * T + 1]
        pos += B * T
        if pos + B * T + 1 > tokens.numel():
            pos = 0
        x, y = buf[:-1].view(B, T), buf[1:].view(B, T)
        loss = F.cross_entropy(forward(cfg, params, x).reshape(B * T, -1), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        if args.get("clip", 0) > 0:
            torch.nn.utils.clip_grad_norm_(list(params.values()), args["clip"])
        opt.step()
        losses.append(loss.item())
    return {"losses": torch.tensor(losses, dtype=torch.float64)}


def eval_windows(t, args):
    """`lmforge eval`'s definition: the mean next-token loss (float64) over the windows
    i = 0, 1, ... with inputs ids[iT:iT+T], targets ids[iT+1:iT+T+1], iT+T+1 <= N."""
    cfg, sd = load(args["dir"])
    ids, T = t["tokens"].long(), args["T"]
    W = (ids.numel() - 1) // T
    x = ids[:W * T].view(W, T)
    y = ids[1:W * T + 1].view(W, T)
    logits = forward(cfg, sd, x)
    loss = F.cross_entropy(logits.reshape(W * T, -1), y.reshape(-1))
    return {"loss": loss.reshape(1), "tokens": torch.tensor([W * T], dtype=torch.float64)}


def embedding(t, args):
    """The mean over the tokens t['ids'] (1, T) of the final hidden states (after the last
    norm), L2-normalised, for the checkpoint in args['dir'] (untied lm_head): the hidden
    states are the logits of a model whose lm_head is the identity."""
    cfg, sd = load(args["dir"])
    C = sd["lm_head.weight"].shape[1]
    sd["lm_head.weight"] = torch.eye(C, dtype=sd["lm_head.weight"].dtype)
    h = forward(cfg, sd, t["ids"].long())[0]  # (T, C)
    v = h.mean(0)
    return {"embedding": v / v.norm()}
