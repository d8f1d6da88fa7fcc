#include "support/align_fixture.h"

#include <cstdlib>
#include <mutex>
#include <random>

#include "finetune/sft.h"
#include "infer/greedy.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"

namespace lmf::test {
namespace {

constexpr int kMax = 15;  // operands 0 .. kMax-1

int off_by_one(int a, int b) { return (a * 7 + b * 3) % 2 ? a + b + 1 : (a + b == 0 ? 1 : a + b - 1); }

align::PreferencePair pair_of(int a, int b) {
  align::PreferencePair p;
  p.prompt = std::to_string(a) + "+" + std::to_string(b) + "=";
  p.chosen = std::to_string(a + b) + ";";
  p.rejected = std::to_string(off_by_one(a, b)) + ";";
  return p;
}

void build_model(const std::string& dir, const std::vector<align::PreferencePair>& train) {
  tok::Tokenizer tk = byte_tokenizer(false);
  ModelConfig cfg = ModelConfig::preset("tiny-gpt2");
  cfg.vocab_size = 257;
  cfg.n_positions = 32;
  cfg.n_embd = 64;
  cfg.n_layer = 2;
  cfg.n_head = 4;
  Transformer model(cfg);
  model.init_weights(7);
  // Each prompt appears 4 times: 3 right and 1 off-by-one answer for "right-leaning"
  // prompts, 1 right and 3 off-by-one for the others.
  std::vector<EncodedChat> data;
  std::mt19937_64 rng(11);
  for (const align::PreferencePair& p : train) {
    const bool leans_right = rng() % 2 == 0;
    for (int k = 0; k < 4; ++k) {
      const bool right = leans_right ? k < 3 : k == 0;
      EncodedChat e;
      tk.encode_append(p.prompt, false, e.ids), e.trained.resize(e.ids.size(), 0);
      tk.encode_append(right ? p.chosen : p.rejected, false, e.ids), e.trained.resize(e.ids.size(), 1);
      data.push_back(std::move(e));
    }
  }
  ft::train_sft(model, nullptr, data, {.batch = 32, .max_len = 16, .steps = 600, .lr = 3e-3, .quiet = true});
  save_model(model, dir);
  tk.save_json(dir + "/tokenizer.json");
}

}  // namespace

double judged_right(Transformer& model, const tok::Tokenizer& tk, const std::vector<align::PreferencePair>& prompts) {
  const AlignFixture& f = align_fixture();
  double sum = 0;
  for (const align::PreferencePair& p : prompts) {
    std::vector<int32_t> prompt;
    tk.encode_append(p.prompt, false, prompt);
    std::vector<int32_t> reply = greedy_reply(model, prompt, 4, {});
    sum += f.judge(p, tk.decode_bytes(std::vector<TokenId>(reply.begin(), reply.end())));
  }
  return prompts.empty() ? 0 : sum / double(prompts.size());
}

const AlignFixture& align_fixture() {
  static std::once_flag once;
  static AlignFixture f;
  std::call_once(once, [] {
    std::mt19937_64 rng(5);
    for (int a = 0; a < kMax; ++a)
      for (int b = 0; b < kMax; ++b) (rng() % 10 == 0 ? f.test : f.train).push_back(pair_of(a, b));
    f.judge = [](const align::PreferencePair& p, const std::string& reply) {
      const size_t plus = p.prompt.find('+');
      const int want = std::atoi(p.prompt.c_str()) + std::atoi(p.prompt.c_str() + plus + 1);
      size_t n = 0;
      while (n < reply.size() && std::isdigit(static_cast<unsigned char>(reply[n]))) ++n;
      return n > 0 && reply.compare(0, n, std::to_string(want)) == 0 ? 1.0 : 0.0;
    };
    f.model_dir = cached_dir("lmforge-align-fixture", nlohmann::json::object(), "model.safetensors",
                             [&](const std::string& tmp) { build_model(tmp, f.train); });
  });
  return f;
}

}  // namespace lmf::test
