// SGD against torch.optim.SGD: 20 steps, two parameter groups (L2 decay on 2-D+ only),
// plain, momentum, momentum with dampening, nesterov; then state export/import.
#include <gtest/gtest.h>

#include "core/optim/sgd.h"
#include "unit/core/optim/optim_fixture.h"

using namespace lmf;

namespace {
struct Config {
  double lr, momentum, dampening, wd;
  bool nesterov;
};
const std::vector<Config> kConfigs = {
    {0.1, 0.0, 0.0, 0.0, false}, {0.05, 0.9, 0.0, 1e-2, false}, {0.02, 0.9, 0.1, 0.0, false}, {0.03, 0.8, 0.0, 5e-3, true}};
bool skip(int i, int s) { return (i == 1 && s < 2) || (i == 4 && s == 11); }
}  // namespace

TEST(SGD, TwentyStepsMatchTorch) {
  test::OptimCase oc;
  nlohmann::json jc = nlohmann::json::array();
  for (auto& c : kConfigs) {
    std::vector<double> lr;
    for (int s = 0; s < oc.steps; ++s) lr.push_back(c.lr * (1.0 - 0.02 * s));
    jc.push_back({{"lr", lr}, {"wd", c.wd}, {"momentum", c.momentum}, {"dampening", c.dampening},
                  {"nesterov", c.nesterov}, {"skip", {{1, 0}, {1, 1}, {4, 11}}}});
  }
  auto ref = test::torch_ref("optim", "sgd", oc.inputs, {{"configs", jc}});
  for (size_t c = 0; c < kConfigs.size(); ++c) {
    const Config& k = kConfigs[c];
    auto ps = oc.params();
    optim::SGD opt(optim::decay_groups(ps, k.wd), {k.lr, k.momentum, k.dampening, k.nesterov});
    for (int s = 0; s < oc.steps; ++s) {
      opt.set_lr(k.lr * (1.0 - 0.02 * s));
      oc.set_grads(ps, s, skip);
      opt.step();
    }
    auto state = opt.state();
    EXPECT_EQ(state.size(), k.momentum != 0 ? ps.size() : 0u);
    for (size_t i = 0; i < ps.size(); ++i) {
      std::string pre = "c" + std::to_string(c) + ".", n = std::to_string(i);
      EXPECT_LE(test::rel_error(ps[i].second, ref.at(pre + "p." + n)), 1e-6) << "config " << c << " param " << i;
      for (auto& [name, t] : state) {
        if (name == "w" + n + ".momentum_buffer") {
          EXPECT_LE(test::rel_error(t, ref.at(pre + "momentum_buffer." + n)), 1e-6) << "config " << c;
        }
      }
    }
  }
}

TEST(SGD, ResumeFromStateIsBitIdentical) {
  test::OptimCase oc;
  auto run = [&](const optim::NamedTensors& ps, optim::SGD& opt, int from, int to) {
    for (int s = from; s < to; ++s) {
      oc.set_grads(ps, s, skip);
      opt.step();
    }
  };
  optim::SGDOptions o{0.05, 0.9, 0.0, true};
  auto full = oc.params();
  optim::SGD a(optim::decay_groups(full, 1e-2), o);
  run(full, a, 0, oc.steps);
  auto part = oc.params();
  optim::SGD b(optim::decay_groups(part, 1e-2), o);
  run(part, b, 0, 7);
  optim::NamedTensors saved;
  for (auto& [n, t] : b.state()) saved.emplace_back(n, t.clone());
  optim::SGD c(optim::decay_groups(part, 1e-2), o);
  c.load_state(saved);
  run(part, c, 7, oc.steps);
  for (size_t i = 0; i < full.size(); ++i) EXPECT_EQ(part[i].second.to_vector(), full[i].second.to_vector());
  EXPECT_THROW(c.load_state({{"w0.exp_avg", Tensor::zeros({37, 5})}}), Error);
  EXPECT_THROW(optim::SGD(optim::decay_groups(part, 0.0), {0.1, 0.0, 0.0, true}), Error);  // nesterov without momentum
}
