// Parameter-efficient fine-tuning methods as forward hooks on a frozen Transformer, saved
// and loaded in Hugging Face PEFT's layout: a directory holding adapter_config.json
// (`peft_type` and the method's fields) and adapter_model.safetensors (the trainable
// tensors under PEFT's names).
//
//   LORA           y = W·x + b + (alpha/r) · B·A·dropout(x) on the named projections    (lora.h)
//   ADAPTER        Houlsby bottlenecks after each attention and MLP output               (adapter.h)
//   PROMPT_TUNING  P trainable input embeddings before the sequence                      (virtual_tokens.h)
//   PREFIX_TUNING  P trainable keys and values before the sequence in every layer       (virtual_tokens.h)
//
// Promises: a method attached to a model changes nothing until its tensors differ from
// their initial values where PEFT starts from an identity (LoRA B = 0, adapter up = 0);
// only the method's tensors require grad; the base model's parameters are set frozen
// (no gradient buffers, no optimizer state).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "models/transformer.h"

namespace lmf::ft {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class PeftMethod : public ForwardHooks {
 public:
  // The trainable tensors under their PEFT names (the adapter_model.safetensors entries).
  virtual const NamedTensors& tensors() const = 0;
  // The adapter_model.safetensors entries: the trainable tensors, unless the method saves
  // what they compute, as PEFT does (prefix tuning's projected prefix).
  virtual NamedTensors saved_tensors() const { return tensors(); }
  // adapter_config.json (peft_type, base model type, the method's fields).
  virtual nlohmann::json config() const = 0;
  virtual std::string peft_type() const = 0;
  // Training mode turns on the method's own dropout; `seed` picks the masks of one step.
  void set_training(bool on, uint64_t seed) {
    training_ = on;
    seed_ = seed;
  }
  int64_t num_parameters() const;

 protected:
  bool training_ = false;
  uint64_t seed_ = 0;
};

// Options of every method (each reads its own); defaults follow PEFT where it has one.
struct PeftOptions {
  std::string method;  // lora | adapter | prefix | prompt
  // lora
  int64_t rank = 8;
  float alpha = 16;
  float dropout = 0;
  std::vector<std::string> target;  // module names or suffixes; empty = attention + MLP
  std::string target_regex;         // when set (PEFT's string form): modules whose full name matches
  // adapter
  int64_t bottleneck = 16;
  // prefix and prompt
  int64_t num_virtual_tokens = 16;
  int64_t prefix_hidden = 0;        // prefix: > 0 trains through an MLP of this width (PEFT's
                                    // prefix_projection, encoder_hidden_size); 0 trains the table
  std::string prompt_init = "random";  // prompt: random | text
  std::vector<int32_t> init_ids;    // prompt init text, tokenized
  uint64_t seed = 0;
};

// A fresh method of `opt.method` for `model` (Error on an unknown method or bad option).
std::unique_ptr<PeftMethod> create_method(Transformer& model, const PeftOptions& opt);

// Writes DIR/adapter_config.json and DIR/adapter_model.safetensors atomically.
void save_adapter(const PeftMethod& m, const std::string& dir);
// Reads an adapter directory written by PEFT or by save_adapter for `model`; a
// missing file, an unknown peft_type or a tensor of the wrong name or shape is an Error
// naming the file and the tensor.
std::unique_ptr<PeftMethod> load_adapter(Transformer& model, const std::string& dir);
// load_adapter, then hooks the adapter into `model`; null (and no hooks) when dir is empty.
// The returned adapter must outlive the model's use of it.
std::unique_ptr<PeftMethod> attach_adapter(Transformer& model, const std::string& dir);

// Sets requires_grad off on every base parameter.
void freeze(Transformer& model);

}  // namespace lmf::ft
