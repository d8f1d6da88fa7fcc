#include "support/scaled_model.h"

#include <algorithm>
#include <filesystem>

#include "models/checkpoint.h"
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

}  // namespace lmf::test
