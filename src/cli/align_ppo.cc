// lmforge align --method ppo: RLHF with PPO on the prompts of --prompts, rewarded by
// --reward (a reward model directory, or `judge`); src/align/ppo_command.h does the work.
#include <CLI/CLI.hpp>

#include "align/ppo_command.h"
#include "cli/align_method.h"

namespace lmf::cli {
namespace {

struct PpoFlags {
  align::PpoCommand c;
} g_ppo;

void add_ppo_flags(CLI::Option_group& g) {
  align::PpoCommand& c = g_ppo.c;
  align::PpoOptions& o = c.ppo;
  g.add_option("--prompts", c.prompts_path, "PPO: prompts, JSONL (prompt-only or preference lines, plain or chat form)");
  g.add_option("--epochs", o.epochs, "PPO: optimisation passes over each rollout batch")->capture_default_str();
  g.add_option("--minibatch", o.minibatch, "PPO: sequences per optimizer step")->capture_default_str();
  g.add_option("--clip", o.loss.cliprange, "PPO: policy ratio clip range epsilon")->capture_default_str();
  g.add_option("--clip-value", o.loss.cliprange_value, "PPO: value clip range")->capture_default_str();
  g.add_option("--vf-coef", o.loss.vf_coef, "PPO: value loss coefficient")->capture_default_str();
  g.add_option("--gamma", o.gae.gamma, "PPO: discount")->capture_default_str();
  g.add_option("--lam", o.gae.lam, "PPO: GAE lambda")->capture_default_str();
  g.add_option("--init-kl", o.init_kl, "PPO: initial KL penalty coefficient beta")->capture_default_str();
  g.add_option("--target-kl", o.target_kl, "PPO: adaptive KL target (nats per sequence); 0 keeps beta fixed")
      ->capture_default_str();
  g.add_option("--kl-horizon", o.kl_horizon, "PPO: adaptive KL horizon (sequences)")->capture_default_str();
  g.add_option("--max-new", o.rollout.max_new_tokens, "PPO: most tokens sampled per response")->capture_default_str();
  g.add_option("--temperature", o.rollout.temperature, "PPO: sampling temperature of the rollouts")->capture_default_str();
  g.add_option("--stop", c.stop, "PPO: text that ends a response (default: chat end-of-turn, plain none)");
  g.add_flag("--whiten-rewards", o.gae.whiten_rewards, "PPO: whiten the per-token rewards before GAE");
  g.add_option("--grad-clip", o.grad_clip, "PPO: global gradient-norm clip (0 = off)")->capture_default_str();
}

nlohmann::json run_ppo_cmd(const AlignShared& s) {
  align::PpoCommand c = g_ppo.c;
  c.model_dir = s.model_dir;
  c.out_dir = s.out_dir;
  c.tokenizer_spec = s.tokenizer_spec;
  c.reward = s.reward_dir;
  c.peft = s.peft;
  c.ppo.iterations = s.steps;
  c.ppo.batch = s.batch;
  c.ppo.lr = s.lr;  // 0: the library's default for the method
  c.ppo.seed = s.seed;
  c.ppo.quiet = s.quiet;
  return align::run_ppo_command(c);
}

AlignMethod reg({"ppo", "RLHF with PPO against a reward (--prompts, --reward)", add_ppo_flags, run_ppo_cmd});

}  // namespace
}  // namespace lmf::cli
