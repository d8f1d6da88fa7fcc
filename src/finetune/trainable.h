// What a fine-tuning run trains, with which optimizer, and what it leaves in OUT — shared
// by supervised fine-tuning (finetune/sft.h) and preference alignment (align/dpo.h):
//
//   attach_trainable  every base parameter (method null), or only the PEFT method's tensors:
//                     the base frozen and the method set as the model's hooks
//   make_adamw        AdamW, betas 0.9/0.999, eps 1e-8, weight decay only on tensors with
//                     >= 2 dims (torch.optim.AdamW with the usual two groups)
//   save_tuned        OUT: a model directory (full) or a PEFT adapter directory (the hooks
//                     are detached first), plus the tokenizer's tokenizer.json; each file
//                     written atomically
#pragma once
#include <memory>
#include <string>

#include "core/optim/adamw.h"
#include "finetune/peft.h"

namespace lmf::ft {

optim::NamedTensors attach_trainable(Transformer& model, PeftMethod* method);

std::unique_ptr<optim::AdamW> make_adamw(const optim::NamedTensors& trained, double lr, double weight_decay);

// tokenizer_spec: copied to OUT/tokenizer.json when it names a file (a built-in encoding
// name is not a file and is left out).
void save_tuned(Transformer& model, PeftMethod* method, const std::string& tokenizer_spec, const std::string& out_dir);

}  // namespace lmf::ft
