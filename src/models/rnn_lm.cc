// The recurrent language model: parameters, forward, and its model directory.
#include "models/rnn_lm.h"

#include <filesystem>

#include "core/ops/embedding.h"
#include "core/ops/matmul.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/model_dir.h"

namespace lmf::models {
namespace {

std::vector<std::pair<std::string, Shape>> lm_shapes(const RnnLmConfig& c) {
  std::vector<std::pair<std::string, Shape>> s{{"encoder.weight", Shape{c.vocab_size, c.embedding_size}}};
  for (auto& [n, sh] : rnn_parameter_shapes(c.rnn())) s.push_back({"rnn." + n, sh});
  s.push_back({"decoder.weight", Shape{c.vocab_size, c.hidden_size}});
  s.push_back({"decoder.bias", Shape{c.vocab_size}});
  return s;
}

int64_t positive_field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
    throw FormatError(what + ": field \"" + key + "\" must be a positive integer");
  return j[key].get<int64_t>();
}

}  // namespace

nlohmann::json RnnLmConfig::to_json() const {
  return {{"model_type", "rnn_lm"},          {"rnn_type", kind == RnnKind::LSTM ? "LSTM" : "GRU"},
          {"vocab_size", vocab_size},        {"embedding_size", embedding_size},
          {"hidden_size", hidden_size},      {"num_layers", num_layers},
          {"batch_first", false},            {"tie_weights", false}};
}

RnnLmConfig RnnLmConfig::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object() || j.value("model_type", "") != "rnn_lm")
    throw FormatError(what + ": \"model_type\" must be \"rnn_lm\"");
  RnnLmConfig c;
  const std::string t = j.value("rnn_type", "");
  if (t != "LSTM" && t != "GRU") throw FormatError(what + ": \"rnn_type\" must be \"LSTM\" or \"GRU\", got \"" + t + "\"");
  c.kind = t == "LSTM" ? RnnKind::LSTM : RnnKind::GRU;
  c.vocab_size = positive_field(j, "vocab_size", what);
  c.embedding_size = positive_field(j, "embedding_size", what);
  c.hidden_size = positive_field(j, "hidden_size", what);
  c.num_layers = positive_field(j, "num_layers", what);
  return c;
}

RnnConfig RnnLmConfig::rnn() const {
  RnnConfig r;
  r.kind = kind;
  r.input_size = embedding_size;
  r.hidden_size = hidden_size;
  r.num_layers = num_layers;
  return r;
}

RnnLm RnnLm::init(const RnnLmConfig& cfg, uint64_t seed) {
  std::map<std::string, Tensor> t;
  t["encoder.weight"] = Tensor::rand({cfg.vocab_size, cfg.embedding_size}, seed, -0.1f, 0.1f);
  for (auto& [n, v] : rnn_init(cfg.rnn(), seed + 1, "rnn.")) t[n] = v.detach();
  t["decoder.weight"] = Tensor::rand({cfg.vocab_size, cfg.hidden_size}, seed + 2, -0.1f, 0.1f);
  t["decoder.bias"] = Tensor::zeros({cfg.vocab_size});
  return from_tensors(cfg, t, "RnnLm::init");
}

RnnLm RnnLm::from_tensors(const RnnLmConfig& cfg, const std::map<std::string, Tensor>& tensors,
                          const std::string& what) {
  RnnLm m;
  m.cfg_ = cfg;
  for (auto& [name, shape] : lm_shapes(cfg)) {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw FormatError(what + ": tensor " + name + " is missing");
    if (it->second.shape() != shape)
      throw FormatError(what + ": tensor " + name + " is " + it->second.shape().str() + ", expected " + shape.str());
    Tensor p = it->second.to(DType::F32);  // an owned contiguous copy
    p.set_requires_grad(true);
    m.params_.push_back({name, p});
    m.by_name_[name] = p;
  }
  if (tensors.size() != m.params_.size())
    for (auto& [name, t] : tensors)
      if (!m.by_name_.count(name)) throw FormatError(what + ": unexpected tensor " + name);
  return m;
}

RnnLm RnnLm::load(const std::string& dir) {
  const ModelDirFiles files = read_model_dir(dir);
  return from_tensors(RnnLmConfig::from_json(files.config, files.config_path), files.tensors, files.weights_path);
}

void RnnLm::save(const std::string& dir) const { write_model_dir(dir, cfg_.to_json(), params_); }

int64_t RnnLm::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, p] : params_) n += p.numel();
  return n;
}

// ids (T, B) → emb (T, B, E) → rnn (T, B, H) → logits (T, B, V).
Tensor RnnLm::forward(const Tensor& ids, State& state) const {
  LMF_CHECK_SHAPE(ids.defined() && ids.dim() == 2 && ids.dtype() == DType::I32, "rnn_lm",
                  "ids must be (T, B) i32, got " + (ids.defined() ? ids.str() : std::string("undefined")));
  Tensor emb = embedding(ids, by_name_.at("encoder.weight"));
  RnnStackOutput r = rnn_forward(cfg_.rnn(), by_name_, emb, state.h, state.c, "rnn.");
  state.h = r.h;
  state.c = r.c;
  return linear(r.y, by_name_.at("decoder.weight"), by_name_.at("decoder.bias"));
}

}  // namespace lmf::models
