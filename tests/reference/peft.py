"""PyTorch reference for the parameter-efficient fine-tuning methods, written from Hugging
Face PEFT's definitions and file layout (adapter_config.json + adapter_model.safetensors):

  LORA           y += lora_alpha / r * B(A(x))       A [r, in], B [out, r]; Conv1D too
  ADAPTER        Houlsby: y += up(gelu(down(y))) after attention and MLP outputs
  PROMPT_TUNING  prompt_embeddings [P, C] placed before the token embeddings
  PREFIX_TUNING  prompt_embeddings [P, L*2*Hkv*D] used as past_key_values, i.e. as P
                 positions before the sequence (positions start at P), PEFT's
                 view(P, 2L, Hkv, D) layout

Used through oracle.py: `case` writes a random model and a random adapter in these layouts
and returns the logits, the mean masked cross-entropy and its gradients with respect to
every adapter tensor, all in float64."""
import json
import os

import torch
import torch.nn.functional as F

import models
import st


class Peft(models.NoHooks):
    def __init__(self, cfg, acfg, tensors):
        self.cfg, self.acfg, self.t = cfg, acfg, tensors
        self.type = acfg["peft_type"]
        gpt2 = cfg["model_type"] == "gpt2"
        self.layer_name = "transformer.h.%d" if gpt2 else "model.layers.%d"
        if self.type == "PROMPT_TUNING":
            self.prompt = tensors["prompt_embeddings"]
        if self.type == "PREFIX_TUNING":
            self.prefix_len = acfg["num_virtual_tokens"]
            H = cfg["n_head"] if gpt2 else cfg["num_attention_heads"]
            C = cfg["n_embd"] if gpt2 else cfg["hidden_size"]
            self.Hkv = H if gpt2 else cfg.get("num_key_value_heads", H)
            self.D = C // H

    def _lora_targets(self, module):
        tm = self.acfg["target_modules"]
        if isinstance(tm, str):
            import re
            return re.fullmatch(tm, module) is not None
        return any(module == t or module.endswith("." + t) for t in tm)

    def proj(self, module, x, y):
        if self.type != "LORA" or not self._lora_targets(module):
            return y
        a = self.t["base_model.model." + module + ".lora_A.weight"]
        b = self.t["base_model.model." + module + ".lora_B.weight"]
        return y + (x @ a.t() @ b.t()) * (self.acfg["lora_alpha"] / self.acfg["r"])

    def sublayer(self, layer, part, y):
        if self.type != "ADAPTER":
            return y
        p = "base_model.model." + (self.layer_name % layer) + (".adapter_attn." if part == 0 else ".adapter_mlp.")
        h = F.gelu(y @ self.t[p + "down.weight"].t() + self.t[p + "down.bias"])
        return y + h @ self.t[p + "up.weight"].t() + self.t[p + "up.bias"]

    def prefix(self, layer, B):
        if self.type != "PREFIX_TUNING":
            return None
        P = self.prefix_len
        # PEFT: past_key_values.view(B, P, 2L, H, D).permute(2, 0, 3, 1, 4).split(2)
        kv = self.t["prompt_embeddings"].view(P, -1, self.Hkv, self.D).permute(1, 2, 0, 3)  # (2L, Hkv, P, D)
        return kv[2 * layer].unsqueeze(0).expand(B, -1, -1, -1), kv[2 * layer + 1].unsqueeze(0).expand(B, -1, -1, -1)


def _adapter_shapes(cfg, acfg):
    gpt2 = cfg["model_type"] == "gpt2"
    C = cfg["n_embd"] if gpt2 else cfg["hidden_size"]
    L = cfg["n_layer"] if gpt2 else cfg["num_hidden_layers"]
    H = cfg["n_head"] if gpt2 else cfg["num_attention_heads"]
    Hkv = H if gpt2 else cfg.get("num_key_value_heads", H)
    D = C // H
    t = acfg["peft_type"]
    out = {}
    if t == "LORA":
        shapes = models._shapes(cfg)
        hooks = Peft(cfg, acfg, {})
        for name, shape in shapes.items():
            if not name.endswith(".weight") or len(shape) != 2 or "wte" in name or "wpe" in name \
                    or "embed" in name or "lm_head" in name:
                continue
            module = name[:-len(".weight")]
            if not hooks._lora_targets(module):
                continue
            fin, fout = (shape[0], shape[1]) if gpt2 else (shape[1], shape[0])  # Conv1D is [in, out]
            out["base_model.model." + module + ".lora_A.weight"] = (acfg["r"], fin)
            out["base_model.model." + module + ".lora_B.weight"] = (fout, acfg["r"])
    elif t == "ADAPTER":
        m = acfg["bottleneck"]
        for i in range(L):
            for part in ("adapter_attn", "adapter_mlp"):
                p = "base_model.model." + (("transformer.h.%d" if gpt2 else "model.layers.%d") % i) + "." + part + "."
                out[p + "down.weight"], out[p + "down.bias"] = (m, C), (m,)
                out[p + "up.weight"], out[p + "up.bias"] = (C, m), (C,)
    elif t == "PROMPT_TUNING":
        out["prompt_embeddings"] = (acfg["num_virtual_tokens"], C)
    elif t == "PREFIX_TUNING":
        out["prompt_embeddings"] = (acfg["num_virtual_tokens"], L * 2 * Hkv * D)
    return out


