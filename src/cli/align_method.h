// The methods of `lmforge align` (DPO, PPO). Each file src/cli/align_<method>.cc registers
// one with a static RegisterAlignMethod: its name, its help and how to make its flags.
//
// Flags are declared one way for every method: a method is a class whose members are its
// flag values (the library command it parses into); run_align makes one of each method per
// call, so every flag value lives in that call like any other command's locals. add_flags
// binds the method's own flags (in an option group named after it); run copies the flags
// every method shares (apply_shared) and calls the method's library entry point, which
// trains and writes OUT. src/cli/align.cc then compares the starting and the aligned model
// on held-out prompts (align/report.h) and prints the method's summary with the report.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
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

class AlignMethod {
 public:
  virtual ~AlignMethod() = default;
  virtual void add_flags(CLI::Option_group& g) = 0;
  virtual nlohmann::json run(const AlignShared& s) = 0;  // trains, writes OUT; returns a summary
};

// The shared flags into a method's command `c` and its training options `o` (all but the
// step count, which each method names its own way).
template <class Command, class Options>
void apply_shared(const AlignShared& s, Command& c, Options& o) {
  c.model_dir = s.model_dir;
  c.out_dir = s.out_dir;
  c.tokenizer_spec = s.tokenizer_spec;
  c.peft = s.peft;
  o.batch = s.batch;
  o.lr = s.lr;  // 0: the library's default for the method
  o.seed = s.seed;
  o.quiet = s.quiet;
}

struct AlignMethodInfo {
  std::string name, help;
  std::function<std::unique_ptr<AlignMethod>()> make;
};

std::vector<AlignMethodInfo>& align_methods();

struct RegisterAlignMethod {
  explicit RegisterAlignMethod(AlignMethodInfo info) { align_methods().push_back(std::move(info)); }
};

}  // namespace lmf::cli
