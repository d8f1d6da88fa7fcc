// Test support for alignment (DPO, PPO, the before/after report): a model that preference
// training has room to improve, and a program that judges its replies.
//
// The model is a tiny GPT-2 over bytes (vocab 257: the 256 bytes and <|endoftext|>),
// supervised-fine-tuned on sums "A+B=" → "S;" (A, B in 0..14) where, for each prompt, the
// right sum and one off-by-one sum are both in the data, the right one the more common for
// about half of the prompts. Its greedy replies are right for roughly half of the training
// prompts. Preference pairs: chosen = the right sum, rejected = that prompt's off-by-one sum.
//
// The model directory (config.json, model.safetensors, tokenizer.json) is built once and kept
// under the system's temp folder, keyed by the sources that build it (test::cached_dir), so
// every test process reuses it.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "align/preferences.h"
#include "models/transformer.h"

namespace lmf::test {

struct AlignFixture {
  std::string model_dir;
  std::vector<align::PreferencePair> train, test;  // plain form
  // 1 when the reply starts with the right sum (digits, then anything), else 0.
  std::function<double(const align::PreferencePair& prompt, const std::string& reply)> judge;
};

const AlignFixture& align_fixture();

// Share of `prompts` whose greedy reply (up to 4 bytes) the judge scores 1.
double judged_right(Transformer& model, const tok::Tokenizer& tk, const std::vector<align::PreferencePair>& prompts);

}  // namespace lmf::test
