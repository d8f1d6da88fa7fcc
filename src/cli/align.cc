// lmforge align: preference alignment of a model — DPO or RLHF with PPO (the methods are
// registered by src/cli/align_<method>.cc and made with their flags for each call, see
// align_method.h). Full weights or LoRA (--lora: the base stays frozen and OUT holds a PEFT
// adapter). Ends with the before/after report on held-out prompts (align/report.h):
// reward-model score (--reward), program-judged quality and win rate (prompts of the
// embedded preference tasks), perplexity on --eval (the alignment tax); written to
// OUT/report.json as well.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "align/report.h"
#include "cli/align_method.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/threads.h"
#include "models/checkpoint.h"

namespace lmf::cli {

std::vector<AlignMethodInfo>& align_methods() {
  static std::vector<AlignMethodInfo> methods;
  return methods;
}

namespace {

// The before/after report on held-out prompts (align/report.h), printed as a table on
// stderr; its JSON is the summary's "report".
nlohmann::json report(const AlignShared& s, align::AlignReportCommand c) {
  c.model_dir = s.model_dir;
  c.out_dir = s.out_dir;
  c.tokenizer_spec = s.tokenizer_spec;
  c.adapter = s.peft.method == "lora";
  c.reward = s.reward_dir;
  c.quiet = s.quiet;
  const align::AlignReport r = align::run_align_report(c);
  std::fprintf(stderr, "%s", align::format_report(r).c_str());
  return align::report_json(r);
}

int run_align(int argc, char** argv) {
  CLI::App app{"Align a model to preferences: DPO, or RLHF with PPO against a reward model", "lmforge align"};
  AlignShared s;
  align::AlignReportCommand rc;
  bool no_report = false;
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
  app.add_option("--reward", s.reward_dir,
                 "reward model directory (lmforge reward train): PPO's reward and the report's reward column; "
                 "or `judge`: the program judge of the embedded preference tasks as PPO's reward");
  app.add_flag("--lora", lora, "train a LoRA adapter on the frozen model (the reference is the model without it)");
  app.add_option("--rank", s.peft.rank, "LoRA rank r")->capture_default_str();
  app.add_option("--alpha", s.peft.alpha, "LoRA alpha (scaling alpha/r)")->capture_default_str();
  app.add_option("--target", s.peft.target, "LoRA target module names (repeatable; default attention and MLP)");
  CLI::Option_group* rep = app.add_option_group("report", "the before/after table on held-out prompts");
  rep->add_option("--eval-prompts", rc.prompts_path,
                  "held-out prompts, JSONL (default: the held-out split of `lmforge data preferences`)");
  rep->add_option("--report-prompts", rc.max_prompts, "at most this many held-out prompts")->capture_default_str();
  rep->add_option("--report-max-new-tokens", rc.max_new_tokens, "tokens of each greedy reply")
      ->check(int_range<decltype(rc.max_new_tokens)>(1, 1000000))
      ->capture_default_str();
  add_older_name(*rep, "--report-max-new", rc.max_new_tokens, decltype(rc.max_new_tokens)(1), decltype(rc.max_new_tokens)(1000000),
                 "--report-max-new-tokens");
  rep->add_option("--eval", rc.eval_shard, "token shard of held-out pretraining text: perplexity before and after");
  rep->add_flag("--no-report", no_report, "skip the report");
  app.add_flag("--quiet", s.quiet, "no progress output");
  add_threads_flag(app, threads);
  std::map<std::string, std::unique_ptr<AlignMethod>> methods;  // each method's flags, for this call
  for (const AlignMethodInfo& m : align_methods()) {
    std::unique_ptr<AlignMethod>& made = methods[m.name] = m.make();
    made->add_flags(*app.add_option_group(m.name, m.help));
  }
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (s.steps <= 0 || s.batch <= 0) throw Error("--steps and --batch must be positive");
  if (s.lr < 0) throw Error("--lr must be positive");
  if (rc.max_prompts <= 0 || rc.max_new_tokens <= 0) throw Error("--report-prompts and --report-max-new-tokens must be positive");
  s.peft.method = lora ? "lora" : "full";
  s.peft.seed = s.seed;
  s.tokenizer_spec = model_tokenizer_spec(s.model_dir, s.tokenizer_spec);
  nlohmann::json out = methods.at(method)->run(s);
  if (!no_report) out["report"] = report(s, rc);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

Command reg("align", "align a model to preferences (dpo, ppo)", run_align);

}  // namespace
}  // namespace lmf::cli
