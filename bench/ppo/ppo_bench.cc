// bench_ppo: time per PPO iteration (rollout of B prompts with the KV cache, scoring by the
// policy, value head and reference, then the update epochs), timed the way
// bench/ppo/torch_ppo.py times PyTorch. Usage:
//   bench_ppo MODEL_DIR B PROMPT_LEN NEW_TOKENS EPOCHS MINIBATCH ITERATIONS
// Prompt n is ids (i·7919 + 13 + 31·n) mod V, i < PROMPT_LEN, as on the PyTorch side; no
// stop ids, so every response has NEW_TOKENS tokens; the reward is the share of even ids
// in the response. Full weights, AdamW lr 1e-5, clip 1.0, TRL's default PPO settings. The
// first iteration is a warm-up; prints JSON with the median of the others.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/ppo.h"
#include "models/checkpoint.h"

int main(int argc, char** argv) {
  using namespace lmf;
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s MODEL_DIR B PROMPT_LEN NEW_TOKENS EPOCHS MINIBATCH ITERATIONS\n", argv[0]);
    return 2;
  }
  Transformer policy = load_model(argv[1]);
  Transformer reference = load_model(argv[1]);
  const int64_t B = std::stoll(argv[2]), P = std::stoll(argv[3]), new_tokens = std::stoll(argv[4]);
  const int64_t V = policy.config().vocab_size;
  std::vector<align::Ids> prompts;
  for (int64_t n = 0; n < B; ++n) {
    align::Ids p;
    for (int64_t i = 0; i < P; ++i) p.push_back(int32_t((i * 7919 + 13 + 31 * n) % V));
    prompts.push_back(p);
  }
  align::RewardFn reward = [](const std::vector<align::Ids>&, const std::vector<align::Ids>& rs) {
    std::vector<double> s;
    for (const align::Ids& r : rs) s.push_back(double(std::count_if(r.begin(), r.end(), [](int32_t x) { return x % 2 == 0; })) / double(r.size()));
    return s;
  };
  align::PpoOptions o;
  o.iterations = std::stoll(argv[7]) + 1;
  o.batch = B;
  o.epochs = std::stoll(argv[5]);
  o.minibatch = std::stoll(argv[6]);
  o.lr = 1e-5;
  o.rollout.max_new_tokens = new_tokens;
  align::ValueHead vh(policy.config().n_embd, 1);
  const align::PpoResult r = align::run_ppo(policy, nullptr, vh, reference, prompts, reward, o);
  std::vector<double> it, roll, upd;
  for (size_t i = 1; i < r.rows.size(); ++i) {
    roll.push_back(r.rows[i]["time/rollout_s"].get<double>());
    upd.push_back(r.rows[i]["time/update_s"].get<double>());
    it.push_back(roll.back() + upd.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double tokens = r.rows.back()["tokens/responses_len_mean"].get<double>();
  std::printf("%s\n", nlohmann::json{{"iteration_s", median(it)},
                                     {"rollout_s", median(roll)},
                                     {"update_s", median(upd)},
                                     {"response_tokens", tokens},
                                     {"iterations_timed", it.size()}}
                          .dump()
                          .c_str());
  return 0;
}