def write_adapter(cfg, acfg, d, seed):
    g = torch.Generator().manual_seed(seed)
    tensors = {n: 0.2 * torch.randn(s, generator=g) for n, s in _adapter_shapes(cfg, acfg).items()}
    os.makedirs(d, exist_ok=True)
    st.save(os.path.join(d, "adapter_model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump(acfg, f)


def load_adapter(d, dtype=torch.float64):
    with open(os.path.join(d, "adapter_config.json")) as f:
        acfg = json.load(f)
    t = {k: v.to(dtype) for k, v in st.load(os.path.join(d, "adapter_model.safetensors")).items()}
    return acfg, t


def _logits_loss_grads(cfg, sd, acfg, tensors, ids, targets, position_ids=None):
    tensors = {k: v.clone().requires_grad_(True) for k, v in tensors.items()}
    logits = models.forward(cfg, sd, ids, Peft(cfg, acfg, tensors), position_ids)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"logits": logits, "loss": loss.reshape(1)}
    for k, v in tensors.items():
        out["grad:" + k] = v.grad
    return out


def case(t, args):
    """args: {model_dir, adapter_dir, config, adapter_config, seed}. Writes a random model
    (models.write_checkpoint) and a random adapter, then returns logits (B, T, V), loss and
    grad:<tensor name> for the ids t['ids'] and targets t['targets'] (-100 = ignored), with
    packed examples when t['position_ids'] is given (models.forward)."""
    models.write_checkpoint({}, {"dir": args["model_dir"], "config": args["config"], "seed": args["seed"]})
    write_adapter(args["config"], args["adapter_config"], args["adapter_dir"], args["seed"] + 1)
    cfg, sd = models.load(args["model_dir"])
    acfg, tensors = load_adapter(args["adapter_dir"])
    pos = t["position_ids"].long() if "position_ids" in t else None
    return _logits_loss_grads(cfg, sd, acfg, tensors, t["ids"].long(), t["targets"].long(), pos)


def logits(t, args):
    """Logits of the model in args['model_dir'] with the adapter in args['adapter_dir']."""
    cfg, sd = models.load(args["model_dir"])
    acfg, tensors = load_adapter(args["adapter_dir"])
    return {"logits": models.forward(cfg, sd, t["ids"].long(), Peft(cfg, acfg, tensors))}


def prefix_projection(t, args):
    """Prefix tuning through PEFT's PrefixEncoder with prefix_projection: Embedding(P,
    token_dim) -> Linear(token_dim, H) -> Tanh -> Linear(H, L*2*token_dim), token_dim =
    Hkv*D. args: {model_dir, mlp_path, config, P, H, seed}. Writes a random model and the
    encoder's tensors under PEFT's names (mlp_path, safetensors), then returns the logits,
    the masked loss, grad:<name> of each encoder tensor and the projected prefix
    `prompt_embeddings` (what PEFT saves) for t['ids'], t['targets']."""
    cfg = args["config"]
    models.write_checkpoint({}, {"dir": args["model_dir"], "config": cfg, "seed": args["seed"]})
    gpt2 = cfg["model_type"] == "gpt2"
    C = cfg["n_embd"] if gpt2 else cfg["hidden_size"]
    L = cfg["n_layer"] if gpt2 else cfg["num_hidden_layers"]
    Hq = cfg["n_head"] if gpt2 else cfg["num_attention_heads"]
    token_dim = (Hq if gpt2 else cfg.get("num_key_value_heads", Hq)) * (C // Hq)
    P, H = args["P"], args["H"]
    g = torch.Generator().manual_seed(args["seed"] + 7)
    pre = "prompt_encoder.default."
    enc = {pre + "embedding.weight": torch.randn(P, token_dim, generator=g),
           pre + "transform.0.weight": 0.3 * torch.randn(H, token_dim, generator=g),
           pre + "transform.0.bias": 0.3 * torch.randn(H, generator=g),
           pre + "transform.2.weight": 0.3 * torch.randn(L * 2 * token_dim, H, generator=g),
           pre + "transform.2.bias": 0.3 * torch.randn(L * 2 * token_dim, generator=g)}
    st.save(args["mlp_path"], enc, {"format": "pt"})
    cfg, sd = models.load(args["model_dir"])
    p = {k: v.to(torch.float64).requires_grad_(True) for k, v in enc.items()}
    emb = torch.nn.functional.embedding(torch.arange(P), p[pre + "embedding.weight"])
    h = torch.tanh(F.linear(emb, p[pre + "transform.0.weight"], p[pre + "transform.0.bias"]))
    table = F.linear(h, p[pre + "transform.2.weight"], p[pre + "transform.2.bias"])  # (P, L*2*token_dim)
    acfg = {"peft_type": "PREFIX_TUNING", "num_virtual_tokens": P}
    logits = models.forward(cfg, sd, t["ids"].long(), Peft(cfg, acfg, {"prompt_embeddings": table}))
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t["targets"].long().reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"logits": logits, "loss": loss.reshape(1), "prompt_embeddings": table.detach()}
    for k, v in p.items():
        out["grad:" + k] = v.grad
    return out


def greedy(t, args):
    """Greedy continuations of the prompts t['prompt:<i>'] (1, T) by at most args['n']
    tokens each (full recompute), returned as 'ids:<i>', with the model in
    args['model_dir'] and, when args has 'adapter_dir', that adapter; a continuation stops
    after args['stop'] when given."""
    cfg, sd = models.load(args["model_dir"])
    hooks = None
    if args.get("adapter_dir"):
        acfg, tensors = load_adapter(args["adapter_dir"])
        hooks = Peft(cfg, acfg, tensors)
    out = {}
    for name, prompt in t.items():
        ids, got = prompt.long(), []
        for _ in range(args["n"]):
            nxt = models.forward(cfg, sd, ids, hooks)[0, -1].argmax()
            got.append(int(nxt))
            if int(nxt) == args.get("stop", -1):
                break
            ids = torch.cat([ids, nxt.view(1, 1)], dim=1)
        out["ids:" + name.split(":", 1)[1]] = torch.tensor(got, dtype=torch.int32)
    return out
