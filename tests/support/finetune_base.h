// Test support for fine-tuning: a base model that knows the answers to the embedded
// arithmetic questions (ft::arithmetic_tasks) but not the form the instruction data asks for.
//
// The base: a tiny Llama over bytes (vocab 259: the 256 bytes, <|endoftext|> and the ChatML
// markers as special tokens) pretrained on every question of the data (train and test) as
// ChatML conversations in two forms: without a system message the reply is a sentence
// ("What is 23 + 9?" -> "32 is the answer."), after the system message kBriefCue
// ("Be brief.") it is the bare number. So the base knows the answers and the bare form, but
// without the cue it never gives the bare number the instruction data asks for. Llama's
// rotary positions matter: a tiny GPT-2 recalls its memorised answers by absolute position,
// so virtual tokens (prompt and prefix tuning) that shift the question break its recall.
//
// The model directory (config.json, model.safetensors, tokenizer.json) is built once and kept
// under the system's temp folder, keyed by its options and the sources that build it
// (test::cached_dir), so every test process reuses it.
#pragma once
#include <cstdint>
#include <string>

#include "finetune/instruction_tasks.h"
#include "infer/chat_template.h"

namespace lmf::test {

inline constexpr const char* kBriefCue = "Be brief.";  // the system message that asks for the bare form

struct FinetuneBaseOptions {
  int64_t examples = 200;  // arithmetic questions; a tenth held out
  uint64_t data_seed = 1;
  int64_t steps = 1500;    // of supervised training (batch 32)
};

struct FinetuneBase {
  ft::InstructionSplit data;
  std::string model_dir;
};

// The base for `o`, built on first use.
const FinetuneBase& finetune_base(const FinetuneBaseOptions& o = {});

// `x` as a ChatML conversation: an optional system message, the Alpaca user message, `reply`.
Conversation arithmetic_conversation(const ft::InstructionExample& x, const std::string& reply,
                                     const char* system = nullptr);

}  // namespace lmf::test
