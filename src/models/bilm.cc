// The ELMo-style biLM: parameters, the two directions' loss, the layer states and their mix,
// and its model directory.
#include "models/bilm.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/ops/matmul.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/model_dir.h"

namespace lmf::models {
namespace {

const char* const kDirections[2] = {"forward_lstm.", "backward_lstm."};

std::vector<std::pair<std::string, Shape>> lm_shapes(const BiLmConfig& c) {
  std::vector<std::pair<std::string, Shape>> s{{"encoder.weight", Shape{c.vocab_size, c.hidden_size}}};
  for (const char* d : kDirections)
    for (auto& [n, sh] : rnn_parameter_shapes(c.lstm())) s.push_back({d + n, sh});
  s.push_back({"decoder.weight", Shape{c.vocab_size, c.hidden_size}});
  s.push_back({"decoder.bias", Shape{c.vocab_size}});
  return s;
}

std::vector<std::pair<std::string, Shape>> mix_shapes(const BiLmConfig& c) {
  return {{"scalar_mix.weight", Shape{c.num_layers + 1}}, {"scalar_mix.gamma", Shape{1}}};
}

int64_t positive_field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
    throw FormatError(what + ": field \"" + key + "\" must be a positive integer");
  return j[key].get<int64_t>();
}

// ids (T, B) with its rows in reverse order.
Tensor reversed_rows(const Tensor& ids) {
  const int64_t T = ids.size(0), B = ids.size(1);
  Tensor out = Tensor::empty({T, B}, DType::I32);
  const int32_t* p = ids.data<int32_t>();
  for (int64_t t = 0; t < T; ++t) std::copy(p + (T - 1 - t) * B, p + (T - t) * B, out.data<int32_t>() + t * B);
  return out;
}

// Rows [i, i + n) of (T, B) ids.
Tensor rows(const Tensor& ids, int64_t i, int64_t n) {
  const int64_t B = ids.size(1);
  Tensor out = Tensor::empty({n, B}, DType::I32);
  std::copy(ids.data<int32_t>() + i * B, ids.data<int32_t>() + (i + n) * B, out.data<int32_t>());
  return out;
}

void check_ids(const Tensor& ids, int64_t min_rows, const char* what) {
  LMF_CHECK_SHAPE(ids.defined() && ids.dim() == 2 && ids.dtype() == DType::I32 && ids.size(0) >= min_rows, "bilm",
                  std::string(what) + " must be (T, B) i32 with T >= " + std::to_string(min_rows) + ", got " +
                      (ids.defined() ? ids.str() : std::string("undefined")));
}

}  // namespace

nlohmann::json BiLmConfig::to_json() const {
  return {{"model_type", "bilm"},
          {"rnn_type", "LSTM"},
          {"vocab_size", vocab_size},
          {"embedding_size", hidden_size},
          {"hidden_size", hidden_size},
          {"num_layers", num_layers},
          {"tie_softmax", true}};
}

BiLmConfig BiLmConfig::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object() || j.value("model_type", "") != "bilm") throw FormatError(what + ": \"model_type\" must be \"bilm\"");
  BiLmConfig c;
  c.vocab_size = positive_field(j, "vocab_size", what);
  c.hidden_size = positive_field(j, "hidden_size", what);
  c.num_layers = positive_field(j, "num_layers", what);
  if (j.contains("embedding_size") && j["embedding_size"] != c.hidden_size)
    throw FormatError(what + ": field \"embedding_size\" must equal \"hidden_size\"");
  return c;
}

RnnConfig BiLmConfig::lstm() const {
  RnnConfig r;
  r.kind = RnnKind::LSTM;
  r.input_size = hidden_size;
  r.hidden_size = hidden_size;
  r.num_layers = num_layers;
  return r;
}

BiLm BiLm::init(const BiLmConfig& cfg, uint64_t seed) {
  std::map<std::string, Tensor> t;
  t["encoder.weight"] = Tensor::rand({cfg.vocab_size, cfg.hidden_size}, seed, -0.1f, 0.1f);
  for (int d = 0; d < 2; ++d)
    for (auto& [n, v] : rnn_init(cfg.lstm(), seed + 1 + uint64_t(d), kDirections[d])) t[n] = v.detach();
  t["decoder.weight"] = Tensor::rand({cfg.vocab_size, cfg.hidden_size}, seed + 3, -0.1f, 0.1f);
  t["decoder.bias"] = Tensor::zeros({cfg.vocab_size});
  t["scalar_mix.weight"] = Tensor::zeros({cfg.num_layers + 1});
  t["scalar_mix.gamma"] = Tensor::full({1}, 1.0f);
  return from_tensors(cfg, t, "BiLm::init");
}

