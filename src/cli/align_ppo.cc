// lmforge align --method ppo: RLHF with PPO (src/align/ppo.h) on the prompts of --prompts
// (prompt-only or preference JSONL, plain or chat form), rewarded by --reward. Writes OUT:
// the policy (model directory, or a LoRA adapter with --lora), value_head.safetensors,
// metrics.jsonl and ppo.svg; with --eval-prompts, the before/after table (align/report.h).
//
// Rewards: `judge:arith` is the program judge of "A+B=" sums (1 when the reply starts with
// the right sum's digits, else 0).
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "align/ppo.h"
#include "align/preferences.h"
#include "align/report.h"
#include "cli/align_method.h"
#include "core/error.h"
#include "models/checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace lmf::cli {
namespace {

struct PpoFlags {
  std::string prompts, reward, eval_prompts, stop;
  align::PpoOptions o;
  double target_kl = 6.0;
  int64_t max_new = 32;
  float temperature = 1.0f;
} g_ppo;

// The judge of "A+B=" prompts: 1 when `reply` starts with the digits of A+B, else 0; a
// prompt that is not of that form scores 0.
double judge_arith(const std::string& prompt, const std::string& reply) {
  const size_t plus = prompt.find('+'), eq = prompt.find('=', plus == std::string::npos ? 0 : plus);
  if (plus == std::string::npos || eq == std::string::npos) return 0.0;
  const long long want = std::atoll(prompt.c_str()) + std::atoll(prompt.c_str() + plus + 1);
  size_t n = 0;
  while (n < reply.size() && std::isdigit(static_cast<unsigned char>(reply[n]))) ++n;
  return n > 0 && reply.compare(0, n, std::to_string(want)) == 0 ? 1.0 : 0.0;
}

void add_ppo_flags(CLI::Option_group& g) {
  PpoFlags& f = g_ppo;
  g.add_option("--prompts", f.prompts, "PPO: prompts, JSONL (prompt-only or preference lines, plain or chat form)");
  g.add_option("--reward", f.reward, "PPO: the reward: judge:arith (the program judge of \"A+B=\" sums)");
  g.add_option("--eval-prompts", f.eval_prompts, "PPO: held-out prompts for the before/after table (with a judge)");
  g.add_option("--epochs", f.o.epochs, "PPO: optimisation passes over each rollout batch")->capture_default_str();
  g.add_option("--minibatch", f.o.minibatch, "PPO: sequences per optimizer step")->capture_default_str();
  g.add_option("--clip", f.o.loss.cliprange, "PPO: policy ratio clip range epsilon")->capture_default_str();
  g.add_option("--clip-value", f.o.loss.cliprange_value, "PPO: value clip range")->capture_default_str();
  g.add_option("--vf-coef", f.o.loss.vf_coef, "PPO: value loss coefficient")->capture_default_str();
  g.add_option("--gamma", f.o.gae.gamma, "PPO: discount")->capture_default_str();
  g.add_option("--lam", f.o.gae.lam, "PPO: GAE lambda")->capture_default_str();
  g.add_option("--init-kl", f.o.init_kl, "PPO: initial KL penalty coefficient beta")->capture_default_str();
  g.add_option("--target-kl", f.target_kl, "PPO: adaptive KL target (nats per sequence); 0 keeps beta fixed")
      ->capture_default_str();
  g.add_option("--kl-horizon", f.o.kl_horizon, "PPO: adaptive KL horizon (sequences)")->capture_default_str();
  g.add_option("--max-new", f.max_new, "PPO: most tokens sampled per response")->capture_default_str();
  g.add_option("--temperature", f.temperature, "PPO: sampling temperature of the rollouts")->capture_default_str();
  g.add_option("--stop", f.stop, "PPO: text that ends a response (default: chat end-of-turn, plain none)");
  g.add_flag("--whiten-rewards", f.o.gae.whiten_rewards, "PPO: whiten the per-token rewards before GAE");
  g.add_option("--grad-clip", f.o.grad_clip, "PPO: global gradient-norm clip (0 = off)")->capture_default_str();
}

nlohmann::json run_ppo_cmd(const AlignShared& s) {
  PpoFlags& f = g_ppo;
  if (f.prompts.empty()) throw Error("align --method ppo: --prompts FILE is required");
  if (f.reward.empty()) throw Error("align --method ppo: --reward is required (judge:arith)");
  if (f.reward != "judge:arith")
    throw Error("align --method ppo: --reward " + f.reward +
                ": reward model directories are not supported yet; use --reward judge:arith");
  if (s.peft.method != "full" && s.peft.method != "lora") throw Error("align --method ppo: full weights or --lora only");
  tok::Tokenizer tk = tok::Tokenizer::load(s.tokenizer_spec);
  align::PreferenceEncoder enc(tk);
  const std::vector<align::PreferencePair> pairs = align::read_preferences_jsonl(f.prompts, false);
  std::vector<align::Ids> prompts;
  for (const align::PreferencePair& p : pairs) {
    if (p.chat != pairs.front().chat)
      throw Error(f.prompts + ": mixes plain and chat prompts; use one form in a file");
    prompts.push_back(enc.prompt(p));
  }
  align::PpoOptions o = f.o;
  o.iterations = s.steps;
  o.batch = s.batch;
  o.minibatch = std::min(o.minibatch, o.batch);
  o.lr = s.lr > 0 ? s.lr : (s.peft.method == "lora" ? 1e-3 : 1.41e-5);
  o.seed = s.seed;
  o.adaptive_kl = f.target_kl > 0;
  o.target_kl = f.target_kl > 0 ? f.target_kl : 6.0;
  o.rollout.max_new_tokens = f.max_new;
  o.rollout.temperature = f.temperature;
  if (!f.stop.empty()) {
    for (uint32_t id : tk.encode(f.stop)) o.rollout.stop.push_back(int32_t(id));
  } else {
    o.rollout.stop = enc.stop_ids(pairs.front());
  }
  o.out_dir = s.out_dir;
  o.quiet = s.quiet;

  // The text of prompt ids: the pair they came from (the reward sees only ids).
  std::map<align::Ids, const align::PreferencePair*> pair_of;
  for (size_t i = 0; i < pairs.size(); ++i) pair_of.emplace(prompts[i], &pairs[i]);
  auto prompt_text = [&](const align::PreferencePair& p) {
    return p.chat && !p.prompt_messages.empty() ? p.prompt_messages.back().content : p.prompt;
  };
  align::RewardFn reward = [&](const std::vector<align::Ids>& ps, const std::vector<align::Ids>& rs) {
    std::vector<double> out;
    for (size_t i = 0; i < ps.size(); ++i) {
      const align::PreferencePair& p = *pair_of.at(ps[i]);
      out.push_back(judge_arith(prompt_text(p), enc.decode_response(p, rs[i])));
    }
    return out;
  };

  Transformer policy = load_model(s.model_dir);
  std::unique_ptr<Transformer> frozen;
  std::unique_ptr<ft::PeftMethod> method;
  if (s.peft.method == "lora") {
    method = ft::create_method(policy, s.peft);
  } else {
    frozen = std::make_unique<Transformer>(load_model(s.model_dir));
  }
  Transformer& reference = frozen ? *frozen : policy;
  align::ValueHead vh(policy.config().n_embd, s.seed + 1);
  if (!s.quiet)
    std::fprintf(stderr, "ppo (%s): %zu prompts, %lld iterations of %lld rollouts, reward %s\n", s.peft.method.c_str(),
                 pairs.size(), (long long)o.iterations, (long long)o.batch, f.reward.c_str());
  const align::PpoResult r = align::run_ppo(policy, method.get(), vh, reference, prompts, reward, o);
  if (fs::exists(s.tokenizer_spec) && fs::is_regular_file(s.tokenizer_spec) && !fs::exists(s.out_dir + "/tokenizer.json"))
    fs::copy_file(s.tokenizer_spec, s.out_dir + "/tokenizer.json");

  auto pick = [](const nlohmann::json& row) {
    return nlohmann::json{{"score", row["env/reward_mean"]}, {"kl", row["objective/kl"]}, {"kl_coef", row["objective/kl_coef"]}};
  };
  nlohmann::json out{{"method", "ppo"},
                     {"peft", s.peft.method},
                     {"iterations", o.iterations},
                     {"trainable", r.trainable},
                     {"seconds_per_iteration", r.seconds_per_iteration},
                     {"first", pick(r.rows.front())},
                     {"last", pick(r.rows.back())},
                     {"out", s.out_dir}};
  if (!f.eval_prompts.empty()) {
    align::ReportOptions ro;
    ro.max_new_tokens = f.max_new;
    ro.judge = [&](const align::PreferencePair& p, const std::string& reply) { return judge_arith(prompt_text(p), reply); };
    ForwardHooks* hooks = policy.hooks();
    const align::AlignReport rep = align::compare_models(
        [&](bool aligned) -> Transformer& {
          if (method) {
            policy.set_hooks(aligned ? hooks : nullptr);
            return policy;
          }
          return aligned ? policy : *frozen;
        },
        tk, align::read_preferences_jsonl(f.eval_prompts, false), ro);
    policy.set_hooks(hooks);
    std::fprintf(stderr, "%s", align::format_report(rep).c_str());
    out["report"] = align::report_json(rep);
  }
  return out;
}

AlignMethod reg({"ppo", "RLHF with PPO against a reward (--prompts, --reward)", add_ppo_flags, run_ppo_cmd});

}  // namespace
}  // namespace lmf::cli
