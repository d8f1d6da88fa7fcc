// The methods of `lmforge align` (DPO, PPO). Each file src/cli/align_<method>.cc registers
// one with a static AlignMethod: its own flags (in an option group named after it) and the
// run that trains and writes OUT. src/cli/align.cc parses the flags every method shares,
// runs the chosen method, then compares the starting and the aligned model on held-out
// prompts (align/report.h) and prints the method's summary with the report as JSON.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "finetune/peft.h"

namespace lmf::cli {

struct AlignShared {
  std::string model_dir, out_dir, tokenizer_spec;  // tokenizer_spec resolved (never empty) before run
  int64_t steps = 100, batch = 8;
  double lr = 0;  // 0: the method's default
  uint64_t seed = 1337;
  std::string reward_dir;  // a reward model (align/reward_model.h): PPO's reward, the report's reward column
  ft::PeftOptions peft;    // peft.method: "full" (every weight) or "lora" (--lora)
  bool quiet = false;
};

struct AlignMethodInfo {
  std::string name, help;
  std::function<void(CLI::Option_group&)> add_flags;
  std::function<nlohmann::json(const AlignShared&)> run;  // trains, writes OUT; returns a summary
};

std::vector<AlignMethodInfo>& align_methods();

struct AlignMethod {
  explicit AlignMethod(AlignMethodInfo info) { align_methods().push_back(std::move(info)); }
};

}  // namespace lmf::cli
