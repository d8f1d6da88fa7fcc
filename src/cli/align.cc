// lmforge align: preference alignment of a model — DPO or RLHF with PPO (the methods are
// registered by src/cli/align_<method>.cc, see align_method.h). Full weights or LoRA (--lora:
// the base stays frozen and OUT holds a PEFT adapter).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/align_method.h"
#include "cli/command.h"
#include "cli/model_flags.h"
#include "core/error.h"
#include "core/threads.h"

namespace lmf::cli {

std::vector<AlignMethodInfo>& align_methods() {
  static std::vector<AlignMethodInfo> methods;
  return methods;
}

namespace {

int run_align(int argc, char** argv) {
  CLI::App app{"Align a model to preferences: DPO, or RLHF with PPO against a reward model", "lmforge align"};
  AlignShared s;
  std::string method;
  bool lora = false;
  int threads = 0;
  std::vector<std::string> names;
  for (const AlignMethodInfo& m : align_methods()) names.push_back(m.name);
  app.add_option("--method", method, "alignment method")->required()->check(CLI::IsMember(names));
  app.add_option("--model", s.model_dir, "starting model directory (usually instruction-tuned)")->required();
  app.add_option("--out", s.out_dir, "output directory (the aligned model, or a LoRA adapter with --lora)")->required();
  app.add_option("--tokenizer", s.tokenizer_spec, "tokenizer SPEC (default: the model's tokenizer.json)");
  app.add_option("--steps", s.steps, "optimizer steps (PPO: iterations)")->capture_default_str();
  app.add_option("--batch", s.batch, "preference pairs per step (PPO: prompts per rollout)")->capture_default_str();
  app.add_option("--lr", s.lr, "learning rate (default: the method's)");
  app.add_option("--seed", s.seed, "random seed")->capture_default_str();
  app.add_flag("--lora", lora, "train a LoRA adapter on the frozen model (the reference is the model without it)");
  app.add_option("--rank", s.peft.rank, "LoRA rank r")->capture_default_str();
  app.add_option("--alpha", s.peft.alpha, "LoRA alpha (scaling alpha/r)")->capture_default_str();
  app.add_option("--target", s.peft.target, "LoRA target module names (repeatable; default attention and MLP)");
  app.add_flag("--quiet", s.quiet, "no progress output");
  app.add_option("--threads", threads, "threads (default: LMFORGE_THREADS or all cores)");
  for (const AlignMethodInfo& m : align_methods()) m.add_flags(*app.add_option_group(m.name, m.help));
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) threads::set(threads);
  if (s.steps <= 0 || s.batch <= 0) throw Error("--steps and --batch must be positive");
  if (s.lr < 0) throw Error("--lr must be positive");
  s.peft.method = lora ? "lora" : "full";
  s.peft.seed = s.seed;
  s.tokenizer_spec = tokenizer_spec_for(s.model_dir, s.tokenizer_spec);
  for (const AlignMethodInfo& m : align_methods())
    if (m.name == method) std::printf("%s\n", m.run(s).dump().c_str());
  return 0;
}

Command reg("align", "align a model to preferences (dpo, ppo)", run_align);

}  // namespace
}  // namespace lmf::cli
