"""PyTorch side of bench/generate: batch-1 greedy decoding with a KV cache, for the
checkpoint in MODEL_DIR (HF layout, loaded through tests/reference/models.py), float32.
Prints JSON: prefill time, decode tokens/s (after one warm-up prefill), the generated ids.

usage: torch_generate.py MODEL_DIR PROMPT_LEN NEW_TOKENS THREADS"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_common import attend, gpt2_decode_step, models  # noqa: E402


def gpt2_step(cfg, sd, ids, cache, pos):
    return gpt2_decode_step(cfg, sd, ids, pos, cache.append)


def llama_step(cfg, sd, ids, cache, pos):
    B, T = ids.shape
    C, H = cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    D, eps, theta = C // H, cfg.get("rms_norm_eps", 1e-6), cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
    freqs = torch.arange(pos, pos + T, dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    x = sd["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = models._rms(x, sd[p + "input_layernorm.weight"], eps)
        q = F.linear(h, sd[p + "self_attn.q_proj.weight"]).view(B, T, H, D).transpose(1, 2)
        k = F.linear(h, sd[p + "self_attn.k_proj.weight"]).view(B, T, Hkv, D).transpose(1, 2)
        v = F.linear(h, sd[p + "self_attn.v_proj.weight"]).view(B, T, Hkv, D).transpose(1, 2)
        q = q * cos + models._rotate_half(q) * sin
        k = k * cos + models._rotate_half(k) * sin
        k, v = cache.append(i, k, v)
        k = k.repeat_interleave(H // Hkv, dim=1)
        v = v.repeat_interleave(H // Hkv, dim=1)
        y = attend(q, k, v).transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(y, sd[p + "self_attn.o_proj.weight"])
        h = models._rms(x, sd[p + "post_attention_layernorm.weight"], eps)
        x = x + F.linear(F.silu(F.linear(h, sd[p + "mlp.gate_proj.weight"])) * F.linear(h, sd[p + "mlp.up_proj.weight"]),
                         sd[p + "mlp.down_proj.weight"])
    x = models._rms(x[:, -1], sd["model.norm.weight"], eps)
    return x @ sd.get("lm_head.weight", sd["model.embed_tokens.weight"]).t()


class Cache:
    """Preallocated per-layer K/V (1, Hkv, S, D), filled in place."""

    def __init__(self, layers, heads, size, dim):
        self.k = torch.zeros(layers, 1, heads, size, dim)
        self.v = torch.zeros(layers, 1, heads, size, dim)
        self.len = [0] * layers

    def append(self, i, k, v):
        n, t = self.len[i], k.shape[2]
        self.k[i, :, :, n:n + t] = k
        self.v[i, :, :, n:n + t] = v
        self.len[i] = n + t
        return self.k[i, :, :, :n + t], self.v[i, :, :, :n + t]


def main():
    model_dir, prompt_len, new_tokens, threads = sys.argv[1], *map(int, sys.argv[2:5])
    torch.set_num_threads(threads)
    cfg, sd = models.load(model_dir, torch.float32)
    gpt2 = cfg["model_type"] == "gpt2"
    L = cfg["n_layer"] if gpt2 else cfg["num_hidden_layers"]
    H = cfg["n_head"] if gpt2 else cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    C = cfg["n_embd"] if gpt2 else cfg["hidden_size"]
    D = C // (cfg["n_head"] if gpt2 else cfg["num_attention_heads"])
    step = gpt2_step if gpt2 else llama_step
    V = cfg["vocab_size"]
    prompt = torch.tensor([[(i * 7919 + 13) % V for i in range(prompt_len)]])
    out = []
    with torch.inference_mode():
        step(cfg, sd, prompt, Cache(L, H, prompt_len, D), 0)  # warm-up, as on our side
        cache = Cache(L, H, prompt_len + new_tokens, D)
        t0 = time.perf_counter()
        logits = step(cfg, sd, prompt, cache, 0)
        t1 = time.perf_counter()
        nxt = int(logits[0].argmax())
        out.append(nxt)
        for s in range(new_tokens - 1):
            logits = step(cfg, sd, torch.tensor([[nxt]]), cache, prompt_len + s)
            nxt = int(logits[0].argmax())
            out.append(nxt)
        t2 = time.perf_counter()
    print(json.dumps({"prefill_ms": (t1 - t0) * 1e3, "decode_tokens_per_s": (new_tokens - 1) / (t2 - t1),
                      "threads": threads, "ids": out}))


if __name__ == "__main__":
    main()
