// Prompt and prefix tuning with a KV cache: prompt tuning's virtual tokens enter the cache
// at prefill, prefix tuning's keys/values are its first P entries. Greedy generation with
// the cache (generate) gives the same ids as recomputing the whole sequence each step
// (greedy_reply, whose forward pass is checked against PyTorch in peft_test.cc), also when
// a second turn continues the cached conversation, for GPT-2 and Llama (GQA).
#include <gtest/gtest.h>

#include "finetune/peft.h"
#include "finetune/sft.h"
#include "infer/generate.h"
#include "infer/greedy.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

json gpt2_config() { return test::tiny_gpt2_config({.positions = 64}); }
json llama_config() { return test::tiny_llama_config(); }

// Weights large enough that greedy choices are clear-cut.
void randomize(Transformer& model, uint64_t seed) {
  for (Param& p : model.params()) p.value.copy_from(Tensor::randn(p.value.shape(), seed++, 0.3f));
}

using Case = std::tuple<std::string, std::string, int64_t>;  // family, method, prefix_hidden
class PeftKVCache : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(PeftKVCache, GreedyWithCacheEqualsRecompute) {
  auto [family, method, hidden] = GetParam();
  Transformer model(ModelConfig::from_json(family == "gpt2" ? gpt2_config() : llama_config(), "test config"));
  randomize(model, 3);
  ft::PeftOptions po;
  po.method = method;
  po.num_virtual_tokens = method == "prompt" ? 3 : 4;
  po.prefix_hidden = hidden;
  po.seed = 9;
  std::unique_ptr<ft::PeftMethod> m = ft::create_method(model, po);
  for (const auto& [name, t] : m->tensors()) Tensor(t).copy_from(Tensor::randn(t.shape(), 77, 0.5f));
  ft::freeze(model);
  model.set_hooks(m.get());
  EXPECT_EQ(model.reserved_positions(), po.num_virtual_tokens);

  const std::vector<int32_t> prompt = {5, 17, 2, 30, 11, 8}, second = {4, 9, 21};
  GenerateOptions go;
  go.max_new_tokens = 10;
  go.sampling.temperature = 0;
  // One call with its own cache.
  EXPECT_EQ(generate(model, prompt, go), greedy_reply(model, prompt, 10, {}));

  // A conversation: the second turn runs only its new tokens against the cache.
  KVCache cache = model.make_cache(1, 48);
  std::vector<int32_t> history;
  std::vector<int32_t> first = generate(model, prompt, go, nullptr, &cache, &history);
  EXPECT_EQ(cache.reserved, po.num_virtual_tokens);
  EXPECT_EQ(cache.tokens() + 1, int64_t(history.size()));  // the last sampled token is not yet run
  std::vector<int32_t> full = history;
  full.insert(full.end(), second.begin(), second.end());
  std::vector<int32_t> next = generate(model, second, go, nullptr, &cache, &history);
  EXPECT_EQ(next, greedy_reply(model, full, 10, {}));
  cache.clear();
  EXPECT_EQ(cache.reserved, 0);
}

INSTANTIATE_TEST_SUITE_P(Methods, PeftKVCache,
                         ::testing::Values(Case{"gpt2", "prompt", 0}, Case{"gpt2", "prefix", 0},
                                           Case{"gpt2", "prefix", 5}, Case{"llama", "prompt", 0},
                                           Case{"llama", "prefix", 0}, Case{"llama", "prefix", 5}),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                                  (std::get<2>(info.param) ? "_mlp" : "");
                         });
