// BERT's parameters, forward pass (embeddings, post-LayerNorm encoder layers, MLM head,
// pooler), masked-LM loss and its model directory.
#include "models/bert.h"

#include <algorithm>
#include <filesystem>

#include "core/autograd.h"
#include "core/ops/activation.h"
#include "core/ops/attention.h"
#include "core/ops/dropout.h"
#include "core/ops/elementwise.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/model_dir.h"

namespace lmf::models {
namespace {

// Tensors a BERT checkpoint may hold that this model does not use: the tied decoder, the
// next-sentence head, the position-ids buffer.
bool ignored_tensor(const std::string& name) {
  return name == "cls.predictions.decoder.weight" || name == "cls.predictions.decoder.bias" ||
         name.starts_with("cls.seq_relationship.") || name == "bert.embeddings.position_ids";
}

std::vector<std::pair<std::string, Shape>> parameter_shapes(const BertConfig& c) {
  const int64_t C = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
  std::vector<std::pair<std::string, Shape>> s = {
      {"bert.embeddings.word_embeddings.weight", {V, C}},
      {"bert.embeddings.position_embeddings.weight", {c.max_position_embeddings, C}},
      {"bert.embeddings.token_type_embeddings.weight", {c.type_vocab_size, C}},
      {"bert.embeddings.LayerNorm.weight", {C}},
      {"bert.embeddings.LayerNorm.bias", {C}}};
  auto linear = [&](const std::string& m, int64_t out, int64_t in) {
    s.push_back({m + ".weight", {out, in}});
    s.push_back({m + ".bias", {out}});
  };
  auto norm = [&](const std::string& m) {
    s.push_back({m + ".weight", {C}});
    s.push_back({m + ".bias", {C}});
  };
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".";
    linear(p + "attention.self.query", C, C);
    linear(p + "attention.self.key", C, C);
    linear(p + "attention.self.value", C, C);
    linear(p + "attention.output.dense", C, C);
    norm(p + "attention.output.LayerNorm");
    linear(p + "intermediate.dense", I, C);
    linear(p + "output.dense", C, I);
    norm(p + "output.LayerNorm");
  }
  linear("bert.pooler.dense", C, C);
  s.push_back({"cls.predictions.bias", {V}});
  linear("cls.predictions.transform.dense", C, C);
  norm("cls.predictions.transform.LayerNorm");
  return s;
}

int64_t int_field(const nlohmann::json& j, const char* key, const std::string& what, int64_t min, bool required,
                  int64_t fallback) {
  if (!j.contains(key)) {
    if (required) throw FormatError(what + ": field \"" + std::string(key) + "\" is missing");
    return fallback;
  }
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < min)
    throw FormatError(what + ": field \"" + std::string(key) + "\" must be an integer >= " + std::to_string(min));
  return j[key].get<int64_t>();
}

double real_field(const nlohmann::json& j, const char* key, const std::string& what, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number() || j[key].get<double>() < 0)
    throw FormatError(what + ": field \"" + std::string(key) + "\" must be a number >= 0");
  return j[key].get<double>();
}

void check_ids(const Tensor& t, const char* what, int64_t B, int64_t T) {
  LMF_CHECK_SHAPE(t.dtype() == DType::I32 && t.dim() == 2 && (B < 0 || (t.size(0) == B && t.size(1) == T)), "bert",
                  std::string(what) + " must be (B, T) i32" +
                      (B < 0 ? std::string() : " of (" + std::to_string(B) + ", " + std::to_string(T) + ")") +
                      ", got " + t.str());
}

}  // namespace

nlohmann::json BertConfig::to_json() const {
  return {{"architectures", {"BertForMaskedLM"}},
          {"model_type", "bert"},
          {"vocab_size", vocab_size},
          {"hidden_size", hidden_size},
          {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads},
          {"intermediate_size", intermediate_size},
          {"hidden_act", "gelu"},
          {"hidden_dropout_prob", hidden_dropout_prob},
          {"attention_probs_dropout_prob", attention_probs_dropout_prob},
          {"max_position_embeddings", max_position_embeddings},
          {"type_vocab_size", type_vocab_size},
          {"initializer_range", initializer_range},
          {"layer_norm_eps", layer_norm_eps},
          {"pad_token_id", pad_token_id},
          {"position_embedding_type", "absolute"},
          {"torch_dtype", "float32"}};
}

