#include "finetune/lora.h"

#include <cmath>
#include <filesystem>
#include <regex>

#include "core/autograd.h"
#include "core/error.h"
#include "infer/chat_template.h"
#include "io/output_dir.h"
#include "models/checkpoint.h"
#include "core/ops/dropout.h"
#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"

namespace lmf::ft {
namespace {

std::vector<std::string> default_targets(const ModelConfig& cfg) {
  if (cfg.arch == Arch::GPT2) return {"c_attn", "c_proj", "c_fc"};
  return {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
}

bool matches(const std::string& module, const std::vector<std::string>& targets) {
  for (const std::string& t : targets)
    if (module == t || (module.size() > t.size() && module.compare(module.size() - t.size(), t.size(), t) == 0 &&
                        module[module.size() - t.size() - 1] == '.'))
      return true;
  return false;
}

class Lora : public PeftMethod {
 public:
  Lora(Transformer& model, const PeftOptions& opt) : model_(model), opt_(opt) {
    if (opt_.rank <= 0) throw Error("lora: rank must be positive, got " + std::to_string(opt_.rank));
    if (!(opt_.dropout >= 0 && opt_.dropout < 1)) throw Error("lora: dropout must be in [0, 1)");
    if (opt_.target.empty() && opt_.target_regex.empty()) opt_.target = default_targets(model.config());
    std::regex re;
    try {
      re = std::regex(opt_.target_regex);
    } catch (const std::regex_error& e) {
      throw Error("lora: target_modules regex '" + opt_.target_regex + "' is invalid: " + e.what());
    }
    scaling_ = opt_.alpha / float(opt_.rank);
    const auto& projs = model.projections();
    site_.assign(projs.size(), -1);
    for (size_t s = 0; s < projs.size(); ++s) {
      const Projection& p = projs[s];
      if (opt_.target_regex.empty() ? !matches(p.module, opt_.target) : !std::regex_match(p.module, re)) continue;
      // A: kaiming_uniform(a=√5) on (r, in) is U(-1/√in, 1/√in); B: zeros.
      const float bound = 1.0f / std::sqrt(float(p.in));
      Tensor a = Tensor::rand({opt_.rank, p.in}, opt_.seed * 7919ull + s, -bound, bound);
      Tensor b = Tensor::zeros({p.out, opt_.rank});
      a.set_requires_grad(true);
      b.set_requires_grad(true);
      site_[s] = int64_t(pairs_.size());
      pairs_.push_back({a, b});
      tensors_.push_back({"base_model.model." + p.module + ".lora_A.weight", a});
      tensors_.push_back({"base_model.model." + p.module + ".lora_B.weight", b});
      modules_.push_back(p.module);
    }
    if (pairs_.empty()) throw Error("lora: no projection of the model matches --target");
  }

  // x (B, T, in), y (B, T, out) → y + s·(dropout(x)·Aᵀ)·Bᵀ
  Tensor projection(int64_t site, const Tensor& x, const Tensor& y) override {
    const int64_t i = site_[size_t(site)];
    if (i < 0) return y;
    Tensor h = training_ && opt_.dropout > 0 ? dropout(x, opt_.dropout, seed_ * 0x9E3779B97F4A7C15ull + uint64_t(site))
                                             : x;
    // s·(h·Aᵀ)·Bᵀ with s folded into the small (r, in) A: no full-size scaling pass.
    Tensor delta = linear(linear(h, scale(pairs_[size_t(i)].a, scaling_)), pairs_[size_t(i)].b);  // (B, T, r) → (B, T, out)
    return add(y, delta);
  }

  const NamedTensors& tensors() const override { return tensors_; }
  std::string peft_type() const override { return "LORA"; }
  nlohmann::json config() const override {
    return {{"peft_type", "LORA"},
            {"task_type", "CAUSAL_LM"},
            {"base_model_name_or_path", ""},
            {"inference_mode", true},
            {"r", opt_.rank},
            {"lora_alpha", opt_.alpha},
            {"lora_dropout", opt_.dropout},
            {"target_modules", opt_.target_regex.empty() ? nlohmann::json(opt_.target) : nlohmann::json(opt_.target_regex)},
            {"fan_in_fan_out", model_.config().arch == Arch::GPT2},
            {"bias", "none"},
            {"use_rslora", false},
            {"modules_to_save", nullptr}};
  }

  void merge() {
    autograd::NoGradGuard ng;
    const auto& projs = model_.projections();
    for (size_t s = 0; s < projs.size(); ++s) {
      if (site_[s] < 0) continue;
      const Pair& p = pairs_[size_t(site_[s])];
      Tensor w = projs[s].weight;  // (out, in)
      w.copy_from(add(w, scale(matmul(p.b, p.a), scaling_)));
    }
  }

 private:
  struct Pair {
    Tensor a, b;  // a (r, in), b (out, r)
  };
  Transformer& model_;
  PeftOptions opt_;
  float scaling_ = 1;
  std::vector<int64_t> site_;  // per projection site: index into pairs_, or -1
  std::vector<Pair> pairs_;
  std::vector<std::string> modules_;
  NamedTensors tensors_;
};

}  // namespace

std::unique_ptr<PeftMethod> make_lora(Transformer& model, const PeftOptions& opt) {
  return std::make_unique<Lora>(model, opt);
}

PeftOptions lora_options_from_config(const nlohmann::json& cfg, const std::string& source) {
  PeftOptions o;
  o.method = "lora";
  try {
    o.rank = cfg.at("r").get<int64_t>();
    o.alpha = cfg.value("lora_alpha", 8.0f);
    o.dropout = cfg.value("lora_dropout", 0.0f);
    const auto& t = cfg.at("target_modules");
    if (t.is_string()) o.target_regex = t.get<std::string>();  // PEFT: a string is a full-match regex
    else o.target = t.get<std::vector<std::string>>();
    if (cfg.value("bias", std::string("none")) != "none")
      throw FormatError(source + ": bias \"" + cfg["bias"].get<std::string>() + "\" is not supported (only \"none\")");
    if (cfg.value("use_rslora", false)) throw FormatError(source + ": use_rslora is not supported");
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(source + ": " + e.what());
  }
  return o;
}

void merge_lora(Transformer& model, PeftMethod& lora) {
  auto* l = dynamic_cast<Lora*>(&lora);
  if (!l) throw Error("merge: only LoRA adapters can be merged into the weights, this one is " + lora.peft_type());
  l->merge();
  if (model.hooks() == &lora) model.set_hooks(nullptr);
}

void merge_lora_dirs(const std::string& model_dir, const std::string& adapter_dir, const std::string& out_dir) {
  namespace fs = std::filesystem;
  Transformer model = load_model(model_dir);
  std::unique_ptr<PeftMethod> lora = load_adapter(model, adapter_dir);
  merge_lora(model, *lora);
  io::OutputDir out(out_dir);
  save_model(model, out_dir);
  for (const std::string& dir : {adapter_dir, model_dir})
    if (fs::exists(dir + "/tokenizer.json") && !fs::exists(out_dir + "/tokenizer.json"))
      fs::copy_file(dir + "/tokenizer.json", out_dir + "/tokenizer.json");
  if (fs::exists(adapter_dir + "/tokenizer_config.json") || fs::exists(model_dir + "/tokenizer_config.json"))
    write_chat_template(out_dir);
}

}  // namespace lmf::ft
