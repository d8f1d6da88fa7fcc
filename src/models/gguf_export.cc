#include "models/gguf_export.h"

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/quant/convert.h"
#include "io/gguf.h"
#include "tokenizer/pretokenizer.h"

namespace lmf {
namespace {

using io::GgufValue;
using quant::GgmlType;

enum TokenType : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

uint32_t file_type(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return 1;
    case GgmlType::Q4_0: return 2;
    case GgmlType::Q8_0: return 7;
    case GgmlType::BF16: return 32;
    default: throw Error("write_gguf: type " + quant::ggml_type_name(t) + " cannot be exported");
  }
}

// Hugging Face rotate-half rows → llama.cpp's interleaved pairs, per head of D rows:
// new row 2j + s = old row s·D/2 + j.
Tensor permute_rope_rows(const Tensor& w, int64_t heads) {
  const int64_t out = w.shape()[0], in = w.shape()[1], d = out / heads;
  Tensor c = w.contiguous();
  Tensor r = Tensor::empty(w.shape(), DType::F32);
  const float* src = c.data<float>();
  float* dst = r.data<float>();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < d / 2; ++j)
      for (int64_t s = 0; s < 2; ++s)
        std::copy_n(src + (h * d + s * d / 2 + j) * in, in, dst + (h * d + 2 * j + s) * in);
  return r;
}

}  // namespace

GgmlType gguf_export_type(const std::string& name) {
  if (name == "f32") return GgmlType::F32;
  if (name == "f16") return GgmlType::F16;
  if (name == "bf16") return GgmlType::BF16;
  if (name == "q8_0") return GgmlType::Q8_0;
  if (name == "q4_0") return GgmlType::Q4_0;
  throw Error("unknown GGUF type '" + name + "' (choose f32, f16, bf16, q8_0 or q4_0)");
}

std::string llama_cpp_pre_tokenizer(const tok::Tokenizer& tk) {
  const auto& pats = tk.patterns();
  nlohmann::json hf = nlohmann::json::parse(tk.to_hf_json());
  for (auto& p : hf["pre_tokenizer"]["pretokenizers"])
    if (p.value("type", "") == "ByteLevel" && p.value("add_prefix_space", false))
      throw Error("tokenizer " + tk.name() + " adds a prefix space, which no llama.cpp pre-tokenizer does");
  if (pats.size() == 1) {
    if (pats[0] == tok::builtin_pattern("gpt2")) return "gpt-2";
    if (pats[0] == tok::builtin_pattern("cl100k") || pats[0] == tok::builtin_pattern("llama3")) return "llama-bpe";
    if (pats[0] == tok::builtin_pattern("o200k")) return "gpt-4o";
  }
  std::string shown;
  for (auto& p : pats) shown += (shown.empty() ? "" : " then ") + p;
  throw Error("tokenizer " + tk.name() + ": no llama.cpp pre-tokenizer splits text as its pattern " +
              (shown.empty() ? std::string("(none)") : shown) +
              " does (supported: the gpt2, cl100k/llama3 and o200k patterns)");
}