BiLm BiLm::from_tensors(const BiLmConfig& cfg, const std::map<std::string, Tensor>& tensors, const std::string& what) {
  BiLm m;
  m.cfg_ = cfg;
  auto take = [&](const std::string& name, const Shape& shape, bool trained) {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw FormatError(what + ": tensor " + name + " is missing");
    if (it->second.shape() != shape)
      throw FormatError(what + ": tensor " + name + " is " + it->second.shape().str() + ", expected " + shape.str());
    Tensor p = it->second.to(DType::F32);  // an owned contiguous copy
    if (trained) {
      p.set_requires_grad(true);
      m.params_.push_back({name, p});
    }
    m.by_name_[name] = p;
  };
  for (auto& [name, shape] : lm_shapes(cfg)) take(name, shape, true);
  for (auto& [name, shape] : mix_shapes(cfg)) take(name, shape, false);
  for (auto& [name, t] : tensors)
    if (!m.by_name_.count(name)) throw FormatError(what + ": unexpected tensor " + name);
  return m;
}

BiLm BiLm::load(const std::string& dir) {
  const ModelDirFiles files = read_model_dir(dir);
  return from_tensors(BiLmConfig::from_json(files.config, files.config_path), files.tensors, files.weights_path);
}

void BiLm::save(const std::string& dir) const {
  std::vector<std::pair<std::string, Tensor>> all = params_;
  for (auto& [name, shape] : mix_shapes(cfg_)) all.push_back({name, by_name_.at(name)});
  write_model_dir(dir, cfg_.to_json(), all);
}

int64_t BiLm::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, p] : params_) n += p.numel();
  return n;
}

// window (T + 1, B): forward reads rows [0, T) → targets [1, T + 1); backward reads the
// reversed window's rows [0, T) (original T … 1) → targets original T − 1 … 0.
Tensor BiLm::loss(const Tensor& window) const {
  check_ids(window, 2, "window");
  const int64_t T = window.size(0) - 1, V = cfg_.vocab_size;
  const Tensor rev = reversed_rows(window);
  Tensor total;
  for (int d = 0; d < 2; ++d) {
    const Tensor& src = d == 0 ? window : rev;
    Tensor x = embedding(rows(src, 0, T), by_name_.at("encoder.weight"));              // (T, B, H)
    RnnStackOutput r = rnn_forward(cfg_.lstm(), by_name_, x, {}, {}, kDirections[d]);  // y (T, B, H)
    Tensor logits = linear(r.y, by_name_.at("decoder.weight"), by_name_.at("decoder.bias"));  // (T, B, V)
    Tensor ce = cross_entropy(logits.reshape({-1, V}), rows(src, 1, T).reshape({-1}));
    total = d == 0 ? ce : add(total, ce);
  }
  return scale(total, 0.5f);
}

std::vector<Tensor> BiLm::layers(const Tensor& ids) const {
  check_ids(ids, 1, "ids");
  autograd::NoGradGuard ng;
  const int64_t T = ids.size(0), B = ids.size(1), H = cfg_.hidden_size;
  // states[d][k]: direction d's layer-k states in its own reading order, (T, B, H) as floats.
  std::vector<std::vector<std::vector<float>>> states(2);
  for (int d = 0; d < 2; ++d) {
    Tensor x = embedding(d == 0 ? ids : reversed_rows(ids), by_name_.at("encoder.weight"));
    states[d].push_back(x.to_vector());
    RnnConfig one = cfg_.lstm();
    one.num_layers = 1;
    for (int64_t k = 0; k < cfg_.num_layers; ++k) {
      std::map<std::string, Tensor> p;
      for (const char* w : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
        p[std::string(w) + "_l0"] = by_name_.at(kDirections[d] + std::string(w) + "_l" + std::to_string(k));
      x = rnn_forward(one, p, x).y;
      states[d].push_back(x.to_vector());
    }
  }
  std::vector<Tensor> out;
  for (int64_t k = 0; k <= cfg_.num_layers; ++k) {
    Tensor l = Tensor::empty({T, B, 2 * H});
    float* o = l.data<float>();
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = 0; b < B; ++b) {
        const float* f = states[0][size_t(k)].data() + (t * B + b) * H;
        const float* r = states[1][size_t(k)].data() + ((T - 1 - t) * B + b) * H;  // back to time t
        std::copy(f, f + H, o + (t * B + b) * 2 * H);
        std::copy(r, r + H, o + (t * B + b) * 2 * H + H);
      }
    out.push_back(l);
  }
  return out;
}

Tensor BiLm::mix(const std::vector<Tensor>& layers) const {
  LMF_CHECK_SHAPE(int64_t(layers.size()) == cfg_.num_layers + 1, "bilm",
                  "mix needs " + std::to_string(cfg_.num_layers + 1) + " layers, got " + std::to_string(layers.size()));
  const std::vector<float> s = by_name_.at("scalar_mix.weight").to_vector();
  const float gamma = by_name_.at("scalar_mix.gamma").item();
  const float smax = *std::max_element(s.begin(), s.end());
  double z = 0;
  for (float v : s) z += std::exp(double(v - smax));
  Tensor out = Tensor::zeros(layers[0].shape());
  float* o = out.data<float>();
  for (size_t j = 0; j < layers.size(); ++j) {
    LMF_CHECK_SHAPE(layers[j].shape() == layers[0].shape(), "bilm", "mix: layer shapes differ");
    const float w = float(gamma * std::exp(double(s[j] - smax)) / z);
    const std::vector<float> v = layers[j].to_vector();
    for (size_t i = 0; i < v.size(); ++i) o[i] += w * v[i];
  }
  return out;
}

}  // namespace lmf::models