BertConfig BertConfig::from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object() || j.value("model_type", "") != "bert") throw FormatError(what + ": \"model_type\" must be \"bert\"");
  BertConfig c;
  c.vocab_size = int_field(j, "vocab_size", what, 1, true, 0);
  c.hidden_size = int_field(j, "hidden_size", what, 1, true, 0);
  c.num_hidden_layers = int_field(j, "num_hidden_layers", what, 1, true, 0);
  c.num_attention_heads = int_field(j, "num_attention_heads", what, 1, true, 0);
  c.intermediate_size = int_field(j, "intermediate_size", what, 1, true, 0);
  c.max_position_embeddings = int_field(j, "max_position_embeddings", what, 1, false, 512);
  c.type_vocab_size = int_field(j, "type_vocab_size", what, 1, false, 2);
  c.pad_token_id = int_field(j, "pad_token_id", what, 0, false, 0);
  c.layer_norm_eps = real_field(j, "layer_norm_eps", what, 1e-12);
  c.hidden_dropout_prob = real_field(j, "hidden_dropout_prob", what, 0.1);
  c.attention_probs_dropout_prob = real_field(j, "attention_probs_dropout_prob", what, 0.1);
  c.initializer_range = real_field(j, "initializer_range", what, 0.02);
  if (c.hidden_size % c.num_attention_heads != 0)
    throw FormatError(what + ": \"hidden_size\" " + std::to_string(c.hidden_size) +
                      " is not a multiple of \"num_attention_heads\" " + std::to_string(c.num_attention_heads));
  if (j.contains("hidden_act") && j["hidden_act"] != "gelu")
    throw FormatError(what + ": \"hidden_act\" " + j["hidden_act"].dump() + " is not supported (only \"gelu\")");
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute")
    throw FormatError(what + ": \"position_embedding_type\" " + j["position_embedding_type"].dump() +
                      " is not supported (only \"absolute\")");
  return c;
}

bool is_bert_dir(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!std::filesystem::is_regular_file(path)) return false;
  const nlohmann::json j = nlohmann::json::parse(io::read_file(path), nullptr, false);
  return j.is_object() && j.value("model_type", "") == "bert";
}

Bert Bert::init(const BertConfig& cfg, uint64_t seed) {
  std::map<std::string, Tensor> t;
  uint64_t k = 0;
  for (auto& [name, shape] : parameter_shapes(cfg)) {
    ++k;
    const bool weight = name.ends_with(".weight") && name.find("LayerNorm") == std::string::npos;
    if (weight)
      t[name] = Tensor::randn(shape, seed * 1000003 + k, float(cfg.initializer_range));
    else if (name.find("LayerNorm.weight") != std::string::npos)
      t[name] = Tensor::full(shape, 1.0f);
    else
      t[name] = Tensor::zeros(shape);
  }
  Tensor& w = t["bert.embeddings.word_embeddings.weight"];
  if (cfg.pad_token_id < cfg.vocab_size)
    std::fill_n(w.f32() + cfg.pad_token_id * cfg.hidden_size, cfg.hidden_size, 0.0f);
  return from_tensors(cfg, t, "Bert::init");
}

Bert Bert::from_tensors(const BertConfig& cfg, const std::map<std::string, Tensor>& tensors, const std::string& what) {
  Bert m;
  m.cfg_ = cfg;
  for (auto& [name, shape] : parameter_shapes(cfg)) {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw FormatError(what + ": tensor " + name + " is missing");
    if (it->second.shape() != shape)
      throw FormatError(what + ": tensor " + name + " is " + it->second.shape().str() + ", expected " + shape.str());
    Tensor p = it->second.to(DType::F32);  // an owned contiguous copy
    p.set_requires_grad(true);
    m.params_.push_back({name, p});
    m.by_name_[name] = p;
  }
  for (auto& [name, t] : tensors)
    if (!m.by_name_.count(name) && !ignored_tensor(name)) throw FormatError(what + ": unexpected tensor " + name);
  return m;
}

Bert Bert::load(const std::string& dir) {
  const ModelDirFiles files = read_model_dir(dir);
  return from_tensors(BertConfig::from_json(files.config, files.config_path), files.tensors, files.weights_path);
}

void Bert::save(const std::string& dir) const { write_model_dir(dir, cfg_.to_json(), params_); }

int64_t Bert::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, t] : params_) n += t.numel();
  return n;
}

Tensor Bert::ln(const Tensor& x, const std::string& prefix) const {
  return layer_norm(x, p(prefix + ".weight"), p(prefix + ".bias"), float(cfg_.layer_norm_eps));
}

Tensor Bert::dense(const Tensor& x, const std::string& prefix) const {
  return linear(x, p(prefix + ".weight"), p(prefix + ".bias"));
}

Tensor Bert::word_embeddings(const Tensor& ids) const {
  const Tensor& w = p("bert.embeddings.word_embeddings.weight");
  Tensor x = embedding(ids, w);  // (B, T, C)
  if (!autograd::enabled() || !w.requires_grad()) return x;
  const int32_t* id = ids.data<int32_t>();
  const int64_t n = ids.numel();
  if (std::find(id, id + n, int32_t(cfg_.pad_token_id)) == id + n) return x;
  // nn.Embedding(padding_idx=pad): the [PAD] rows take no gradient through the lookup.
  std::vector<float> keep(static_cast<size_t>(n)), drop(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    keep[size_t(i)] = id[i] == cfg_.pad_token_id ? 0.0f : 1.0f;
    drop[size_t(i)] = 1.0f - keep[size_t(i)];
  }
  const Shape s{ids.size(0), ids.size(1), 1};
  return add(mul(x, Tensor::from_vector(keep, s)), mul(embedding(ids, w.detach()), Tensor::from_vector(drop, s)));
}

