#include "models/config.h"

#include <cmath>
#include <type_traits>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf {
namespace {

template <class T>
T field(const nlohmann::json& j, const char* name, const std::string& src, T dflt, bool required) {
  if (!j.contains(name) || j[name].is_null()) {
    if (required) throw FormatError(src + ": missing field '" + name + "'");
    return dflt;
  }
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // 64.5 or "64" is not a size: only JSON integers (or a float with no fraction, 64.0).
    const nlohmann::json& v = j[name];
    const bool integral = v.is_number_integer() ||
                          (v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>() &&
                           std::fabs(v.get<double>()) < 9.0e15);
    if (!integral) throw FormatError(src + ": field '" + name + "' must be a whole number, got " + v.dump());
    return v.is_number_integer() ? v.get<T>() : T(v.get<double>());
  }
  try {
    return j[name].get<T>();
  } catch (const std::exception&) {
    throw FormatError(src + ": field '" + name + "' has the wrong type (" + j[name].dump() + ")");
  }
}

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& src) {
  if (!j.is_object()) throw FormatError(src + ": not a JSON object");
  std::string type = field<std::string>(j, "model_type", src, "", true);
  ModelConfig c;
  if (type == "gpt2") {
    c.arch = Arch::GPT2;
    c.vocab_size = field<int64_t>(j, "vocab_size", src, 0, true);
    c.n_positions = field<int64_t>(j, "n_positions", src, 1024, false);
    c.n_embd = field<int64_t>(j, "n_embd", src, 0, true);
    c.n_layer = field<int64_t>(j, "n_layer", src, 0, true);
    c.n_head = field<int64_t>(j, "n_head", src, 0, true);
    c.n_kv_head = c.n_head;
    c.n_inner = field<int64_t>(j, "n_inner", src, 0, false);
    c.norm_eps = field<float>(j, "layer_norm_epsilon", src, 1e-5f, false);
    c.tie_word_embeddings = field<bool>(j, "tie_word_embeddings", src, true, false);
    std::string act = field<std::string>(j, "activation_function", src, "gelu_new", false);
    if (act != "gelu_new" && act != "gelu_pytorch_tanh")
      throw FormatError(src + ": activation_function '" + act + "' is not supported (gelu_new)");
    c.dropout = field<float>(j, "resid_pdrop", src, 0.f, false);
  } else if (type == "llama") {
    c.arch = Arch::Llama;
    c.vocab_size = field<int64_t>(j, "vocab_size", src, 0, true);
    c.n_positions = field<int64_t>(j, "max_position_embeddings", src, 2048, false);
    c.n_embd = field<int64_t>(j, "hidden_size", src, 0, true);
    c.n_layer = field<int64_t>(j, "num_hidden_layers", src, 0, true);
    c.n_head = field<int64_t>(j, "num_attention_heads", src, 0, true);
    c.n_kv_head = field<int64_t>(j, "num_key_value_heads", src, c.n_head, false);
    c.n_inner = field<int64_t>(j, "intermediate_size", src, 0, true);
    c.norm_eps = field<float>(j, "rms_norm_eps", src, 1e-6f, false);
    c.rope_theta = field<float>(j, "rope_theta", src, 10000.f, false);
    c.tie_word_embeddings = field<bool>(j, "tie_word_embeddings", src, false, false);
    std::string act = field<std::string>(j, "hidden_act", src, "silu", false);
    if (act != "silu") throw FormatError(src + ": hidden_act '" + act + "' is not supported (silu)");
    if (field<bool>(j, "attention_bias", src, false, false) || field<bool>(j, "mlp_bias", src, false, false))
      throw FormatError(src + ": attention_bias/mlp_bias are not supported");
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
      throw FormatError(src + ": rope_scaling is not supported");
    if (j.contains("head_dim") && !j["head_dim"].is_null() &&
        j["head_dim"].get<int64_t>() * c.n_head != c.n_embd)
      throw FormatError(src + ": head_dim * num_attention_heads must equal hidden_size");
    c.dropout = field<float>(j, "attention_dropout", src, 0.f, false);
  } else {
    throw FormatError(src + ": model_type '" + type + "' is not supported (gpt2, llama)");
  }
  if (j.contains("bos_token_id") && j["bos_token_id"].is_number_integer()) c.bos_token_id = j["bos_token_id"];
  if (j.contains("eos_token_id") && j["eos_token_id"].is_number_integer()) c.eos_token_id = j["eos_token_id"];
  c.validate(src);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  std::string text = io::read_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
  return from_json(j, path);
}

nlohmann::json ModelConfig::to_json() const {
  nlohmann::ordered_json j;
  if (arch == Arch::GPT2) {
    j["architectures"] = {"GPT2LMHeadModel"};
    j["model_type"] = "gpt2";
    j["vocab_size"] = vocab_size;
    j["n_positions"] = n_positions;
    j["n_ctx"] = n_positions;
    j["n_embd"] = n_embd;
    j["n_layer"] = n_layer;
    j["n_head"] = n_head;
    j["n_inner"] = n_inner > 0 ? nlohmann::ordered_json(n_inner) : nlohmann::ordered_json(nullptr);
    j["activation_function"] = "gelu_new";
    j["layer_norm_epsilon"] = norm_eps;
    j["resid_pdrop"] = dropout;
    j["embd_pdrop"] = dropout;
    j["attn_pdrop"] = dropout;
    j["tie_word_embeddings"] = tie_word_embeddings;
  } else {
    j["architectures"] = {"LlamaForCausalLM"};
    j["model_type"] = "llama";
    j["vocab_size"] = vocab_size;
    j["max_position_embeddings"] = n_positions;
    j["hidden_size"] = n_embd;
    j["intermediate_size"] = mlp_dim();
    j["num_hidden_layers"] = n_layer;
    j["num_attention_heads"] = n_head;
    j["num_key_value_heads"] = n_kv_head;
    j["hidden_act"] = "silu";
    j["rms_norm_eps"] = norm_eps;
    j["rope_theta"] = rope_theta;
    j["attention_bias"] = false;
    j["mlp_bias"] = false;
    j["attention_dropout"] = dropout;
    j["tie_word_embeddings"] = tie_word_embeddings;
  }
  if (bos_token_id >= 0) j["bos_token_id"] = bos_token_id;
  if (eos_token_id >= 0) j["eos_token_id"] = eos_token_id;
  j["torch_dtype"] = "float32";
  return j;
}

