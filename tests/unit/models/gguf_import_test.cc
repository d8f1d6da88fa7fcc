// GGUF import against llama.cpp itself (tests/reference/llama_oracle.c on node-llama-cpp's
// libllama), for a small Llama (grouped-query attention, untied head) and a small GPT-2
// (tied), widths multiples of 256, with a byte-level BPE tokenizer trained here.
//   Round trip: lmforge's F32 export read back gives the original weights bit for bit (the
//     Llama q/k permutation undone) and so the same logits; Q8_0 / Q4_0 give exactly the
//     dequantized weights.
//   llama.cpp's quantizer (llama_model_quantize) writes Q8_0 and Q4_0 (its head Q6_K): the
//     logits lmforge computes from that file match llama.cpp's on ggml's dequantization
//     of it as closely as at F32, and the greedy 64 tokens are equal; against llama.cpp on
//     the quantized file itself (which also rounds activations to 8 bits per block of 32)
//     the difference stays below the quantization error.
//   The tokenizer read from llama.cpp's file splits a mixed text as llama.cpp does, for
//     every pre-tokenizer lmforge accepts; others are refused by name.
//   `lmforge generate --model FILE.gguf` continues as llama.cpp does.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/quant/convert.h"
#include "finetune/export_gguf.h"
#include "infer/generate.h"
#include "io/atomic_file.h"
#include "io/gguf.h"
#include "models/checkpoint.h"
#include "models/gguf_import.h"
#include "support/llama_oracle.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tokenizer/trainer.h"

using namespace lmf;

namespace {

constexpr int kSteps = 64;
// As at F32 in gguf_export_test: llama.cpp's GPT-2 GELU reads an fp16 table.
float kF32Tolerance(Arch a) { return a == Arch::Llama ? 1e-4f : 3e-3f; }
const char* kPrompt = "The model reads the data and writes";
using test::kMixedText;
using test::last_logits;

tok::Tokenizer trained_tokenizer() { return test::chatml_test_tokenizer(); }

Transformer make_model(const std::string& dir, Arch arch, const tok::Tokenizer& tk) {
  return test::write_family_model(dir, arch, tk, arch == Arch::Llama ? 21 : 22, 98);
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float e = 0.f;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::fabs(a[i] - b[i]));
  return e;
}

// A copy of a GGUF file with metadata values replaced (or removed: a null value) and
// tensors left out.
void rewrite_gguf(const std::string& in, const std::string& out, const std::map<std::string, std::optional<io::GgufValue>>& kv,
                  const std::set<std::string>& drop = {}) {
  io::GgufFile f = io::GgufFile::open(in);
  io::GgufWriter w;
  for (const auto& [k, v] : f.metadata()) {
    auto it = kv.find(k);
    if (it == kv.end()) w.set(k, v);
    else if (it->second) w.set(k, *it->second);
  }
  for (const auto& [k, v] : kv)
    if (v && !f.find(k)) w.set(k, *v);
  for (const io::GgufTensorInfo& t : f.tensors()) {
    if (drop.count(t.name)) continue;
    const uint8_t* p = f.data(t);
    w.add_tensor(t.name, t.ne, t.type, std::vector<uint8_t>(p, p + t.nbytes));
  }
  w.write(out);
}

