#include "models/gguf_export.h"

#include <cstdio>
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

const std::vector<std::string>& gguf_export_type_names() {
  static const std::vector<std::string> n = {"f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k_m", "q6_k"};
  return n;
}

GgufFileType gguf_export_type(const std::string& name) {
  static const std::map<std::string, GgufFileType> m = {
      {"f32", GgufFileType::F32},   {"f16", GgufFileType::F16},   {"bf16", GgufFileType::BF16},
      {"q8_0", GgufFileType::Q8_0}, {"q4_0", GgufFileType::Q4_0}, {"q5_0", GgufFileType::Q5_0},
      {"q4_k_m", GgufFileType::Q4_K_M}, {"q6_k", GgufFileType::Q6_K}};
  auto it = m.find(name);
  if (it == m.end()) {
    std::string all;
    for (auto& n : gguf_export_type_names()) all += (all.empty() ? "" : ", ") + n;
    throw Error("unknown GGUF type '" + name + "' (choose " + all + ")");
  }
  return it->second;
}

bool gguf_quantizable(const std::string& name, const std::vector<int64_t>& ne) {
  return ne.size() >= 2 && name.ends_with("weight") && name.find("_norm.weight") == std::string::npos &&
         name != "position_embd.weight";
}

GgmlType gguf_tensor_type(GgufFileType ft, const std::string& name, const std::vector<int64_t>& ne, bool tied,
                          int64_t n_layer) {
  if (!gguf_quantizable(name, ne)) return GgmlType::F32;
  GgmlType t = GgmlType::F32;
  switch (ft) {
    case GgufFileType::F32: return GgmlType::F32;
    case GgufFileType::F16: t = GgmlType::F16; break;
    case GgufFileType::BF16: t = GgmlType::BF16; break;
    case GgufFileType::Q8_0: t = GgmlType::Q8_0; break;
    case GgufFileType::Q4_0: t = GgmlType::Q4_0; break;
    case GgufFileType::Q5_0: t = GgmlType::Q5_0; break;
    case GgufFileType::Q4_K_M: t = GgmlType::Q4_K; break;
    case GgufFileType::Q6_K: t = GgmlType::Q6_K; break;
  }
  const bool quantized = t != GgmlType::F16 && t != GgmlType::BF16;
  const bool head = name == "output.weight" || (tied && name == "token_embd.weight");
  if (quantized && head) {
    t = (ne[0] % 256 != 0 || t == GgmlType::Q8_0) ? GgmlType::Q8_0 : GgmlType::Q6_K;
  } else if (ft == GgufFileType::Q4_K_M) {
    int layer = -1;
    const bool more = name.ends_with(".attn_v.weight") || name.ends_with(".attn_qkv.weight") ||
                      name.ends_with(".ffn_down.weight");
    if (more && std::sscanf(name.c_str(), "blk.%d.", &layer) == 1) {
      const int64_t i = layer, n = n_layer;
      if (i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2) t = GgmlType::Q6_K;
    }
  }
  // Rows that are not whole blocks: llama.cpp's fallbacks.
  const int64_t bs = quant::ggml_type_info(uint32_t(t))->block_size;
  if (ne[0] % bs != 0) {
    if (t == GgmlType::Q4_K) t = GgmlType::Q5_0;
    else if (t == GgmlType::Q6_K) t = GgmlType::Q8_0;
    else if (t == GgmlType::Q5_K) throw Error("gguf: tensor " + name + " would fall back to Q5_1, which lmforge does not write");
    if (ne[0] % quant::ggml_type_info(uint32_t(t))->block_size != 0) t = GgmlType::F16;
  }
  return t;
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
  io::GgufWriter w;
  w.set("general.architecture", GgufValue::string(arch));
  w.set("general.name", GgufValue::string(opt.name.empty() ? "lmforge-" + arch : opt.name));
  w.set("general.file_type", GgufValue::u32(uint32_t(opt.type)));
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
  std::vector<std::pair<std::string, GgmlType>> written;
  auto add = [&](const std::string& name, const Tensor& t) {
    Tensor c = t.contiguous();
    const std::vector<int64_t> dims = c.shape().vec();
    std::vector<int64_t> ne(dims.rbegin(), dims.rend());
    const GgmlType tt = gguf_tensor_type(opt.type, name, ne, tied, cfg.n_layer);
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

std::vector<std::pair<std::string, GgmlType>> quantize_gguf(const std::string& in, const std::string& out,
                                                            GgufFileType ft) {
  const io::GgufFile f = io::GgufFile::open(in);
  int64_t n_layer = 0;
  for (const io::GgufTensorInfo& t : f.tensors()) {
    int layer = -1;
    if (std::sscanf(t.name.c_str(), "blk.%d.", &layer) == 1) n_layer = std::max<int64_t>(n_layer, layer + 1);
  }
  const bool tied = f.find_tensor("output.weight") == nullptr;
  io::GgufWriter w;
  for (const auto& [k, v] : f.metadata()) w.set(k, v);
  w.set("general.file_type", GgufValue::u32(uint32_t(ft)));
  std::vector<std::pair<std::string, GgmlType>> written;
  for (const io::GgufTensorInfo& t : f.tensors()) {
    // What llama.cpp's quantizer does not quantize keeps its type and bytes.
    const GgmlType tt = gguf_quantizable(t.name, t.ne) ? gguf_tensor_type(ft, t.name, t.ne, tied, n_layer) : t.type;
    const uint8_t* src = f.data(t);
    std::vector<uint8_t> bytes;
    if (tt == t.type) {
      bytes.assign(src, src + t.nbytes);
    } else {
      if (!quant::can_convert(t.type))
        throw FormatError(in + ": tensor '" + t.name + "' has type " + quant::ggml_type_name(t.type) +
                          ", which lmforge cannot read yet");
      const int64_t row = t.ne[0], rows = t.numel() / row;
      const int64_t rb_in = quant::row_bytes(t.type, row), rb_out = quant::row_bytes(tt, row);
      std::vector<float> x(static_cast<size_t>(row));
      bytes.resize(size_t(rb_out * rows));
      for (int64_t r = 0; r < rows; ++r) {
        quant::dequantize_row(t.type, src + r * rb_in, x.data(), row);
        quant::quantize_row(tt, x.data(), bytes.data() + r * rb_out, row);
      }
    }
    w.add_tensor(t.name, t.ne, tt, std::move(bytes));
    written.emplace_back(t.name, tt);
  }
  w.write(out);
  return written;
}

}  // namespace lmf
