// LoRA (Hu et al., 2021) as PEFT defines it: beside each targeted frozen projection
// y = W·x + b, a low-rank update  y += (alpha / r) · B·(A·dropout(x))  with
// A (r, in) initialised as nn.Linear's default (kaiming-uniform, a = √5) and B (out, r)
// zero, so training starts from the base model. GPT-2's Conv1D modules are targeted as PEFT
// does (fan_in_fan_out): A still maps in → r and B maps r → out.
//
// Tensors: base_model.model.<module>.lora_A.weight [r, in], ...lora_B.weight [out, r].
// Targets: module names matched as PEFT matches a list (the name itself or a ".name"
// suffix); default: every attention and MLP projection (gpt2 c_attn, c_proj, c_fc; llama
// q/k/v/o_proj, gate/up/down_proj).
#pragma once
#include <memory>

#include "finetune/peft.h"

namespace lmf::ft {

std::unique_ptr<PeftMethod> make_lora(Transformer& model, const PeftOptions& opt);
PeftOptions lora_options_from_config(const nlohmann::json& cfg, const std::string& source);
// Folds the update into the base weights (W += alpha/r · B·A) and detaches `lora` from the
// model; the merged model gives the adapted model's outputs with no hook.
void merge_lora(Transformer& model, PeftMethod& lora);
// `lmforge merge`: the model in `model_dir` with the LoRA adapter in `adapter_dir` folded
// in, saved to `out_dir` with the tokenizer.json (the adapter's, else the model's) and the
// chat template when either carries one.
void merge_lora_dirs(const std::string& model_dir, const std::string& adapter_dir, const std::string& out_dir);

}  // namespace lmf::ft
