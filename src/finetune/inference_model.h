// InferenceModel: a model ready to run — the decoder, its tokenizer and an optional PEFT
// adapter hooked into it — as `generate`, `chat`, `eval` and a server load it. Loading
// checks in the order a user can act on: the model directory exists, its config.json and
// weights are sound, then the tokenizer (DIR/tokenizer.json unless one is given), then the
// adapter. Not copyable or movable: the adapter's hooks point into the model.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "finetune/peft.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::ft {

struct InferenceModelSpec {
  std::string model_dir;
  std::string tokenizer;  // SPEC; empty: the model's tokenizer.json
  std::string adapter_dir;  // empty: none
};

class InferenceModel {
 public:
  explicit InferenceModel(const InferenceModelSpec& spec);
  InferenceModel(const InferenceModel&) = delete;
  InferenceModel& operator=(const InferenceModel&) = delete;

  Transformer model;
  tok::Tokenizer tokenizer;
  std::unique_ptr<PeftMethod> adapter;  // null without an adapter
  bool chatml = false;  // the model or the adapter carries the ChatML chat template

  // Where generation stops: the config's eos_token_id (config.json and
  // generation_config.json), else the tokenizer's end-of-text token, else nowhere.
  std::optional<int32_t> eos_id() const;
};

}  // namespace lmf::ft
