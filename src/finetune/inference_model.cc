#include "finetune/inference_model.h"

#include "infer/chat_template.h"
#include "models/checkpoint.h"

namespace lmf::ft {

InferenceModel::InferenceModel(const InferenceModelSpec& spec)
    : model(load_model(spec.model_dir)),
      tokenizer(load_tokenizer(model_tokenizer_spec(spec.model_dir, spec.tokenizer))) {
  adapter = attach_adapter(model, spec.adapter_dir);
  chatml = has_chat_template(spec.model_dir) || (!spec.adapter_dir.empty() && has_chat_template(spec.adapter_dir));
}

std::optional<int32_t> InferenceModel::eos_id() const {
  if (model.config().eos_token_id >= 0) return int32_t(model.config().eos_token_id);
  if (auto e = tokenizer.eot_id()) return int32_t(*e);
  return std::nullopt;
}

}  // namespace lmf::ft
