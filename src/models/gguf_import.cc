#include "models/gguf_import.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/autograd.h"
#include "core/error.h"
#include "tokenizer/pretokenizer.h"

namespace lmf {
namespace {

using io::GgufFile;
using io::GgufType;
using io::GgufValue;

enum TokenType : int64_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

std::string key_what(const GgufFile& f, const std::string& key) { return f.path() + ": key '" + key + "'"; }

int64_t get_int(const GgufFile& f, const std::string& key) {
  const int64_t v = f.get(key).as_int(key_what(f, key));
  if (v <= 0 || v > (int64_t(1) << 31)) throw FormatError(key_what(f, key) + " has the value " + std::to_string(v));
  return v;
}
int64_t get_int(const GgufFile& f, const std::string& key, int64_t fallback) {
  return f.find(key) ? get_int(f, key) : fallback;
}
double get_float(const GgufFile& f, const std::string& key, double fallback) {
  const GgufValue* v = f.find(key);
  return v ? v->as_float(key_what(f, key)) : fallback;
}

// llama.cpp's interleaved pairs → Hugging Face rotate-half rows, per head of D rows:
// new row s·D/2 + j = old row 2j + s (the inverse of the export's permutation).
Tensor unpermute_rope_rows(const Tensor& w, int64_t heads) {
  const int64_t out = w.shape()[0], in = w.shape()[1], d = out / heads;
  Tensor r = Tensor::empty(w.shape(), DType::F32);
  const float* src = w.data<float>();
  float* dst = r.data<float>();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < d / 2; ++j)
      for (int64_t s = 0; s < 2; ++s)
        std::copy_n(src + (h * d + 2 * j + s) * in, in, dst + (h * d + s * d / 2 + j) * in);
  return r;
}

// Our parameter name → llama.cpp's tensor name.
std::map<std::string, std::string> tensor_names(const ModelConfig& c) {
  std::map<std::string, std::string> m;
  if (c.arch == Arch::Llama) {
    m["model.embed_tokens.weight"] = "token_embd.weight";
    for (int64_t l = 0; l < c.n_layer; ++l) {
      const std::string h = "model.layers." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
      m[h + "input_layernorm.weight"] = g + "attn_norm.weight";
      m[h + "self_attn.q_proj.weight"] = g + "attn_q.weight";
      m[h + "self_attn.k_proj.weight"] = g + "attn_k.weight";
      m[h + "self_attn.v_proj.weight"] = g + "attn_v.weight";
      m[h + "self_attn.o_proj.weight"] = g + "attn_output.weight";
      m[h + "post_attention_layernorm.weight"] = g + "ffn_norm.weight";
      m[h + "mlp.gate_proj.weight"] = g + "ffn_gate.weight";
      m[h + "mlp.up_proj.weight"] = g + "ffn_up.weight";
      m[h + "mlp.down_proj.weight"] = g + "ffn_down.weight";
    }
    m["model.norm.weight"] = "output_norm.weight";
  } else {
    m["transformer.wte.weight"] = "token_embd.weight";
    m["transformer.wpe.weight"] = "position_embd.weight";
    for (int64_t l = 0; l < c.n_layer; ++l) {
      const std::string h = "transformer.h." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
      for (std::string s : {"weight", "bias"}) {
        m[h + "ln_1." + s] = g + "attn_norm." + s;
        m[h + "attn.c_attn." + s] = g + "attn_qkv." + s;
        m[h + "attn.c_proj." + s] = g + "attn_output." + s;
        m[h + "ln_2." + s] = g + "ffn_norm." + s;
        m[h + "mlp.c_fc." + s] = g + "ffn_up." + s;
        m[h + "mlp.c_proj." + s] = g + "ffn_down." + s;
      }
    }
    m["transformer.ln_f.weight"] = "output_norm.weight";
    m["transformer.ln_f.bias"] = "output_norm.bias";
  }
  m["lm_head.weight"] = "output.weight";
  return m;
}

// llama.cpp's default BPE pre-tokenizer (llm_tokenizer_bpe's `default:` regexes), in sequence.
const std::vector<std::string>& default_bpe_patterns() {
  static const std::vector<std::string> p = {
      "[\\p{P}\\$\\+<=>\\^~\\|]+",
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
      "\\p{N}+",
      "[0-9][0-9][0-9]",
  };
  return p;
}

}  // namespace

bool is_gguf_path(const std::string& path) { return path.size() > 5 && path.ends_with(".gguf"); }

