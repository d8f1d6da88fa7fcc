// GGUF export against llama.cpp itself (tests/reference/llama_oracle.c on node-llama-cpp's
// libllama): a small Llama (grouped-query attention, untied head) and a small GPT-2 (tied),
// widths multiples of 256, with a byte-level BPE tokenizer trained here.
//   F32: llama.cpp's prompt ids equal ours, its last-position logits match ours to 1e-4
//        (GPT-2: 3e-3, llama.cpp's GELU uses an fp16 table) and
//        its greedy 64 tokens equal lmforge's `generate`.
//   F16: the greedy continuations agree up to the first step where llama.cpp's top two
//        logits are within kNearTie of each other.
//   Q8_0, Q4_0 (head Q6_K): llama.cpp loads the file and its logits follow ours (correlation).
//   A mixed text (code, Unicode, digits, whitespace runs) gets the same ids from both.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "finetune/export_gguf.h"
#include "infer/generate.h"
#include "io/atomic_file.h"
#include "io/gguf.h"
#include "models/checkpoint.h"
#include "support/llama_oracle.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tokenizer/trainer.h"

using namespace lmf;

namespace {

constexpr float kNearTie = 0.02f;
constexpr int kSteps = 64;

const char* kPrompt = "The model reads the data and writes";
using test::kMixedText;
using test::last_logits;

tok::Tokenizer trained_tokenizer() { return test::chatml_test_tokenizer(); }

Transformer make_model(const std::string& dir, Arch arch, const tok::Tokenizer& tk) {
  return test::write_family_model(dir, arch, tk, arch == Arch::Llama ? 11 : 12, 99);
}

std::vector<int32_t> greedy(Transformer& m, const std::vector<int32_t>& prompt) {
  GenerateOptions g;
  g.max_new_tokens = kSteps;
  g.sampling.temperature = 0.f;
  return generate(m, prompt, g);
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= double(a.size());
  mb /= double(b.size());
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

void check_family(Arch arch) {
  const std::string dir = test::temp_dir() + "/model";
  tok::Tokenizer tk = trained_tokenizer();
  Transformer m = make_model(dir, arch, tk);
  const std::vector<int32_t> prompt = tk.encode(kPrompt);
  const std::vector<float> ours = last_logits(m, prompt);
  const std::vector<int32_t> ours_greedy = greedy(m, prompt);

  // F32
  const std::string f32 = dir + "/f32.gguf";
  ft::export_gguf({dir, "", "f32", f32});
  test::LlamaRun r = test::llama_run(f32, kPrompt, kSteps);
  EXPECT_EQ(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()), prompt);
  ASSERT_EQ(r.logits.size(), ours.size());
  float err = 0.f;
  for (size_t i = 0; i < ours.size(); ++i) err = std::max(err, std::fabs(r.logits[i] - ours[i]));
  // GPT-2: llama.cpp's CPU GELU reads an fp16 lookup table (GGML_GELU_FP16), whose rounding
  // of the MLP activations moves logits by about 1e-3; Llama's SiLU is computed in fp32.
  const float tol = arch == Arch::Llama ? 1e-4f : 3e-3f;
  EXPECT_LE(err, tol) << "max |logit difference| vs llama.cpp at F32";
  std::printf("[%s] F32 max logit error vs llama.cpp: %.3g\n", arch == Arch::Llama ? "llama" : "gpt2", err);
  EXPECT_EQ(std::vector<int32_t>(r.continuation.begin(), r.continuation.end()), ours_greedy);
  const std::vector<int32_t> mixed = tk.encode(kMixedText);
  const std::vector<int> theirs = test::llama_tokenize(f32, kMixedText);
  EXPECT_EQ(std::vector<int32_t>(theirs.begin(), theirs.end()), mixed);
  for (size_t i = 0; i < std::min(theirs.size(), mixed.size()); ++i)
    if (theirs[i] != mixed[i]) {
      ADD_FAILURE() << "first difference at " << i << ": llama.cpp " << theirs[i] << " '" << tk.decode({&mixed[0], 0})
                    << "' ours " << mixed[i] << " after '" << tk.decode(std::vector<int32_t>(mixed.begin(), mixed.begin() + long(i))) << "'";
      break;
    }

  // F16: agree until llama.cpp's choice is a near tie.
  const std::string f16 = dir + "/f16.gguf";
  ft::export_gguf({dir, "", "f16", f16});
  test::LlamaRun h = test::llama_run(f16, kPrompt, kSteps);
  int agreed = 0;
  for (; agreed < kSteps && h.continuation[agreed] == ours_greedy[size_t(agreed)]; ++agreed) {
  }
  if (agreed < kSteps) {
    EXPECT_LT(h.margins[agreed], kNearTie) << "F16 continuation differs at step " << agreed << " without a near tie";
  }
  std::printf("F16: %d of %d greedy tokens agree\n", agreed, kSteps);

  // Quantized: loaded, finite, and following the F32 logits.
  for (auto [type, min_corr] : {std::pair<const char*, double>{"q8_0", 0.99}, {"q4_0", 0.8}}) {
    const std::string q = dir + "/" + type + ".gguf";
    auto written = ft::export_gguf({dir, "", type, q});
    test::LlamaRun qr = test::llama_run(q, kPrompt, 4);
    for (float v : qr.logits) ASSERT_TRUE(std::isfinite(v)) << type;
    double corr = correlation(qr.logits, ours);
    std::printf("%s: logit correlation with F32 %.5f\n", type, corr);
    EXPECT_GT(corr, min_corr) << type;
  }
}

}  // namespace

