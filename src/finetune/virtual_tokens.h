// Prompt tuning (Lester et al., 2021) and prefix tuning (Li & Liang, 2021) as PEFT defines
// them for causal LMs.
//
// Prompt tuning: P trainable embeddings (P, C) are placed before the token embeddings, so
// the model reads P + T positions (GPT-2's position embeddings count them); the logits of
// the P virtual positions are dropped. Initialised from the embeddings of a text (repeated
// to P tokens, PEFT's TEXT) or of P random vocabulary entries (PEFT's SAMPLE_VOCAB).
// File: `prompt_embeddings` [P, C]; config peft_type "PROMPT_TUNING",
// num_virtual_tokens, token_dim, prompt_tuning_init.
//
// Prefix tuning: in every layer, P trainable keys and values (Hkv, P, D) come before the
// sequence's, as a KV cache of P positions would (the sequence's positions start at P,
// keys are used as given, without RoPE). Initialised N(0, 1) as nn.Embedding is.
// File: `prompt_embeddings` [P, L·2·Hkv·D] in PEFT's past_key_values layout: row p holds,
// for layer l, its key at columns [2l·Hkv·D, (2l+1)·Hkv·D) and its value after it, each
// head-major (h·D + d). Config peft_type "PREFIX_TUNING", num_virtual_tokens, num_layers,
// token_dim (Hkv·D), num_attention_heads (Hkv), prefix_projection.
//
// Reparameterisation (prefix_hidden H > 0, PEFT's prefix_projection with
// encoder_hidden_size H): the table is computed by PEFT's PrefixEncoder, Embedding(P,
// token_dim) → Linear(token_dim, H) → Tanh → Linear(H, L·2·token_dim), whose tensors
// (PEFT's names prompt_encoder.default.{embedding,transform.0,transform.2}.*) are the ones
// trained. As PEFT does, the file keeps only the projected table as `prompt_embeddings`
// (prefix_projection true, encoder_hidden_size H); loading it uses that table directly.
#pragma once
#include <memory>

#include "finetune/peft.h"

namespace lmf::ft {

std::unique_ptr<PeftMethod> make_prompt_tuning(Transformer& model, const PeftOptions& opt);
std::unique_ptr<PeftMethod> make_prefix_tuning(Transformer& model, const PeftOptions& opt);
PeftOptions virtual_token_options_from_config(const nlohmann::json& cfg, const std::string& source);

}  // namespace lmf::ft
