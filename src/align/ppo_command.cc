#include "align/ppo_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "align/judge.h"
#include "align/preferences.h"
#include "align/reward_model.h"
#include "core/error.h"
#include "models/checkpoint.h"
#include "tokenizer/tokenizer.h"

namespace fs = std::filesystem;

namespace lmf::align {

nlohmann::json run_ppo_command(const PpoCommand& c) {
  if (c.prompts_path.empty()) throw Error("align --method ppo: --prompts FILE is required");
  if (c.reward.empty()) throw Error("align --method ppo: --reward is required (a reward model directory, or judge)");
  if (c.peft.method != "full" && c.peft.method != "lora") throw Error("align --method ppo: full weights or --lora only");
  tok::Tokenizer tk = tok::Tokenizer::load(c.tokenizer_spec);
  PreferenceEncoder enc(tk);
  const std::vector<PreferencePair> pairs = read_preferences_jsonl(c.prompts_path, false);
  std::vector<Ids> prompts;
  for (const PreferencePair& p : pairs) {
    if (p.chat != pairs.front().chat)
      throw Error(c.prompts_path + ": mixes plain and chat prompts; use one form in a file");
    prompts.push_back(enc.prompt(p));
  }
  PpoOptions o = c.ppo;
  o.minibatch = std::min(o.minibatch, o.batch);
  if (o.lr <= 0) o.lr = c.peft.method == "lora" ? kPpoLoraLr : kPpoFullLr;
  if (o.target_kl <= 0) o.adaptive_kl = false, o.target_kl = 6.0;
  if (!c.stop.empty()) {
    o.rollout.stop = tk.encode(c.stop);
  } else {
    o.rollout.stop = enc.stop_ids(pairs.front());
  }
  o.out_dir = c.out_dir;

  // The pair that prompt ids came from (the reward sees only ids).
  std::map<Ids, const PreferencePair*> pair_of;
  for (size_t i = 0; i < pairs.size(); ++i) pair_of.emplace(prompts[i], &pairs[i]);
  std::optional<RewardModel> rm;
  RewardFn reward;
  if (c.reward == "judge") {
    for (size_t i = 0; i < pairs.size(); ++i) {
      TaskKind kind;
      if (!task_kind(pairs[i], &kind))
        throw Error(c.prompts_path + ":" + std::to_string(i + 1) +
                    ": not a prompt of the embedded preference tasks, so --reward judge cannot score it");
    }
    reward = [&](const std::vector<Ids>& ps, const std::vector<Ids>& rs) {
      std::vector<double> out;
      for (size_t i = 0; i < ps.size(); ++i) {
        const PreferencePair& p = *pair_of.at(ps[i]);
        out.push_back(judge(p, enc.decode_response(p, rs[i])));
      }
      return out;
    };
  } else {
    if (!RewardModel::is_classifier_dir(c.reward))
      throw Error("--reward " + c.reward + ": not a reward model directory (lmforge reward train writes one)");
    rm.emplace(RewardModel::load(c.reward));
    reward = [&](const std::vector<Ids>& ps, const std::vector<Ids>& rs) {
      std::vector<double> out;
      for (size_t i = 0; i < ps.size(); ++i) out.push_back(rm->score(ps[i], rs[i]));
      return out;
    };
  }

  Transformer policy = load_model(c.model_dir);
  std::unique_ptr<Transformer> frozen;
  std::unique_ptr<ft::PeftMethod> method;
  if (c.peft.method == "lora") {
    method = ft::create_method(policy, c.peft);
  } else {
    frozen = std::make_unique<Transformer>(load_model(c.model_dir));
  }
  Transformer& reference = frozen ? *frozen : policy;
  ValueHead vh(policy.config().n_embd, o.seed + 1);
  if (!o.quiet)
    std::fprintf(stderr, "ppo (%s): %zu prompts, %lld iterations of %lld rollouts, reward %s\n", c.peft.method.c_str(),
                 pairs.size(), (long long)o.iterations, (long long)o.batch, c.reward.c_str());
  const PpoResult r = run_ppo(policy, method.get(), vh, reference, prompts, reward, o);
  if (fs::exists(c.tokenizer_spec) && fs::is_regular_file(c.tokenizer_spec) && !fs::exists(c.out_dir + "/tokenizer.json"))
    fs::copy_file(c.tokenizer_spec, c.out_dir + "/tokenizer.json");

  auto pick = [](const nlohmann::json& row) {
    return nlohmann::json{{"score", row["env/reward_mean"]}, {"kl", row["objective/kl"]}, {"kl_coef", row["objective/kl_coef"]}};
  };
  return {{"method", "ppo"},
          {"peft", c.peft.method},
          {"iterations", o.iterations},
          {"trainable", r.trainable},
          {"seconds_per_iteration", r.seconds_per_iteration},
          {"first", pick(r.rows.front())},
          {"last", pick(r.rows.back())},
          {"out", c.out_dir}};
}

}  // namespace lmf::align
