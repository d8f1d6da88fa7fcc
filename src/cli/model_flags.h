// Flags shared by the commands that run a model: sampling options and thread count, and
// finding the tokenizer that belongs to a model directory.
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "finetune/peft.h"
#include "infer/sampler.h"

namespace lmf::cli {

inline void add_sampling_flags(CLI::App& app, SamplingOptions& s) {
  app.add_option("--temperature", s.temperature, "sampling temperature; 0 = greedy")->capture_default_str();
  app.add_option("--top-k", s.top_k, "keep the k most likely tokens (0 = off)")->capture_default_str();
  app.add_option("--top-p", s.top_p, "nucleus sampling mass (1 = off)")->capture_default_str();
  app.add_option("--min-p", s.min_p, "drop tokens below min-p x the top probability (0 = off)")->capture_default_str();
  app.add_option("--repetition-penalty", s.repetition_penalty, "CTRL repetition penalty (1 = off)")->capture_default_str();
  app.add_option("--seed", s.seed, "random seed")->capture_default_str();
}

// The tokenizer for a model: --tokenizer SPEC when given, else DIR/tokenizer.json.
inline std::string tokenizer_spec_for(const std::string& model_dir, const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string p = model_dir + "/tokenizer.json";
  if (!std::filesystem::exists(p))
    throw Error(model_dir + " has no tokenizer.json; pass --tokenizer SPEC (a tokenizer.json, a directory or tiktoken:NAME)");
  return p;
}

// Loads the PEFT adapter in `dir` and hooks it into `model`; null (and no hooks) when dir
// is empty. The returned adapter must outlive the model's use of it.
inline std::unique_ptr<ft::PeftMethod> attach_adapter(Transformer& model, const std::string& dir) {
  if (dir.empty()) return nullptr;
  std::unique_ptr<ft::PeftMethod> adapter = ft::load_adapter(model, dir);
  model.set_hooks(adapter.get());
  return adapter;
}

}  // namespace lmf::cli
