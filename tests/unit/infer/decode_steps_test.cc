// Batched decoding changes nothing: a row's logits from one decode step over many sequences
// (each at its own position, with its own cache) are bit-for-bit the logits of that
// sequence decoded alone, for GPT-2 and Llama (GQA), with and without a LoRA adapter, for
// every batch size up to the limit. And a cache cut back to the reusable prefix continues
// exactly as a fresh prefill of the whole prompt does.
#include <gtest/gtest.h>

#include <cstring>

#include "finetune/peft.h"
#include "infer/decode_steps.h"
#include "support/tiny_models.h"

using namespace lmf;

namespace {

void randomize(Transformer& model, uint64_t seed) {
  for (Param& p : model.params()) p.value.copy_from(Tensor::randn(p.value.shape(), seed++, 0.3f));
}

// Prompt b: length 3 + 7b % 23 (several chunk positions), ids from a simple walk.
std::vector<TokenId> prompt_for(int64_t b, int64_t vocab) {
  std::vector<TokenId> p;
  for (int64_t i = 0; i < 3 + (7 * b) % 23; ++i) p.push_back(TokenId((b * 31 + i * 7 + 1) % vocab));
  return p;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  Tensor x = a.contiguous(), y = b.contiguous();
  return x.numel() == y.numel() && std::memcmp(x.f32(), y.f32(), sizeof(float) * size_t(x.numel())) == 0;
}

class DecodeSteps : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

}  // namespace

TEST_P(DecodeSteps, RowsDoNotDependOnTheBatch) {
  auto [family, lora] = GetParam();
  Transformer model(ModelConfig::from_json(
      family == "gpt2" ? test::tiny_gpt2_config({.positions = 64}) : test::tiny_llama_config(), "test config"));
  randomize(model, 5);
  std::unique_ptr<ft::PeftMethod> m;
  if (lora) {
    ft::PeftOptions po;
    po.method = "lora";
    po.rank = 4;
    m = ft::create_method(model, po);
    for (const auto& [name, t] : m->tensors()) Tensor(t).copy_from(Tensor::randn(t.shape(), 13, 0.2f));
    model.set_hooks(m.get());
  }
  const int64_t V = model.config().vocab_size, rows = decode_max_rows();
  // Alone: each sequence prefilled, then three decode steps of one row.
  std::vector<std::vector<Tensor>> alone(static_cast<size_t>(rows));
  for (int64_t b = 0; b < rows; ++b) {
    KVCache c = model.make_cache(1, 64);
    prefill(model, prompt_for(b, V), c);
    for (int step = 0; step < 3; ++step) {
      const TokenId id = TokenId((b + step * 5) % V);
      alone[size_t(b)].push_back(decode(model, std::span<const TokenId>(&id, 1), {&c}).clone());
    }
  }
  // Together, for batch sizes 2, 5 and the limit.
  for (int64_t B : {int64_t(2), int64_t(5), rows}) {
    std::vector<KVCache> caches;
    for (int64_t b = 0; b < B; ++b) caches.push_back(model.make_cache(1, 64));
    std::vector<KVCache*> ptrs;
    for (int64_t b = 0; b < B; ++b) {
      prefill(model, prompt_for(b, V), caches[size_t(b)]);
      ptrs.push_back(&caches[size_t(b)]);
    }
    for (int step = 0; step < 3; ++step) {
      std::vector<TokenId> ids;
      for (int64_t b = 0; b < B; ++b) ids.push_back(TokenId((b + step * 5) % V));
      Tensor logits = decode(model, ids, ptrs);  // (B, V)
      for (int64_t b = 0; b < B; ++b)
        EXPECT_TRUE(same_bits(logits.slice(0, b, b + 1), alone[size_t(b)][size_t(step)]))
            << family << " batch " << B << " row " << b << " step " << step;
    }
  }
}

TEST_P(DecodeSteps, ReusedPrefixContinuesAsAFreshPrefill) {
  auto [family, lora] = GetParam();
  Transformer model(ModelConfig::from_json(
      family == "gpt2" ? test::tiny_gpt2_config({.positions = 256}) : test::tiny_llama_config({.positions = 256}),
      "test config"));
  randomize(model, 9);
  const int64_t V = model.config().vocab_size;
  std::vector<TokenId> first, second;
  for (int i = 0; i < 150; ++i) first.push_back(TokenId((i * 13 + 2) % V));
  second.assign(first.begin(), first.begin() + 140);  // shares 140 ids, then differs
  for (int i = 0; i < 30; ++i) second.push_back(TokenId((i * 3 + 1) % V));

  KVCache fresh = model.make_cache(1, 256);
  Tensor want = prefill(model, second, fresh);

  KVCache reused = model.make_cache(1, 256);
  prefill(model, first, reused);
  const TokenId extra = 4;  // a decoded token after the first prompt
  decode(model, std::span<const TokenId>(&extra, 1), {&reused});
  std::vector<TokenId> cached = first;
  cached.push_back(extra);
  const int64_t keep = reusable_prefix(cached, int64_t(first.size()), second, reused);
  EXPECT_EQ(keep, 128);  // the common 140 ids, cut back to a chunk boundary
  reused.len = keep;
  Tensor got = prefill(model, std::span<const TokenId>(second).subspan(size_t(keep)), reused);
  EXPECT_TRUE(same_bits(got, want));
}

INSTANTIATE_TEST_SUITE_P(Models, DecodeSteps,
                         ::testing::Values(std::tuple{std::string("gpt2"), false}, std::tuple{std::string("gpt2"), true},
                                           std::tuple{std::string("llama"), false}, std::tuple{std::string("llama"), true}),
                         [](const auto& info) { return std::get<0>(info.param) + (std::get<1>(info.param) ? "_lora" : ""); });