ModelConfig gguf_model_config(const GgufFile& f) {
  const std::string arch = f.get("general.architecture").as_string(key_what(f, "general.architecture"));
  if (arch != "llama" && arch != "gpt2")
    throw FormatError(f.path() + ": architecture '" + arch + "' is not supported (llama and gpt2 are)");
  ModelConfig c;
  c.arch = arch == "llama" ? Arch::Llama : Arch::GPT2;
  const std::string a = arch + ".";
  c.n_embd = get_int(f, a + "embedding_length");
  c.n_layer = get_int(f, a + "block_count");
  c.n_inner = get_int(f, a + "feed_forward_length");
  c.n_head = get_int(f, a + "attention.head_count");
  c.n_kv_head = get_int(f, a + "attention.head_count_kv", c.n_head);
  c.n_positions = get_int(f, a + "context_length");
  if (f.find(a + "vocab_size")) c.vocab_size = get_int(f, a + "vocab_size");
  else if (f.find("tokenizer.ggml.tokens"))
    c.vocab_size = int64_t(f.get("tokenizer.ggml.tokens").as_array(GgufType::String, key_what(f, "tokenizer.ggml.tokens")).size());
  else c.vocab_size = f.tensor("token_embd.weight").ne.at(1);
  if (c.arch == Arch::Llama) {
    c.norm_eps = float(get_float(f, "llama.attention.layer_norm_rms_epsilon", 1e-5));
    c.rope_theta = float(get_float(f, "llama.rope.freq_base", 10000.0));
    if (c.n_embd % c.n_head != 0)
      throw FormatError(key_what(f, "llama.attention.head_count") + ": " + std::to_string(c.n_head) +
                        " heads do not divide the width " + std::to_string(c.n_embd));
    for (const char* k : {"llama.rope.dimension_count", "llama.attention.key_length", "llama.attention.value_length"})
      if (f.find(k) && get_int(f, k) != c.head_dim())
        throw FormatError(key_what(f, k) + " is " + std::to_string(get_int(f, k)) + ", not the head size " +
                          std::to_string(c.head_dim()) + " (lmforge rotates and attends over whole heads)");
    if (const GgufValue* s = f.find("llama.rope.scaling.type")) {
      const std::string t = s->as_string(key_what(f, "llama.rope.scaling.type"));
      if (t != "none") throw FormatError(key_what(f, "llama.rope.scaling.type") + ": RoPE scaling '" + t + "' is not supported");
    }
  } else {
    c.norm_eps = float(get_float(f, "gpt2.attention.layer_norm_epsilon", 1e-5));
    if (c.n_kv_head != c.n_head)
      throw FormatError(key_what(f, "gpt2.attention.head_count_kv") + ": gpt2 has as many key/value heads as heads");
  }
  c.tie_word_embeddings = f.find_tensor("output.weight") == nullptr;
  if (const GgufValue* v = f.find("tokenizer.ggml.bos_token_id")) c.bos_token_id = v->as_int(key_what(f, "tokenizer.ggml.bos_token_id"));
  if (const GgufValue* v = f.find("tokenizer.ggml.eos_token_id")) c.eos_token_id = v->as_int(key_what(f, "tokenizer.ggml.eos_token_id"));
  try {
    c.validate(f.path());
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw FormatError(f.path() + ": " + e.what());
  }
  return c;
}

Transformer load_gguf_model(const std::string& path) {
  GgufFile f = GgufFile::open(path);
  Transformer model(gguf_model_config(f));
  const ModelConfig& c = model.config();
  const auto names = tensor_names(c);
  std::set<std::string> used;
  autograd::NoGradGuard ng;
  for (Param& p : model.params()) {
    auto it = names.find(p.name);
    if (it == names.end()) throw FormatError(path + ": lmforge has no GGUF name for parameter '" + p.name + "'");
    const std::string& g = it->second;
    if (!f.find_tensor(g)) throw FormatError(path + ": missing tensor '" + g + "'");
    const io::GgufTensorInfo& t = f.tensor(g);
    if (t.shape() != p.value.shape())
      throw FormatError(path + ": tensor '" + g + "' has shape " + t.shape().str() + ", the metadata implies " +
                        p.value.shape().str());
    Tensor v = f.get_f32(g);
    if (c.arch == Arch::Llama && g.ends_with(".attn_q.weight")) v = unpermute_rope_rows(v, c.n_head);
    if (c.arch == Arch::Llama && g.ends_with(".attn_k.weight")) v = unpermute_rope_rows(v, c.n_kv_head);
    p.value.copy_from(v);
    used.insert(g);
  }
  for (const io::GgufTensorInfo& t : f.tensors())
    if (!used.count(t.name))
      throw FormatError(path + ": unexpected tensor '" + t.name + "' for a " + c.model_type() + " model");
  return model;
}

