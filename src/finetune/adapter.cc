#include "finetune/adapter.h"

#include <cmath>

#include "core/error.h"
#include "core/ops/activation.h"
#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"

namespace lmf::ft {
namespace {

class Adapter : public PeftMethod {
 public:
  Adapter(Transformer& model, const PeftOptions& opt) : opt_(opt) {
    if (opt_.bottleneck <= 0) throw Error("adapter: bottleneck must be positive, got " + std::to_string(opt_.bottleneck));
    const ModelConfig& cfg = model.config();
    const int64_t C = cfg.n_embd, m = opt_.bottleneck;
    const float bound = 1.0f / std::sqrt(float(C));
    uint64_t k = 0;
    for (int64_t l = 0; l < cfg.n_layer; ++l) {
      std::string layer = (cfg.arch == Arch::GPT2 ? "transformer.h." : "model.layers.") + std::to_string(l);
      for (const char* part : {"adapter_attn", "adapter_mlp"}) {
        std::string p = "base_model.model." + layer + "." + part + ".";
        Block b{param(p + "down.weight", Tensor::rand({m, C}, opt_.seed * 7919ull + (++k), -bound, bound)),
                param(p + "down.bias", Tensor::zeros({m})), param(p + "up.weight", Tensor::zeros({C, m})),
                param(p + "up.bias", Tensor::zeros({C}))};
        blocks_.push_back(b);
      }
    }
  }

  // y (B, T, C) → y + up(gelu(down(y)))
  Tensor sublayer(int64_t layer, int part, const Tensor& y) override {
    const Block& b = blocks_[size_t(2 * layer + part)];
    return add(y, linear(gelu(linear(y, b.down_w, b.down_b)), b.up_w, b.up_b));
  }

  const NamedTensors& tensors() const override { return tensors_; }
  std::string peft_type() const override { return "ADAPTER"; }
  nlohmann::json config() const override {
    return {{"peft_type", "ADAPTER"}, {"task_type", "CAUSAL_LM"}, {"base_model_name_or_path", ""},
            {"inference_mode", true}, {"bottleneck", opt_.bottleneck}, {"adapter_type", "houlsby"},
            {"activation", "gelu"},  {"placement", nlohmann::json::array({"attention_output", "mlp_output"})}};
  }

 private:
  struct Block {
    Tensor down_w, down_b, up_w, up_b;
  };
  Tensor param(const std::string& name, Tensor t) {
    t.set_requires_grad(true);
    tensors_.push_back({name, t});
    return t;
  }
  PeftOptions opt_;
  std::vector<Block> blocks_;  // 2·layer + part
  NamedTensors tensors_;
};

}  // namespace

std::unique_ptr<PeftMethod> make_adapter(Transformer& model, const PeftOptions& opt) {
  return std::make_unique<Adapter>(model, opt);
}

PeftOptions adapter_options_from_config(const nlohmann::json& cfg, const std::string& source) {
  PeftOptions o;
  o.method = "adapter";
  try {
    o.bottleneck = cfg.at("bottleneck").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(source + ": " + e.what());
  }
  return o;
}

}  // namespace lmf::ft
