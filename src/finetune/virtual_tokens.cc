#include "finetune/virtual_tokens.h"

#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/activation.h"
#include "core/ops/concat.h"
#include "core/ops/matmul.h"

namespace lmf::ft {
namespace {

// t (1, ...) repeated `n` times along dim 0 (gradients add up in t).
Tensor repeat_batch(const Tensor& t, int64_t n) { return n == 1 ? t : concat(std::vector<Tensor>(size_t(n), t), 0); }

class PromptTuning : public PeftMethod {
 public:
  PromptTuning(Transformer& model, const PeftOptions& opt) : opt_(opt) {
    const ModelConfig& cfg = model.config();
    const int64_t P = opt_.num_virtual_tokens, C = cfg.n_embd;
    if (P <= 0) throw Error("prompt tuning: --num-virtual-tokens must be positive");
    const Tensor& wte = model.params()[0].value;  // (V, C): wte / embed_tokens come first
    std::vector<int32_t> ids;
    if (opt_.prompt_init == "text") {
      if (opt_.init_ids.empty()) throw Error("prompt tuning: --init text needs a non-empty init text");
      for (int64_t i = 0; i < P; ++i) ids.push_back(opt_.init_ids[size_t(i) % opt_.init_ids.size()]);
    } else if (opt_.prompt_init == "random") {
      std::vector<float> r = Tensor::rand({P}, opt_.seed * 7919ull + 1, 0.0f, float(cfg.vocab_size)).to_vector();
      for (float x : r) ids.push_back(std::min<int32_t>(int32_t(x), int32_t(cfg.vocab_size - 1)));
    } else {
      throw Error("prompt tuning: --init must be text or random, got '" + opt_.prompt_init + "'");
    }
    emb_ = Tensor::empty({P, C});
    for (int64_t i = 0; i < P; ++i) {
      LMF_CHECK_SHAPE(ids[size_t(i)] >= 0 && ids[size_t(i)] < cfg.vocab_size, "prompt tuning", "init token id out of range");
      emb_.slice(0, i, i + 1).copy_from(wte.slice(0, ids[size_t(i)], ids[size_t(i)] + 1));
    }
    emb_.set_requires_grad(true);
    tensors_.push_back({"prompt_embeddings", emb_});
    token_dim_ = C;
  }

  int64_t virtual_tokens() const override { return opt_.num_virtual_tokens; }
  // x (B, T, C) → (B, P + T, C)
  Tensor input_embeddings(const Tensor& x) override {
    const int64_t B = x.size(0), P = opt_.num_virtual_tokens;
    return concat({repeat_batch(emb_.reshape({1, P, token_dim_}), B), x}, 1);
  }

  const NamedTensors& tensors() const override { return tensors_; }
  std::string peft_type() const override { return "PROMPT_TUNING"; }
  nlohmann::json config() const override {
    return {{"peft_type", "PROMPT_TUNING"}, {"task_type", "CAUSAL_LM"}, {"base_model_name_or_path", ""},
            {"inference_mode", true}, {"num_virtual_tokens", opt_.num_virtual_tokens}, {"token_dim", token_dim_},
            {"num_transformer_submodules", 1},
            {"prompt_tuning_init", opt_.prompt_init == "text" ? "TEXT" : "SAMPLE_VOCAB"}};
  }

 private:
  PeftOptions opt_;
  Tensor emb_;  // (P, C)
  int64_t token_dim_ = 0;
  NamedTensors tensors_;
};

class PrefixTuning : public PeftMethod {
 public:
  PrefixTuning(Transformer& model, const PeftOptions& opt) : opt_(opt), cfg_(model.config()) {
    const int64_t P = opt_.num_virtual_tokens, L = cfg_.n_layer, KD = cfg_.n_kv_head * cfg_.head_dim(),
                  Hd = opt_.prefix_hidden;
    if (P <= 0) throw Error("prefix tuning: --num-virtual-tokens must be positive");
    if (Hd < 0) throw Error("prefix tuning: --prefix-hidden must be >= 0");
    const uint64_t seed = opt_.seed * 7919ull + 2;
    if (Hd == 0) {
      table_ = Tensor::randn({P, L * 2 * KD}, seed, 1.0f);  // nn.Embedding init
      tensors_.push_back({"prompt_embeddings", table_});
    } else {  // PEFT's PrefixEncoder with prefix_projection: Embedding(P, KD) → Linear → Tanh → Linear
      auto uniform = [](const Shape& s, uint64_t sd, int64_t fan_in) {  // nn.Linear init
        const float b = 1.0f / std::sqrt(float(fan_in));
        return Tensor::rand(s, sd, -b, b);
      };
      const std::string pre = "prompt_encoder.default.";
      tensors_ = {{pre + "embedding.weight", Tensor::randn({P, KD}, seed, 1.0f)},
                  {pre + "transform.0.weight", uniform({Hd, KD}, seed + 1, KD)},
                  {pre + "transform.0.bias", uniform({Hd}, seed + 2, KD)},
                  {pre + "transform.2.weight", uniform({L * 2 * KD, Hd}, seed + 3, Hd)},
                  {pre + "transform.2.bias", uniform({L * 2 * KD}, seed + 4, Hd)}};
    }
    for (auto& [name, t] : tensors_) t.set_requires_grad(true);
  }

