// GGUF file types against llama.cpp's own quantizer (llama_model_quantize in the libllama
// that node-llama-cpp ships): for a small Llama and a small GPT-2 (width 256) and a Llama
// whose width (320) is not a multiple of 256, each file type lmforge writes — by
// `export gguf --type` and by `quantize` from the F32 file — has the tensors, types and
// bytes of the file llama.cpp's quantizer writes from the same F32 file (Q4_K_M's mix and
// the fallbacks for rows that are not whole 256-blocks included). lmforge runs the Q4_K_M
// file as llama.cpp runs ggml's dequantization of it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "finetune/export_gguf.h"
#include "io/atomic_file.h"
#include "io/gguf.h"
#include "models/checkpoint.h"
#include "models/gguf_export.h"
#include "support/llama_oracle.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tokenizer/trainer.h"

using namespace lmf;

namespace {

const char* kPrompt = "The model reads the data and writes";

void make_model(const std::string& dir, Arch arch, int64_t width) {
  test::write_scaled_model(dir, {.arch = arch, .width = width, .layers = 3, .heads = width / 64,
                                 .kv_heads = arch == Arch::Llama ? 1 : width / 64, .positions = 128, .seed = 31},
                           test::trained_tokenizer({io::read_file(test::source_path("tests/support/tokenizer_training_text.md"))}, 400, {"<|endoftext|>"}));
}

// Every tensor of `ours` has the name, type, shape and bytes of the same tensor in `theirs`.
void expect_same_tensors(const std::string& ours, const std::string& theirs, const std::string& what) {
  const io::GgufFile a = io::GgufFile::open(ours), b = io::GgufFile::open(theirs);
  ASSERT_EQ(a.tensors().size(), b.tensors().size()) << what;
  EXPECT_EQ(a.get("general.file_type").as_int("a"), b.get("general.file_type").as_int("b")) << what;
  for (const io::GgufTensorInfo& t : b.tensors()) {
    const io::GgufTensorInfo* u = a.find_tensor(t.name);
    ASSERT_NE(u, nullptr) << what << " " << t.name;
    EXPECT_EQ(quant::ggml_type_name(u->type), quant::ggml_type_name(t.type)) << what << " " << t.name;
    EXPECT_EQ(u->ne, t.ne) << what << " " << t.name;
    if (u->type == t.type && u->nbytes == t.nbytes)
      EXPECT_EQ(std::memcmp(a.data(*u), b.data(t), t.nbytes), 0) << what << " " << t.name << ": bytes differ";
  }
}

void check(Arch arch, int64_t width, const std::vector<std::string>& types) {
  const std::string dir = test::temp_dir() + "/model";
  make_model(dir, arch, width);
  const std::string f32 = dir + "/f32.gguf";
  ft::export_gguf({dir, "", "f32", f32});
  for (const std::string& type : types) {
    const std::string theirs = dir + "/llama_" + type + ".gguf", ours = dir + "/lmf_" + type + ".gguf",
                      requant = dir + "/lmf_q_" + type + ".gguf";
    test::llama_quantize_model(type, f32, theirs);
    ft::export_gguf({dir, "", type, ours});
    expect_same_tensors(ours, theirs, "export " + type);
    quantize_gguf(f32, requant, gguf_export_type(type));
    expect_same_tensors(requant, theirs, "quantize " + type);
  }
  // lmforge runs llama.cpp's Q4_K_M file as llama.cpp runs ggml's dequantization of it.
  const std::string q = dir + "/llama_q4_k_m.gguf", dq = dir + "/llama_q4_k_m_f32.gguf";
  test::llama_quantize_model("f32", q, dq);
  Transformer m = load_model(q);
  const tok::Tokenizer tk = load_tokenizer(model_tokenizer_spec(q, ""));
  const std::vector<int32_t> ids = tk.encode(kPrompt);
  std::vector<float> all = m.forward(Tensor::from_ints(ids, {1, int64_t(ids.size())})).to_vector();
  const test::LlamaRun r = test::llama_run(dq, kPrompt, 1);
  ASSERT_EQ(r.tokens, std::vector<int>(ids.begin(), ids.end()));
  float err = 0.f;
  for (size_t i = 0; i < r.logits.size(); ++i) err = std::max(err, std::fabs(all[all.size() - r.logits.size() + i] - r.logits[i]));
  std::printf("[%s width %lld] Q4_K_M: max |logit - llama.cpp on ggml's dequantization| %.3g\n",
              arch == Arch::Llama ? "llama" : "gpt2", (long long)width, err);
  EXPECT_LE(err, arch == Arch::Llama ? 1e-4f : 3e-3f);
}

}  // namespace

TEST(GgufQuantize, LlamaTypesEqualLlamaCpp) { check(Arch::Llama, 256, {"q8_0", "q4_0", "q5_0", "q4_k_m", "q6_k"}); }
TEST(GgufQuantize, Gpt2TypesEqualLlamaCpp) { check(Arch::GPT2, 256, {"q4_0", "q4_k_m", "q6_k"}); }
TEST(GgufQuantize, RowsNotWhole256BlocksFallBackAsLlamaCpp) { check(Arch::Llama, 320, {"q4_k_m", "q6_k"}); }
