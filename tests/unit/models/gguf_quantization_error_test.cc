// Quantization error against llama.cpp's quantizer: for a small Llama and a small GPT-2
// (width 256, so the K-quants apply), the KL divergence from the F32 model
// (eval::model_kl_divergence over Brown corpus text, the second half of each 64-token window) of each
// file type `lmforge export gguf` writes is at most 1.1 times that of the file llama.cpp's
// own quantizer (llama_model_quantize in the libllama node-llama-cpp ships) writes from the
// same F32 file; both files are run by lmforge.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/token_shard.h"
#include "eval/kl_divergence.h"
#include "finetune/export_gguf.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/llama_oracle.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tokenizer/trainer.h"

using namespace lmf;

namespace {

// The Brown corpus passages of tasks/brown_perplexity, one a line.
std::string brown_text() {
  std::string text;
  std::istringstream lines(io::read_file(test::source_path("tasks/brown_perplexity/test.jsonl")));
  for (std::string line; std::getline(lines, line);) text += nlohmann::json::parse(line).at("text").get<std::string>() + "\n";
  return text;
}

// Random weights (scaled up, so the distributions are far from uniform) and a tokenizer
// trained on `text`.
void make_model(const std::string& dir, Arch arch, const std::string& text) {
  test::write_scaled_model(dir, {.arch = arch, .layers = 3, .kv_heads = arch == Arch::Llama ? 1 : 4, .positions = 128, .seed = 31},
                           test::trained_tokenizer({text}, 400, {"<|endoftext|>"}));
}

void check(Arch arch, const std::vector<std::string>& types) {
  const std::string dir = test::temp_dir() + "/model";
  const std::string text = brown_text();
  make_model(dir, arch, text);
  // The first 16 windows of 64 tokens of the text (512 predictions scored).
  std::vector<int32_t> ids = tok::Tokenizer::load(dir + "/tokenizer.json").encode(text);
  ASSERT_GE(ids.size(), size_t(16 * 64 + 1));
  ids.resize(16 * 64 + 1);
  const std::string shard = dir + "/text.bin";
  data::write_token_shard(shard, ids);
  const std::string f32 = dir + "/f32.gguf";
  ft::export_gguf({dir, "", "f32", f32, ""});
  Transformer reference = load_model(dir);
  const char* name = arch == Arch::Llama ? "llama" : "gpt2";
  for (const std::string& type : types) {
    const std::string ours = dir + "/lmf_" + type + ".gguf", theirs = dir + "/llama_" + type + ".gguf";
    ft::export_gguf({dir, "", type, ours, ""});
    test::llama_quantize_model(type, f32, theirs);
    Transformer a = load_model(ours), b = load_model(theirs);
    const eval::KlDivergenceReport r = eval::model_kl_divergence(reference, a, dir, ours, shard, 64, 32, 4);
    const eval::KlDivergenceReport l = eval::model_kl_divergence(reference, b, dir, theirs, shard, 64, 32, 4);
    std::printf("[%s] %-6s KL from F32: lmforge %.6f ± %.6f (99%% %.5f, same top-1 %.3f), llama.cpp %.6f ± %.6f "
                "(99%% %.5f, same top-1 %.3f), ratio %.4f\n",
                name, type.c_str(), r.kl_mean, r.kl_stderr, r.kl_p99, r.top1_agreement, l.kl_mean, l.kl_stderr, l.kl_p99,
                l.top1_agreement, r.kl_mean / l.kl_mean);
    EXPECT_EQ(r.positions, 16 * 32);
    EXPECT_GT(l.kl_mean, 0.0) << name << " " << type;
    EXPECT_LE(r.kl_mean, 1.1 * l.kl_mean) << name << " " << type;
  }
}

}  // namespace

TEST(GgufQuantizationError, LlamaKlWithinLlamaCpp) { check(Arch::Llama, {"q8_0", "q4_0", "q5_0", "q4_k_m", "q6_k"}); }
TEST(GgufQuantizationError, Gpt2KlWithinLlamaCpp) { check(Arch::GPT2, {"q8_0", "q4_0", "q5_0", "q4_k_m", "q6_k"}); }
