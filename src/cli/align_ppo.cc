// lmforge align --method ppo: RLHF with PPO on the prompts of --prompts, rewarded by
// --reward (a reward model directory, or `judge`); src/align/ppo_command.h does the work.
#include "align/ppo_command.h"
#include "cli/align_method.h"
#include "cli/flags.h"

namespace lmf::cli {
namespace {

class Ppo final : public AlignMethod {
 public:
  void add_flags(CLI::Option_group& g) override {
    align::PpoOptions& o = c_.ppo;
    g.add_option("--prompts", c_.prompts_path, "PPO: prompts, JSONL (prompt-only or preference lines, plain or chat form)");
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
    add_max_new_tokens_flag(g, o.rollout.max_new_tokens, "PPO: most tokens sampled per response");
    add_older_name(g, "--max-new", o.rollout.max_new_tokens, decltype(o.rollout.max_new_tokens)(1), decltype(o.rollout.max_new_tokens)(1000000), "--max-new-tokens");
    g.add_option("--temperature", o.rollout.temperature, "PPO: sampling temperature of the rollouts")
        ->capture_default_str();
    g.add_option("--stop", c_.stop, "PPO: text that ends a response (default: chat end-of-turn, plain none)");
    g.add_flag("--whiten-rewards", o.gae.whiten_rewards, "PPO: whiten the per-token rewards before GAE");
    g.add_option("--grad-clip", o.grad_clip, "PPO: global gradient-norm clip (0 = off)")->capture_default_str();
  }

  nlohmann::json run(const AlignShared& s) override {
    apply_shared(s, c_, c_.ppo);
    c_.ppo.iterations = s.steps;
    c_.reward = s.reward_dir;
    return align::run_ppo_command(c_);
  }

 private:
  align::PpoCommand c_;
};

RegisterAlignMethod reg({"ppo", "RLHF with PPO against a reward (--prompts, --reward)", [] { return std::make_unique<Ppo>(); }});

}  // namespace
}  // namespace lmf::cli
