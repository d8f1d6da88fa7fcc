#include "support/scaled_model.h"

#include <algorithm>
#include <filesystem>

#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "tokenizer/trainer.h"

namespace lmf::test {

Transformer write_scaled_model(const std::string& dir, const ScaledModelSpec& s, const tok::Tokenizer& tk) {
  ModelConfig c;
  c.arch = s.arch;
  c.vocab_size = s.vocab;
  c.n_embd = s.width;
  c.n_layer = s.layers;
  c.n_head = s.heads;
  c.n_kv_head = s.kv_heads;
  c.n_inner = s.inner;
  c.n_positions = s.positions;
  if (s.norm_eps > 0) c.norm_eps = s.norm_eps;
  c.tie_word_embeddings = s.arch == Arch::GPT2;
  Transformer m(c);
  m.init_weights(s.seed);
  for (Param& p : m.params())
    if (p.value.shape().vec().size() == 2) {
      float* x = p.value.data<float>();
      for (int64_t i = 0; i < p.value.numel(); ++i) x[i] *= s.scale;
    } else if (s.bias_seed >= 0 && p.name.find("bias") != std::string::npos) {
      Tensor r = Tensor::randn(p.value.shape(), uint64_t(s.bias_seed), 0.1f);
      std::copy_n(r.data<float>(), r.numel(), p.value.data<float>());
    }
  std::filesystem::create_directories(dir);
  save_model(m, dir);
  tk.save_json(dir + "/tokenizer.json");
  return m;
}

tok::Tokenizer trained_tokenizer(const std::vector<std::string>& texts, int64_t vocab,
                                 const std::vector<std::string>& specials) {
  tok::TrainerOptions o;
  o.vocab_size = size_t(vocab);
  o.special_tokens = specials;
  o.threads = 1;
  return tok::train_bpe_texts(texts, o);
}

const char* const kMixedText =
    "def f(x):\n    return x**2  # 12345 + 6789.0\n\n\t\tif (a[i] != b) { y = \"ok\"; }\n"
    "Ça va? 日本語のテキスト, emoji 🙂 and   three   spaces.\n\n\n  trailing  \r\n  it's WE'RE 2024-05-17";

tok::Tokenizer chatml_test_tokenizer() {
  return trained_tokenizer({io::read_file(source_path("tests/support/tokenizer_training_text.md")), kMixedText}, 500,
                           {"<|endoftext|>", "<|im_start|>", "<|im_end|>"});
}

Transformer write_family_model(const std::string& dir, Arch arch, const tok::Tokenizer& tk, uint64_t seed,
                               int64_t bias_seed) {
  const bool llama = arch == Arch::Llama;
  return write_scaled_model(dir, {.arch = arch, .kv_heads = llama ? 2 : 4, .norm_eps = llama ? 1e-6f : 1e-5f, .seed = seed,
                                  .bias_seed = bias_seed}, tk);
}

std::vector<float> last_logits(Transformer& m, const std::vector<int32_t>& ids) {
  std::vector<float> all = m.forward(Tensor::from_ints(ids, {1, int64_t(ids.size())})).to_vector();
  const size_t V = size_t(m.config().vocab_size);
  return std::vector<float>(all.end() - V, all.end());
}

}  // namespace lmf::test