  int64_t prefix_length() const override { return opt_.num_virtual_tokens; }
  // Layer l's keys and values (B, Hkv, P, D): views of the table's columns. The projected
  // table is computed once per forward pass, at layer 0.
  void prefix_kv(int64_t layer, int64_t batch, Tensor& k, Tensor& v) override {
    const int64_t P = opt_.num_virtual_tokens, Hkv = cfg_.n_kv_head, D = cfg_.head_dim(), KD = Hkv * D;
    if (opt_.prefix_hidden > 0 && (layer == 0 || !table_.defined())) table_ = project();
    auto part = [&](int64_t j) {  // columns [j·KD, (j+1)·KD) → (1, Hkv, P, D)
      Tensor cols = table_.slice(1, j * KD, (j + 1) * KD).reshape({1, P, Hkv, D}).transpose(1, 2);
      return repeat_batch(cols, batch);
    };
    k = part(2 * layer);
    v = part(2 * layer + 1);
  }

  const NamedTensors& tensors() const override { return tensors_; }
  // As PEFT saves it: the prefix itself, after the projection when there is one.
  NamedTensors saved_tensors() const override {
    if (opt_.prefix_hidden == 0) return tensors_;
    autograd::NoGradGuard ng;
    return {{"prompt_embeddings", project()}};
  }
  std::string peft_type() const override { return "PREFIX_TUNING"; }
  nlohmann::json config() const override {
    nlohmann::json c = {{"peft_type", "PREFIX_TUNING"}, {"task_type", "CAUSAL_LM"}, {"base_model_name_or_path", ""},
                        {"inference_mode", true}, {"num_virtual_tokens", opt_.num_virtual_tokens},
                        {"num_layers", cfg_.n_layer}, {"token_dim", cfg_.n_kv_head * cfg_.head_dim()},
                        {"num_attention_heads", cfg_.n_kv_head}, {"num_transformer_submodules", 1},
                        {"prefix_projection", opt_.prefix_hidden > 0}, {"encoder_hidden_size", nullptr}};
    if (opt_.prefix_hidden > 0) c["encoder_hidden_size"] = opt_.prefix_hidden;
    return c;
  }

 private:
  // transform(embedding): (P, KD) → (P, Hd) → tanh → (P, L·2·KD)
  Tensor project() const {
    return linear(tanh(linear(tensors_[0].second, tensors_[1].second, tensors_[2].second)), tensors_[3].second,
                  tensors_[4].second);
  }

  PeftOptions opt_;
  ModelConfig cfg_;
  Tensor table_;  // (P, L·2·Hkv·D): the trained table, or the last projection
  NamedTensors tensors_;
};

}  // namespace

std::unique_ptr<PeftMethod> make_prompt_tuning(Transformer& model, const PeftOptions& opt) {
  return std::make_unique<PromptTuning>(model, opt);
}
std::unique_ptr<PeftMethod> make_prefix_tuning(Transformer& model, const PeftOptions& opt) {
  return std::make_unique<PrefixTuning>(model, opt);
}

PeftOptions virtual_token_options_from_config(const nlohmann::json& cfg, const std::string& source) {
  PeftOptions o;
  try {
    const std::string type = cfg.at("peft_type").get<std::string>();
    o.method = type == "PROMPT_TUNING" ? "prompt" : "prefix";
    o.num_virtual_tokens = cfg.at("num_virtual_tokens").get<int64_t>();
    // With prefix_projection the file holds the projected prefix (PEFT saves it so), used as is.
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(source + ": " + e.what());
  }
  return o;
}

}  // namespace lmf::ft
