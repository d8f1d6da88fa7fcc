// Greedy generate_until (eval/generate_until.h) against lm-evaluation-harness's
// HFLM.generate_until written in Python over the float64 PyTorch reference model
// (tests/reference/harness_generate.py): the same text for prompts short and too long
// (left truncation to L - max_gen_toks), cut at the stop strings; and the error for a
// max_gen_toks that leaves no room.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/generate_until.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

constexpr const char* kCorpus =
    "The cat sat on the mat. The dog sat on the log. A bird sang in the tree.\n"
    "Question: what is 2 + 3? Answer: 5\nQuestion: what is 7 + 1? Answer: 8\n";

json reference(const json& spec) {
  const std::string path = test::temp_dir() + "/gen.json";
  std::ofstream(path) << spec.dump();
  std::string out;
  EXPECT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/harness_generate.py") + " " + path, &out), 0) << out;
  return json::parse(out);
}

}  // namespace

TEST(GenerateUntil, EqualsTheHarnessOnTheReferenceModel) {
  tok::TrainerOptions o;
  o.vocab_size = 300;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.min_frequency = 1;
  o.threads = 1;
  const tok::Tokenizer tk = tok::train_bpe_texts({kCorpus, kCorpus}, o);
  const int64_t V = int64_t(tk.vocab_size());
  const std::string dir = test::temp_dir() + "/model";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir}, {"config", test::tiny_llama_config({.vocab = V, .positions = 48})}, {"seed", 9}});
  Transformer model = load_model(dir);

  const int64_t max_gen = 16;
  std::vector<std::vector<TokenId>> prompts = {tk.encode("Question: what is 2 + 3? Answer:"), tk.encode("The cat"),
                                               tk.encode(std::string(kCorpus) + "Question: what is 4 + 4? Answer:")};
  ASSERT_GT(int64_t(prompts[2].size()), 48 - max_gen) << "one prompt must be left-truncated";
  json spec = {{"dir", dir}, {"max_length", 48}, {"max_gen_toks", max_gen}, {"eos", *tk.eot_id()}, {"special", {*tk.eot_id()}},
               {"prompts", json::array()}, {"until", json::array()}, {"vocab", json::array()}};
  for (const auto& p : prompts) spec["prompts"].push_back(std::vector<int64_t>(p.begin(), p.end()));
  for (int64_t id = 0; id < V; ++id) {
    std::string hex;
    for (unsigned char c : tk.token_bytes(TokenId(id))) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", c);
      hex += b;
    }
    spec["vocab"].push_back(hex);
  }
  // Without stop strings, then with one taken from the middle of a generated text (so it cuts).
  const json full = reference(spec);
  for (size_t i = 0; i < prompts.size(); ++i)
    EXPECT_EQ(eval::generate_until(model, tk, prompts[i], {}, max_gen), full["texts"][i].get<std::string>()) << "prompt " << i;
  std::string longest;
  for (const auto& t : full["texts"])
    if (t.get<std::string>().size() > longest.size()) longest = t;
  ASSERT_GE(longest.size(), 6u);
  const std::string stop = longest.substr(longest.size() / 2, 2);
  spec["until"] = {stop, "\n"};
  const json cut = reference(spec);
  int64_t shorter = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(eval::generate_until(model, tk, prompts[i], {stop, "\n"}, max_gen), cut["texts"][i].get<std::string>()) << "prompt " << i;
    shorter += cut["texts"][i].get<std::string>().size() < full["texts"][i].get<std::string>().size();
  }
  EXPECT_GE(shorter, 1) << "the stop string must cut some text";

  EXPECT_THROW(eval::generate_until(model, tk, prompts[0], {}, 48), Error);
}