void check_family(Arch arch) {
  const char* family = arch == Arch::Llama ? "llama" : "gpt2";
  const std::string dir = test::temp_dir() + "/model";
  const tok::Tokenizer tk = trained_tokenizer();
  Transformer m = make_model(dir, arch, tk);
  const std::vector<int32_t> prompt = tk.encode(kPrompt);
  const std::vector<float> f32_logits = last_logits(m, prompt);

  // Round trip of lmforge's own files.
  const std::string f32 = dir + "/f32.gguf";
  ft::export_gguf({dir, "", "f32", f32});
  {
    Transformer back = load_model(f32);
    ASSERT_EQ(back.params().size(), m.params().size());
    for (size_t i = 0; i < m.params().size(); ++i)
      ASSERT_EQ(back.params()[i].value.to_vector(), m.params()[i].value.to_vector()) << m.params()[i].name;
    EXPECT_EQ(last_logits(back, prompt), f32_logits);
  }
  // Q8_0, Q4_0: each weight is the row-wise dequantization of its quantized rows (the
  // q/k permutation moves whole rows, so it commutes with quantizing rows).
  const std::vector<std::pair<std::string, std::string>> probes =
      arch == Arch::Llama
          ? std::vector<std::pair<std::string, std::string>>{{"model.layers.0.self_attn.q_proj.weight", "blk.0.attn_q.weight"},
                                                             {"model.layers.1.self_attn.k_proj.weight", "blk.1.attn_k.weight"},
                                                             {"model.layers.1.mlp.down_proj.weight", "blk.1.ffn_down.weight"},
                                                             {"lm_head.weight", "output.weight"}}
          : std::vector<std::pair<std::string, std::string>>{{"transformer.h.0.attn.c_attn.weight", "blk.0.attn_qkv.weight"},
                                                             {"transformer.h.1.mlp.c_proj.weight", "blk.1.ffn_down.weight"},
                                                             {"transformer.wte.weight", "token_embd.weight"}};
  for (const char* type : {"q8_0", "q4_0"}) {
    const std::string q = dir + "/lmf_" + type + ".gguf";
    ft::export_gguf({dir, "", type, q});
    Transformer back = load_model(q);
    const io::GgufFile qf = io::GgufFile::open(q);
    for (const auto& [ours, theirs] : probes) {
      const quant::GgmlType t = qf.tensor(theirs).type;
      ASSERT_NE(t, quant::GgmlType::F32);
      const Tensor orig = m.param(ours).contiguous();
      const int64_t row = orig.shape().vec().back(), rows = orig.numel() / row;
      std::vector<float> want(size_t(orig.numel()));
      std::vector<uint8_t> bytes(size_t(quant::row_bytes(t, row)));
      for (int64_t r = 0; r < rows; ++r) {
        quant::quantize_row(t, orig.data<float>() + r * row, bytes.data(), row);
        quant::dequantize_row(t, bytes.data(), want.data() + r * row, row);
      }
      EXPECT_EQ(back.param(ours).to_vector(), want) << type << " " << ours;
    }
    for (const Param& p : back.params())
      if (p.value.shape().vec().size() == 1) EXPECT_EQ(p.value.to_vector(), m.param(p.name).to_vector()) << p.name;
  }

  // Files that llama.cpp's own quantizer writes. lmforge runs them on fp32 weights that it
  // dequantizes on load: its logits must equal llama.cpp's on the same weights dequantized
  // by ggml (llama.cpp's quantizer writing the file back as F32) as closely as at F32, and
  // the greedy continuations must be the same. Against llama.cpp on the quantized file
  // itself, the difference is that of llama.cpp rounding the activations to 8 bits per
  // block of 32 in its quantized dot products: reported beside the quantization error.
  for (const char* type : {"q8_0", "q4_0"}) {
    const std::string q = dir + "/llama_" + type + ".gguf", dq = dir + "/llama_" + type + "_f32.gguf";
    test::llama_quantize_model(type, f32, q);
    test::llama_quantize_model("f32", q, dq);
    Transformer qm = load_model(q);
    const tok::Tokenizer qtk = load_tokenizer(model_tokenizer_spec(q, ""));
    EXPECT_EQ(qtk.encode(kPrompt), prompt) << type;
    const std::vector<float> ours = last_logits(qm, prompt);

    const test::LlamaRun rd = test::llama_run(dq, kPrompt, kSteps);
    ASSERT_EQ(std::vector<int32_t>(rd.tokens.begin(), rd.tokens.end()), prompt);
    ASSERT_EQ(ours.size(), rd.logits.size());
    const float err = max_abs_diff(ours, rd.logits);
    EXPECT_LE(err, kF32Tolerance(arch)) << type << ": lmforge on the file vs llama.cpp on ggml's dequantization of it";
    GenerateOptions g;
    g.max_new_tokens = kSteps;
    g.sampling.temperature = 0.f;
    EXPECT_EQ(generate(qm, prompt, g), std::vector<int32_t>(rd.continuation.begin(), rd.continuation.end())) << type;

    const test::LlamaRun rq = test::llama_run(q, kPrompt, 1);
    const float direct = max_abs_diff(ours, rq.logits), quant_err = max_abs_diff(f32_logits, rq.logits);
    std::printf("[%s %s] max |logit difference|: vs llama.cpp on ggml-dequantized weights %.3g; vs llama.cpp on the "
                "quantized file %.3g; quantization error (F32 vs llama.cpp on the file) %.3g\n",
                family, type, err, direct, quant_err);
    EXPECT_LT(direct, quant_err) << type;

    // The tokenizer read from llama.cpp's file, with each pre-tokenizer lmforge accepts.
    for (const char* pre : {"llama-bpe", "gpt-2", "gpt-4o", "default"}) {
      const std::string p = dir + "/pre.gguf";
      rewrite_gguf(q, p, {{"tokenizer.ggml.pre", io::GgufValue::string(pre)}});
      const std::vector<int32_t> mine = load_gguf_tokenizer(p).encode(kMixedText);
      const std::vector<int> theirs = test::llama_tokenize(p, kMixedText);
      EXPECT_EQ(mine, std::vector<int32_t>(theirs.begin(), theirs.end())) << type << " pre " << pre;
    }
  }

  // The command line: `lmforge generate --model FILE.gguf` continues greedily as llama.cpp
  // does on ggml's dequantization of the same file.
  const std::string q = dir + "/llama_q8_0.gguf";
  const test::LlamaRun rd = test::llama_run(dir + "/llama_q8_0_f32.gguf", kPrompt, 16);
  std::string out;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " generate --model '" + q + "' --prompt '" + kPrompt +
                                  "' --temperature 0 --max-new-tokens 16 --ids --threads 1 2>&1",
                              &out),
            0)
      << out;
  std::vector<int> ids;
  for (std::istringstream in(out); in;) {
    int v;
    if (in >> v) ids.push_back(v);
  }
  // Generation stops after the end-of-text id from the file's metadata.
  const int eos = int(io::GgufFile::open(q).get("tokenizer.ggml.eos_token_id").u);
  std::vector<int> want;
  for (int v : rd.continuation) {
    want.push_back(v);
    if (v == eos) break;
  }
  EXPECT_EQ(ids, want) << out;

  // What lmforge cannot run is refused, naming the file and what is wrong.
  const std::string bad = dir + "/bad.gguf";
  auto refused = [&](const std::string& needle) {
    try {
      load_model(bad);
      load_gguf_tokenizer(bad);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  };
  rewrite_gguf(q, bad, {{"tokenizer.ggml.pre", io::GgufValue::string("qwen2")}});
  refused("qwen2");
  rewrite_gguf(q, bad, {{"general.architecture", io::GgufValue::string("falcon")}});
  refused("falcon");
  rewrite_gguf(q, bad, {{"tokenizer.ggml.model", io::GgufValue::string("llama")}});
  refused("'llama' is not supported");
  const std::string drop = arch == Arch::Llama ? "blk.1.ffn_gate.weight" : "blk.1.attn_qkv.bias";
  rewrite_gguf(q, bad, {}, {drop});
  refused(drop);
  if (arch == Arch::Llama) {
    rewrite_gguf(q, bad, {{"llama.rope.dimension_count", io::GgufValue::u32(32)}});
    refused("llama.rope.dimension_count");
  }
}

}  // namespace

TEST(GgufImport, LlamaMatchesLlamaCpp) { check_family(Arch::Llama); }
TEST(GgufImport, Gpt2MatchesLlamaCpp) { check_family(Arch::GPT2); }
