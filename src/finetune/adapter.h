// Houlsby adapters (Houlsby et al., 2019): a bottleneck after the attention output and after
// the MLP output of every layer, inside the residual branch:
//   y ← y + up(gelu(down(y)))     down (m, C) + bias, up (C, m) + bias, m = bottleneck
// `up` starts at zero, so the adapted model starts as the base model; `down` starts as
// nn.Linear's default (U(-1/√C, 1/√C)), its bias zero.
//
// Tensors (PEFT-style names, peft_type "ADAPTER"):
//   base_model.model.<layer>.adapter_attn.down.weight [m, C]  .down.bias [m]
//   base_model.model.<layer>.adapter_attn.up.weight   [C, m]  .up.bias   [C]
// and the same under adapter_mlp, where <layer> is transformer.h.i (gpt2) or
// model.layers.i (llama).
#pragma once
#include <memory>

#include "finetune/peft.h"

namespace lmf::ft {

std::unique_ptr<PeftMethod> make_adapter(Transformer& model, const PeftOptions& opt);
PeftOptions adapter_options_from_config(const nlohmann::json& cfg, const std::string& source);

}  // namespace lmf::ft