TEST(GgufExport, LlamaMatchesLlamaCpp) { check_family(Arch::Llama); }
TEST(GgufExport, Gpt2MatchesLlamaCpp) { check_family(Arch::GPT2); }

TEST(GgufExport, MetadataTypesAndRefusals) {
  const std::string dir = test::temp_dir() + "/model";
  tok::Tokenizer tk = trained_tokenizer();
  make_model(dir, Arch::Llama, tk);
  auto written = ft::export_gguf({dir, "", "q4_0", dir + "/q.gguf"});
  auto f = io::GgufFile::open(dir + "/q.gguf");
  EXPECT_EQ(f.get("general.architecture").s, "llama");
  EXPECT_EQ(f.get("llama.attention.head_count_kv").u, 2u);
  EXPECT_EQ(f.get("llama.rope.dimension_count").u, 64u);
  EXPECT_EQ(f.get("tokenizer.ggml.pre").s, "llama-bpe");
  EXPECT_EQ(f.get("tokenizer.ggml.add_bos_token").u, 0u);
  EXPECT_EQ(f.get("tokenizer.ggml.tokens").items.size(), 512u);
  EXPECT_EQ(f.get("tokenizer.ggml.tokens").items[511].s, "[PAD511]");
  EXPECT_EQ(f.get("tokenizer.ggml.token_type").items[*tk.token_id("<|im_end|>")].i, 3);
  EXPECT_NE(f.get("tokenizer.chat_template").s.find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(f.tensor("blk.0.attn_norm.weight").type, quant::GgmlType::F32);
  EXPECT_EQ(f.tensor("blk.1.ffn_down.weight").type, quant::GgmlType::Q4_0);
  EXPECT_EQ(f.tensor("output.weight").type, quant::GgmlType::Q6_K);

  EXPECT_THROW(ft::export_gguf({dir, "", "q4_k", dir + "/x.gguf"}), Error);
  std::filesystem::create_directories(dir + "/adapter");
  io::write_text_atomic(dir + "/adapter/adapter_config.json", R"({"peft_type": "PREFIX_TUNING"})");
  try {
    ft::export_gguf({dir, dir + "/adapter", "f32", dir + "/x.gguf"});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("PREFIX_TUNING"), std::string::npos) << e.what();
  }
  tok::TrainerOptions o;
  o.vocab_size = 300;
  o.pattern = "\\S+|\\s+";
  tok::train_bpe_texts({io::read_file(test::source_path("tests/support/tokenizer_training_text.md"))}, o).save_json(dir + "/tokenizer.json");
  try {
    ft::export_gguf({dir, "", "f32", dir + "/x.gguf"});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\\S+|\\s+"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.gguf"));
}

// A checkpoint without tokenizer.json takes its tokenizer from --tokenizer: GPT-2's
// tiktoken encoding goes into the file as the `gpt-2` pre-tokenizer, and llama.cpp reading
// the file splits a mixed text into the ids tiktoken:gpt2 gives here (tiktoken parity:
// tests/unit/tokenizer).
TEST(GgufExport, TokenizerFlagForACheckpointWithoutOne) {
  const std::string dir = test::temp_dir() + "/bare";
  ModelConfig c;
  c.arch = Arch::GPT2;
  c.vocab_size = 50257;
  c.n_embd = 64;
  c.n_layer = 1;
  c.n_head = 2;
  c.n_kv_head = 2;
  c.n_inner = 256;
  c.n_positions = 128;
  c.tie_word_embeddings = true;
  Transformer m(c);
  m.init_weights(3);
  std::filesystem::create_directories(dir);
  save_model(m, dir);
  const std::string out = dir + "/m.gguf", cmd = std::string(LMFORGE_BINARY) + " export gguf --model '" + dir + "' --out '" + out + "'";
  std::string log;
  EXPECT_EQ(test::run_command(cmd + " 2>&1", &log), 1);
  EXPECT_NE(log.find("--tokenizer"), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(out));
  ASSERT_EQ(test::run_command(cmd + " --tokenizer tiktoken:gpt2 2>&1", &log), 0) << log;
  auto f = io::GgufFile::open(out);
  EXPECT_EQ(f.get("tokenizer.ggml.pre").s, "gpt-2");
  EXPECT_EQ(f.get("tokenizer.ggml.tokens").items.size(), 50257u);
  const std::vector<int32_t> ours = tok::Tokenizer::load("tiktoken:gpt2").encode(kMixedText);
  const std::vector<int> theirs = test::llama_tokenize(out, kMixedText);
  EXPECT_EQ(std::vector<int32_t>(theirs.begin(), theirs.end()), ours);
}