ModelConfig ModelConfig::preset(const std::string& name) {
  ModelConfig c;
  if (name == "tiny-gpt2") {
    c.n_positions = 128; c.n_embd = 64; c.n_layer = 2; c.n_head = 4; c.n_kv_head = 4;
  } else if (name == "shakespeare") {  // nanoGPT shakespeare-char
    c.n_positions = 256; c.n_embd = 384; c.n_layer = 6; c.n_head = 6; c.n_kv_head = 6;
  } else if (name == "demo") {
    c.n_positions = 256; c.n_embd = 192; c.n_layer = 4; c.n_head = 6; c.n_kv_head = 6;
  } else if (name == "gpt2-small") {
    c.n_positions = 1024; c.n_embd = 768; c.n_layer = 12; c.n_head = 12; c.n_kv_head = 12;
  } else if (name == "tiny-llama") {
    c.arch = Arch::Llama; c.n_positions = 128; c.n_embd = 64; c.n_layer = 2; c.n_head = 4; c.n_kv_head = 2;
    c.n_inner = 176; c.norm_eps = 1e-6f; c.tie_word_embeddings = false;
  } else if (name == "llama-small") {
    c.arch = Arch::Llama; c.n_positions = 1024; c.n_embd = 768; c.n_layer = 12; c.n_head = 12; c.n_kv_head = 4;
    c.n_inner = 2048; c.norm_eps = 1e-6f; c.tie_word_embeddings = false;
  } else {
    std::string all;
    for (auto& n : preset_names()) all += (all.empty() ? "" : ", ") + n;
    throw Error("unknown preset '" + name + "' (known: " + all + ")");
  }
  return c;
}

std::vector<std::string> ModelConfig::preset_names() {
  return {"tiny-gpt2", "tiny-llama", "demo", "shakespeare", "gpt2-small", "llama-small"};
}

void ModelConfig::validate(const std::string& src) const {
  auto bad = [&](const std::string& m) { throw FormatError(src + ": " + m); };
  if (vocab_size <= 0) bad("vocab_size must be positive");
  if (n_embd <= 0 || n_layer <= 0 || n_head <= 0 || n_kv_head <= 0 || n_positions <= 0)
    bad("sizes must be positive");
  if (n_inner < 0) bad("the MLP size must be positive (or absent: 4 x the hidden size)");
  if (n_embd % n_head) bad("hidden size " + std::to_string(n_embd) + " is not divisible by " + std::to_string(n_head) + " heads");
  if (n_head % n_kv_head) bad("attention heads " + std::to_string(n_head) + " not divisible by kv heads " + std::to_string(n_kv_head));
  if (arch == Arch::Llama && head_dim() % 2) bad("head_dim must be even for RoPE");
  if (arch == Arch::GPT2 && n_kv_head != n_head) bad("gpt2 has no grouped-query attention");
  if (!(dropout >= 0 && dropout < 1)) bad("dropout must be in [0, 1)");
  if (!(norm_eps > 0) || !std::isfinite(norm_eps)) bad("the norm epsilon must be a positive number");
  if (arch == Arch::Llama && !(rope_theta > 0 && std::isfinite(rope_theta))) bad("rope_theta must be a positive number");
  // Sizes beyond these are typos, not models: refuse them before anything is allocated.
  auto at_most = [&](const char* what, int64_t v, int64_t hi) {
    if (v > hi) bad(std::string(what) + " " + std::to_string(v) + " is more than " + std::to_string(hi));
  };
  at_most("vocab_size", vocab_size, int64_t(1) << 24);
  at_most("the hidden size", n_embd, int64_t(1) << 16);
  at_most("the layer count", n_layer, 1024);
  at_most("the head count", n_head, 1024);
  at_most("the context length", n_positions, int64_t(1) << 20);
  at_most("the MLP size", mlp_dim(), int64_t(1) << 18);
  const double gib = double(num_parameters()) * 4.0 / double(int64_t(1) << 30);
  if (gib > 256.0)
    bad("the model would need " + std::to_string(int64_t(gib)) + " GiB for its fp32 weights alone (more than 256 GiB)");
}

int64_t ModelConfig::num_parameters() const {
  int64_t C = n_embd, D = head_dim(), F = mlp_dim();
  int64_t emb = vocab_size * C + (arch == Arch::GPT2 ? n_positions * C : 0);
  int64_t attn = C * (n_head * D) + 2 * C * (n_kv_head * D) + (n_head * D) * C;
  int64_t mlp = arch == Arch::GPT2 ? 2 * C * F : 3 * C * F;
  int64_t norms = arch == Arch::GPT2 ? 4 * C : 2 * C;
  int64_t bias = arch == Arch::GPT2 ? (3 * C + C + F + C) : 0;
  int64_t head = tie_word_embeddings ? 0 : vocab_size * C;
  int64_t final_norm = arch == Arch::GPT2 ? 2 * C : C;
  return emb + n_layer * (attn + mlp + norms + bias) + final_norm + head;
}

}  // namespace lmf