tok::Tokenizer gguf_tokenizer(const GgufFile& f) {
  const std::string model = f.get("tokenizer.ggml.model").as_string(key_what(f, "tokenizer.ggml.model"));
  if (model != "gpt2")
    throw FormatError(key_what(f, "tokenizer.ggml.model") + ": tokenizer '" + model +
                      "' is not supported (only gpt2, byte-level BPE)");
  const std::string pre = f.find("tokenizer.ggml.pre") ? f.get("tokenizer.ggml.pre").as_string(key_what(f, "tokenizer.ggml.pre"))
                                                       : "default";
  std::vector<std::string> patterns;
  bool ignore_merges = false;
  if (pre == "gpt-2") patterns = {tok::builtin_pattern("gpt2")};
  else if (pre == "llama-bpe") patterns = {tok::builtin_pattern("llama3")}, ignore_merges = true;
  else if (pre == "gpt-4o") patterns = {tok::builtin_pattern("o200k")};
  else if (pre == "default") patterns = default_bpe_patterns();
  else
    throw FormatError(key_what(f, "tokenizer.ggml.pre") + ": pre-tokenizer '" + pre +
                      "' is not supported (default, gpt-2, llama-bpe and gpt-4o are)");

  const auto& tokens = f.get("tokenizer.ggml.tokens").as_array(GgufType::String, key_what(f, "tokenizer.ggml.tokens"));
  const GgufValue* types_v = f.find("tokenizer.ggml.token_type");
  const std::vector<GgufValue> no_types;
  const auto& types = types_v ? types_v->as_array(GgufType::I32, key_what(f, "tokenizer.ggml.token_type")) : no_types;
  if (types_v && types.size() != tokens.size())
    throw FormatError(key_what(f, "tokenizer.ggml.token_type") + " has " + std::to_string(types.size()) +
                      " entries for " + std::to_string(tokens.size()) + " tokens");
  nlohmann::json vocab = nlohmann::json::object(), added = nlohmann::json::array();
  for (size_t id = 0; id < tokens.size(); ++id) {
    const int64_t type = types_v ? types[id].i : kNormal;
    const std::string& text = tokens[id].s;
    switch (type) {
      case kNormal:
      case kByte:
        if (vocab.contains(text))
          throw FormatError(key_what(f, "tokenizer.ggml.tokens") + ": token '" + text + "' appears twice");
        vocab[text] = id;
        break;
      case kControl:
      case kUnknown:
      case kUserDefined:
        added.push_back({{"id", id}, {"content", text}, {"special", type != kUserDefined}});
        break;
      case kUnused: break;
      default:
        throw FormatError(key_what(f, "tokenizer.ggml.token_type") + ": token " + std::to_string(id) +
                          " has the unknown type " + std::to_string(type));
    }
  }
  nlohmann::json merges = nlohmann::json::array();
  if (const GgufValue* m = f.find("tokenizer.ggml.merges"))
    for (const GgufValue& s : m->as_array(GgufType::String, key_what(f, "tokenizer.ggml.merges"))) merges.push_back(s.s);
  nlohmann::json seq = nlohmann::json::array();
  for (const std::string& p : patterns)
    seq.push_back({{"type", "Split"}, {"pattern", {{"Regex", p}}}, {"behavior", "Isolated"}, {"invert", false}});
  seq.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}});
  nlohmann::json j = {
      {"added_tokens", added},
      {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", seq}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"ignore_merges", ignore_merges}, {"vocab", vocab}, {"merges", merges}}},
  };
  return tok::Tokenizer::from_hf_json(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), f.path());
}

tok::Tokenizer load_gguf_tokenizer(const std::string& path) { return gguf_tokenizer(GgufFile::open(path)); }

std::string gguf_chat_template(const std::string& path) {
  GgufFile f = GgufFile::open(path);
  const GgufValue* v = f.find("tokenizer.chat_template");
  return v ? v->as_string(key_what(f, "tokenizer.chat_template")) : std::string();
}

}  // namespace lmf