Tensor Bert::encode(const BertInput& in, uint64_t dropout_seed) const {
  check_ids(in.ids, "ids", -1, -1);
  const int64_t B = in.ids.size(0), T = in.ids.size(1), C = cfg_.hidden_size, H = cfg_.num_attention_heads,
                D = C / H;
  LMF_CHECK_SHAPE(T >= 1 && T <= cfg_.max_position_embeddings, "bert",
                  "sequence of " + std::to_string(T) + " tokens; the model takes 1 to " +
                      std::to_string(cfg_.max_position_embeddings));
  const float pdrop = dropout_seed ? float(cfg_.hidden_dropout_prob) : 0.0f;
  uint64_t site = 0;
  auto drop = [&](const Tensor& x) { return pdrop > 0 ? dropout(x, pdrop, dropout_seed * 1009 + ++site) : x; };

  // Embeddings: word + position + token type, then LayerNorm.
  std::vector<int32_t> pos(static_cast<size_t>(B * T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) pos[size_t(b * T + t)] = int32_t(t);
  Tensor types = in.token_type_ids;
  if (types.defined())
    check_ids(types, "token_type_ids", B, T);
  else
    types = Tensor::zeros({B, T}, DType::I32);
  Tensor x = add(add(word_embeddings(in.ids),
                     embedding(Tensor::from_ints(pos, {B, T}), p("bert.embeddings.position_embeddings.weight"))),
                 embedding(types, p("bert.embeddings.token_type_embeddings.weight")));  // (B, T, C)
  x = drop(ln(x, "bert.embeddings.LayerNorm"));

  // Padding mask: (B, 1, T, T) additive, −1e9 at padding keys.
  AttentionOptions ao;
  if (in.attention_mask.defined()) {
    check_ids(in.attention_mask, "attention_mask", B, T);
    Tensor m = Tensor::zeros({B, 1, T, T});
    const int32_t* am = in.attention_mask.data<int32_t>();
    float* mp = m.f32();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t s = 0; s < T; ++s) mp[(b * T + t) * T + s] = am[b * T + s] ? 0.0f : -1e9f;
    ao.mask = m;
  }

  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l) {
    const std::string pre = "bert.encoder.layer." + std::to_string(l) + ".";
    auto heads = [&](const char* which) {  // (B, T, C) → (B, H, T, D) view
      return dense(x, pre + "attention.self." + which).reshape({B, T, H, D}).transpose(1, 2);
    };
    Tensor ctx = attention(heads("query"), heads("key"), heads("value"), ao);  // (B, H, T, D)
    Tensor a = dense(ctx.transpose(1, 2).reshape({B, T, C}), pre + "attention.output.dense");
    a = ln(add(drop(a), x), pre + "attention.output.LayerNorm");
    Tensor f = dense(gelu(dense(a, pre + "intermediate.dense")), pre + "output.dense");  // (B, T, C)
    x = ln(add(drop(f), a), pre + "output.LayerNorm");
  }
  return x;
}

Tensor Bert::mlm_logits(const Tensor& hidden) const {
  Tensor t = ln(gelu(dense(hidden, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm");
  return linear(t, p("bert.embeddings.word_embeddings.weight"), p("cls.predictions.bias"));
}

Tensor Bert::pooled(const Tensor& hidden) const {
  const int64_t B = hidden.size(0), C = hidden.size(2);
  return tanh(dense(hidden.slice(1, 0, 1).reshape({B, C}), "bert.pooler.dense"));
}

Tensor Bert::logits(const BertInput& in) const { return mlm_logits(encode(in)); }

Tensor Bert::mlm_loss(const BertInput& in, const Tensor& labels, uint64_t dropout_seed) const {
  check_ids(labels, "labels", in.ids.size(0), in.ids.size(1));
  const int64_t n = labels.numel();
  std::vector<int32_t> rows, targets;
  const int32_t* lp = labels.data<int32_t>();
  for (int64_t i = 0; i < n; ++i)
    if (lp[i] != -100) {
      rows.push_back(int32_t(i));
      targets.push_back(lp[i]);
    }
  if (rows.empty()) return Tensor::zeros({});
  const Tensor h = encode(in, dropout_seed);
  const int64_t N = int64_t(rows.size());
  // The chosen positions' hidden states (N, C), gathered with the embedding op (its
  // backward scatters the gradient back to those rows).
  Tensor chosen = embedding(Tensor::from_ints(rows, {N}), h.reshape({n, cfg_.hidden_size}));
  return cross_entropy(mlm_logits(chosen), Tensor::from_ints(targets, {N}));
}

}  // namespace lmf::models
