// lmforge align --method ppo: RLHF with PPO (src/align/ppo.h) on the prompts of --prompts
// (prompt-only or preference JSONL, plain or chat form), rewarded by --reward: a reward
// model directory (lmforge reward train), or `judge`, the program judge of the embedded
// preference tasks (align/preference_tasks.h; every prompt must be one of its tasks).
// Writes OUT: the policy (model directory, or a LoRA adapter with --lora),
// value_head.safetensors, metrics.jsonl and ppo.svg.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "align/ppo.h"
#include "align/preference_tasks.h"
#include "align/preferences.h"
#include "align/reward_model.h"
#include "cli/align_method.h"
#include "core/error.h"
#include "models/checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace lmf::cli {
namespace {

struct PpoFlags {
  std::string prompts, stop;
  align::PpoOptions o;
  double target_kl = 6.0;
  int64_t max_new = 32;
  float temperature = 1.0f;
} g_ppo;

void add_ppo_flags(CLI::Option_group& g) {
  PpoFlags& f = g_ppo;
  g.add_option("--prompts", f.prompts, "PPO: prompts, JSONL (prompt-only or preference lines, plain or chat form)");
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
  if (s.reward_dir.empty()) throw Error("align --method ppo: --reward is required (a reward model directory, or judge)");
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

  // The pair that prompt ids came from (the reward sees only ids).
  std::map<align::Ids, const align::PreferencePair*> pair_of;
  for (size_t i = 0; i < pairs.size(); ++i) pair_of.emplace(prompts[i], &pairs[i]);
  std::optional<align::RewardModel> rm;
  align::RewardFn reward;
  if (s.reward_dir == "judge") {
    for (size_t i = 0; i < pairs.size(); ++i) {
      align::TaskKind kind;
      if (!align::task_kind(pairs[i], &kind))
        throw Error(f.prompts + ":" + std::to_string(i + 1) +
                    ": not a prompt of the embedded preference tasks, so --reward judge cannot score it");
    }
    reward = [&](const std::vector<align::Ids>& ps, const std::vector<align::Ids>& rs) {
      std::vector<double> out;
      for (size_t i = 0; i < ps.size(); ++i) {
        const align::PreferencePair& p = *pair_of.at(ps[i]);
        out.push_back(align::judge(p, enc.decode_response(p, rs[i])));
      }
      return out;
    };
  } else {
    if (!align::RewardModel::is_classifier_dir(s.reward_dir))
      throw Error("--reward " + s.reward_dir + ": not a reward model directory (lmforge reward train writes one)");
    rm.emplace(align::RewardModel::load(s.reward_dir));
    reward = [&](const std::vector<align::Ids>& ps, const std::vector<align::Ids>& rs) {
      std::vector<double> out;
      for (size_t i = 0; i < ps.size(); ++i) out.push_back(rm->score(ps[i], rs[i]));
      return out;
    };
  }

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
                 pairs.size(), (long long)o.iterations, (long long)o.batch, s.reward_dir.c_str());
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
  return out;
}

AlignMethod reg({"ppo", "RLHF with PPO against a reward (--prompts, --reward)", add_ppo_flags, run_ppo_cmd});

}  // namespace
}  // namespace lmf::cli