std::vector<std::pair<std::string, GgmlType>> write_gguf(const Transformer& model, const tok::Tokenizer& tk,
                                                         const GgufExportOptions& opt, const std::string& path) {
  const ModelConfig& cfg = model.config();
  const bool llama = cfg.arch == Arch::Llama;
  const std::string arch = llama ? "llama" : "gpt2";
  const std::string pre = llama_cpp_pre_tokenizer(tk);
  const GgmlType type = opt.type;
  io::GgufWriter w;
  w.set("general.architecture", GgufValue::string(arch));
  w.set("general.name", GgufValue::string(opt.name.empty() ? "lmforge-" + arch : opt.name));
  w.set("general.file_type", GgufValue::u32(file_type(type)));
  w.set("general.quantization_version", GgufValue::u32(2));
  auto u32 = [](int64_t v) { return GgufValue::u32(uint32_t(v)); };
  w.set(arch + ".vocab_size", u32(cfg.vocab_size));
  w.set(arch + ".context_length", u32(cfg.n_positions));
  w.set(arch + ".embedding_length", u32(cfg.n_embd));
  w.set(arch + ".block_count", u32(cfg.n_layer));
  w.set(arch + ".feed_forward_length", u32(cfg.mlp_dim()));
  w.set(arch + ".attention.head_count", u32(cfg.n_head));
  w.set(arch + ".attention.head_count_kv", u32(llama ? cfg.n_kv_head : cfg.n_head));
  if (llama) {
    w.set("llama.rope.freq_base", GgufValue::f32(cfg.rope_theta));
    w.set("llama.rope.dimension_count", u32(cfg.head_dim()));
    w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(cfg.norm_eps));
  } else {
    w.set("gpt2.attention.layer_norm_epsilon", GgufValue::f32(cfg.norm_eps));
  }

  // Tokenizer: the byte-level strings of tokenizer.json, every id up to the model's
  // vocabulary (ids the tokenizer lacks become unused [PAD<id>] entries, as the converter writes).
  if (int64_t(tk.vocab_size()) > cfg.vocab_size)
    throw Error("write_gguf: tokenizer " + tk.name() + " has " + std::to_string(tk.vocab_size()) +
                " ids but the model's vocabulary is " + std::to_string(cfg.vocab_size));
  nlohmann::json hf = nlohmann::json::parse(tk.to_hf_json());
  std::vector<std::string> tokens(size_t(cfg.vocab_size));
  std::vector<int32_t> types(size_t(cfg.vocab_size), kUnused);
  for (auto& [text, id] : hf["model"]["vocab"].items()) {
    tokens.at(id.get<size_t>()) = text;
    types[id.get<size_t>()] = kNormal;
  }
  for (auto& s : tk.special_tokens()) {
    tokens.at(size_t(s.id)) = s.content;
    types[size_t(s.id)] = s.special ? kControl : kUserDefined;
  }
  for (size_t id = 0; id < tokens.size(); ++id)
    if (types[id] == kUnused) tokens[id] = "[PAD" + std::to_string(id) + "]";
  std::vector<std::string> merges;
  for (auto& m : hf["model"]["merges"])
    merges.push_back(m.is_string() ? m.get<std::string>() : m[0].get<std::string>() + " " + m[1].get<std::string>());
  w.set("tokenizer.ggml.model", GgufValue::string("gpt2"));
  w.set("tokenizer.ggml.pre", GgufValue::string(pre));
  w.set("tokenizer.ggml.tokens", GgufValue::strings(tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::int32s(types));
  w.set("tokenizer.ggml.merges", GgufValue::strings(merges));
  std::optional<int64_t> eos = cfg.eos_token_id >= 0 ? std::optional<int64_t>(cfg.eos_token_id)
                                                     : (tk.eot_id() ? std::optional<int64_t>(*tk.eot_id()) : std::nullopt);
  std::optional<int64_t> bos = cfg.bos_token_id >= 0 ? std::optional<int64_t>(cfg.bos_token_id) : eos;
  if (bos) w.set("tokenizer.ggml.bos_token_id", u32(*bos));
  if (eos) w.set("tokenizer.ggml.eos_token_id", u32(*eos));
  w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(false));
  w.set("tokenizer.ggml.add_eos_token", GgufValue::boolean(false));
  if (!opt.chat_template.empty()) w.set("tokenizer.chat_template", GgufValue::string(opt.chat_template));

  // Tensors, in llama.cpp's names.
  std::map<std::string, Tensor> p;
  for (const Param& q : model.params()) p[q.name] = q.value;
  auto get = [&](const std::string& n) -> const Tensor& {
    auto it = p.find(n);
    if (it == p.end()) throw Error("write_gguf: the model has no parameter " + n);
    return it->second;
  };
  const bool tied = !p.count("lm_head.weight");
  const std::string head = tied ? "token_embd.weight" : "output.weight";
  std::vector<std::pair<std::string, GgmlType>> written;
  auto add = [&](const std::string& name, const Tensor& t) {
    Tensor c = t.contiguous();
    const std::vector<int64_t> dims = c.shape().vec();
    std::vector<int64_t> ne(dims.rbegin(), dims.rend());
    GgmlType tt = type;
    if (ne.size() == 1 || name == "position_embd.weight") tt = GgmlType::F32;
    if (type == GgmlType::Q4_0 && name == head) tt = GgmlType::Q8_0;
    if (ne[0] % quant::ggml_type_info(uint32_t(tt))->block_size != 0) tt = GgmlType::F16;
    const int64_t row = ne[0], rows = c.numel() / row, rb = quant::row_bytes(tt, row);
    std::vector<uint8_t> bytes(size_t(rb * rows));
    const float* x = c.data<float>();
    for (int64_t r = 0; r < rows; ++r) quant::quantize_row(tt, x + r * row, bytes.data() + r * rb, row);
    w.add_tensor(name, std::move(ne), tt, std::move(bytes));
    written.emplace_back(name, tt);
  };
  if (llama) {
    add("token_embd.weight", get("model.embed_tokens.weight"));
    for (int64_t l = 0; l < cfg.n_layer; ++l) {
      const std::string hf_l = "model.layers." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
      add(g + "attn_norm.weight", get(hf_l + "input_layernorm.weight"));
      add(g + "attn_q.weight", permute_rope_rows(get(hf_l + "self_attn.q_proj.weight"), cfg.n_head));
      add(g + "attn_k.weight", permute_rope_rows(get(hf_l + "self_attn.k_proj.weight"), cfg.n_kv_head));
      add(g + "attn_v.weight", get(hf_l + "self_attn.v_proj.weight"));
      add(g + "attn_output.weight", get(hf_l + "self_attn.o_proj.weight"));
      add(g + "ffn_norm.weight", get(hf_l + "post_attention_layernorm.weight"));
      add(g + "ffn_gate.weight", get(hf_l + "mlp.gate_proj.weight"));
      add(g + "ffn_up.weight", get(hf_l + "mlp.up_proj.weight"));
      add(g + "ffn_down.weight", get(hf_l + "mlp.down_proj.weight"));
    }
    add("output_norm.weight", get("model.norm.weight"));
  } else {
    add("token_embd.weight", get("transformer.wte.weight"));
    add("position_embd.weight", get("transformer.wpe.weight"));
    for (int64_t l = 0; l < cfg.n_layer; ++l) {
      const std::string hf_l = "transformer.h." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
      for (const char* s : {"weight", "bias"}) {
        add(g + "attn_norm." + s, get(hf_l + "ln_1." + s));
        add(g + "attn_qkv." + s, get(hf_l + "attn.c_attn." + s));
        add(g + "attn_output." + s, get(hf_l + "attn.c_proj." + s));
        add(g + "ffn_norm." + s, get(hf_l + "ln_2." + s));
        add(g + "ffn_up." + s, get(hf_l + "mlp.c_fc." + s));
        add(g + "ffn_down." + s, get(hf_l + "mlp.c_proj." + s));
      }
    }
    add("output_norm.weight", get("transformer.ln_f.weight"));
    add("output_norm.bias", get("transformer.ln_f.bias"));
  }
  if (!tied) add("output.weight", get("lm_head.weight"));
  w.write(path);
  return written;
}

}  // namespace lmf
