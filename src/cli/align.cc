// lmforge align: preference alignment of a model — DPO or RLHF with PPO (the methods are
// registered by src/cli/align_<method>.cc, see align_method.h). Full weights or LoRA (--lora:
// the base stays frozen and OUT holds a PEFT adapter). Ends with the before/after report on
// held-out prompts (align/report.h): reward-model score (--reward), program-judged quality
// and win rate (prompts of the embedded preference tasks), perplexity on --eval (the
// alignment tax); written to OUT/report.json as well.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <optional>

#include "align/preference_tasks.h"
#include "align/report.h"
#include "align/reward_model.h"
#include "cli/align_method.h"
#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/threads.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"

namespace lmf::cli {

std::vector<AlignMethodInfo>& align_methods() {
  static std::vector<AlignMethodInfo> methods;
  return methods;
}

namespace {

struct ReportFlags {
  bool skip = false;
  std::string prompts_path, eval_shard;
  int64_t prompts = 64, max_new = 32;
};

// The starting model against the aligned one in OUT (a model, or the base plus OUT's adapter).
nlohmann::json report(const AlignShared& s, const ReportFlags& f) {
  std::vector<align::PreferencePair> prompts =
      f.prompts_path.empty() ? align::preference_tasks(3000, 1).test : align::read_preferences_jsonl(f.prompts_path, false);
  if (int64_t(prompts.size()) > f.prompts) prompts.resize(size_t(f.prompts));
  tok::Tokenizer tk = tok::Tokenizer::load(s.tokenizer_spec);
  Transformer before = load_model(s.model_dir);
  std::optional<Transformer> after;
  std::unique_ptr<ft::PeftMethod> adapter;
  if (s.peft.method == "lora") {
    after.emplace(load_model(s.model_dir));
    adapter = ft::attach_adapter(*after, s.out_dir);
  } else {
    after.emplace(load_model(s.out_dir));
  }
  std::optional<align::RewardModel> rm;
  align::ReportOptions opt;
  opt.max_new_tokens = f.max_new;
  opt.eval_shard = f.eval_shard;
  opt.judge = [](const align::PreferencePair& p, const std::string& reply) {
    align::TaskKind kind;
    return align::task_kind(p, &kind) ? align::judge(p, reply) : NAN;
  };
  if (!s.reward_dir.empty() && s.reward_dir != "judge") {  // the judge is the judged columns already
    rm.emplace(align::RewardModel::load(s.reward_dir));
    opt.reward = [&](const std::vector<int32_t>& prompt, const std::vector<int32_t>& reply) { return rm->score(prompt, reply); };
  }
  if (!s.quiet) std::fprintf(stderr, "align: comparing before and after on %zu held-out prompts\n", prompts.size());
  align::AlignReport r = align::compare_models([&](bool aligned) -> Transformer& { return aligned ? *after : before; },
                                               tk, prompts, opt);
  std::fprintf(stderr, "%s", align::format_report(r).c_str());
  nlohmann::json j = align::report_json(r);
  io::write_text_atomic(s.out_dir + "/report.json", j.dump(2) + "\n");
  return j;
}

int run_align(int argc, char** argv) {
  CLI::App app{"Align a model to preferences: DPO, or RLHF with PPO against a reward model", "lmforge align"};
  AlignShared s;
  ReportFlags rf;
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
  rep->add_option("--eval-prompts", rf.prompts_path,
                  "held-out prompts, JSONL (default: the held-out split of `lmforge data preferences`)");
  rep->add_option("--report-prompts", rf.prompts, "at most this many held-out prompts")->capture_default_str();
  rep->add_option("--report-max-new", rf.max_new, "tokens of each greedy reply")->capture_default_str();
  rep->add_option("--eval", rf.eval_shard, "token shard of held-out pretraining text: perplexity before and after");
  rep->add_flag("--no-report", rf.skip, "skip the report");
  app.add_flag("--quiet", s.quiet, "no progress output");
  add_threads_flag(app, threads);
  for (const AlignMethodInfo& m : align_methods()) m.add_flags(*app.add_option_group(m.name, m.help));
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (s.steps <= 0 || s.batch <= 0) throw Error("--steps and --batch must be positive");
  if (s.lr < 0) throw Error("--lr must be positive");
  if (rf.prompts <= 0 || rf.max_new <= 0) throw Error("--report-prompts and --report-max-new must be positive");
  s.peft.method = lora ? "lora" : "full";
  s.peft.seed = s.seed;
  s.tokenizer_spec = model_tokenizer_spec(s.model_dir, s.tokenizer_spec);
  for (const AlignMethodInfo& m : align_methods()) {
    if (m.name != method) continue;
    nlohmann::json out = m.run(s);
    if (!rf.skip) out["report"] = report(s, rf);
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

Command reg("align", "align a model to preferences (dpo, ppo)", run_align);

}  // namespace
}  // namespace lmf::cli
