// AdamW against torch.optim.AdamW: 20 steps, two parameter groups (decay on 2-D+ only),
// betas (0.9, 0.95), lr changing every step, a parameter that misses some gradients;
// then state export/import (a resumed run is bit-identical) and bad state.
#include <gtest/gtest.h>

#include <cmath>

#include "core/allocator.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "io/safetensors.h"
#include "unit/core/optim/optim_fixture.h"

using namespace lmf;

namespace {

struct Config {
  std::vector<double> lr;
  double wd;
  std::vector<std::pair<int, int>> skip;  // (param, step) without a gradient
};

std::vector<Config> configs(int steps) {
  std::vector<Config> cs;
  for (double base : {1e-3, 6e-4, 3e-2}) {
    Config c{{}, base == 3e-2 ? 0.0 : 0.1, {}};
    for (int s = 0; s < steps; ++s) c.lr.push_back(base * (0.5 + 0.5 * std::cos(0.3 * s)));
    cs.push_back(c);
  }
  cs[1].skip = {{1, 0}, {1, 1}, {2, 7}, {4, 19}};  // w1 starts late; w2, w4 miss one step
  return cs;
}

}  // namespace

TEST(AdamW, TwentyStepsMatchTorch) {
  test::OptimCase oc;
  auto cs = configs(oc.steps);
  nlohmann::json jc = nlohmann::json::array();
  for (auto& c : cs) {
    nlohmann::json skip = nlohmann::json::array();
    for (auto [i, s] : c.skip) skip.push_back({i, s});
    jc.push_back({{"lr", c.lr}, {"wd", c.wd}, {"betas", {0.9, 0.95}}, {"eps", 1e-8}, {"skip", skip}});
  }
  auto ref = test::torch_ref("optim", "adamw", oc.inputs, {{"configs", jc}});

  for (size_t c = 0; c < cs.size(); ++c) {
    auto ps = oc.params();
    optim::AdamW opt(optim::decay_groups(ps, cs[c].wd), {cs[c].lr[0], 0.9, 0.95, 1e-8});
    ASSERT_EQ(opt.groups().size(), 2u);
    EXPECT_EQ(opt.groups()[0].params.size(), 2u);  // w0 (37, 5) and w2 (3, 1, 7) decay
    for (int s = 0; s < oc.steps; ++s) {
      opt.set_lr(cs[c].lr[s]);
      oc.set_grads(ps, s, [&](int i, int st) {
        for (auto [a, b] : cs[c].skip)
          if (a == i && b == st) return true;
        return false;
      });
      opt.step();
    }
    auto state = opt.state();
    for (size_t i = 0; i < ps.size(); ++i) {
      std::string k = "c" + std::to_string(c) + ".";
      std::string n = std::to_string(i);
      EXPECT_LE(test::rel_error(ps[i].second, ref.at(k + "p." + n)), 1e-6) << "config " << c << " param " << i;
      for (auto& [name, t] : state) {
        if (name == "w" + n + ".exp_avg") {
          EXPECT_LE(test::rel_error(t, ref.at(k + "exp_avg." + n)), 1e-6);
        } else if (name == "w" + n + ".exp_avg_sq") {
          EXPECT_LE(test::rel_error(t, ref.at(k + "exp_avg_sq." + n)), 1e-6);
        }
      }
      EXPECT_EQ(double(opt.steps_of("w" + n)), double(ref.at(k + "step." + n).item())) << "config " << c;
    }
  }
}

TEST(AdamW, ResumeFromSavedStateIsBitIdentical) {
  test::OptimCase oc;
  auto no_skip = [](int, int) { return false; };
  auto run = [&](const optim::NamedTensors& ps, optim::AdamW& opt, int from, int to) {
    for (int s = from; s < to; ++s) {
      opt.set_lr(1e-2 / (1 + s));
      oc.set_grads(ps, s, no_skip);
      opt.step();
    }
  };
  auto full = oc.params();
  optim::AdamW a(optim::decay_groups(full, 0.1), {1e-2, 0.9, 0.95, 1e-8});
  run(full, a, 0, oc.steps);

  auto first = oc.params();
  optim::AdamW b(optim::decay_groups(first, 0.1), {1e-2, 0.9, 0.95, 1e-8});
  run(first, b, 0, 9);
  std::string dir = test::temp_dir();
  io::save_safetensors(dir + "/params.safetensors", first);
  io::save_safetensors(dir + "/optim.safetensors", b.state());

  auto pf = io::SafetensorsFile::open(dir + "/params.safetensors");
  auto sf = io::SafetensorsFile::open(dir + "/optim.safetensors");
  optim::NamedTensors resumed, st;
  for (auto& n : pf.names()) resumed.emplace_back(n, pf.get(n).clone().set_requires_grad(true));
  for (auto& n : sf.names()) st.emplace_back(n, sf.get_raw(n));
  optim::AdamW c(optim::decay_groups(resumed, 0.1), {1e-2, 0.9, 0.95, 1e-8});
  c.load_state(st);
  EXPECT_EQ(c.steps_of("w0"), 9);
  run(resumed, c, 9, oc.steps);
  for (size_t i = 0; i < full.size(); ++i) EXPECT_EQ(resumed[i].second.to_vector(), full[i].second.to_vector());
}

TEST(AdamW, BadStateAndParametersAreClearErrors) {
  test::OptimCase oc;
  auto ps = oc.params();
  optim::AdamW opt(optim::decay_groups(ps, 0.1));
  auto expect_error = [&](const optim::NamedTensors& st, const std::string& needle) {
    try {
      opt.load_state(st);
      FAIL() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({{"nope.exp_avg", Tensor::zeros({5})}}, "nope.exp_avg");
  expect_error({{"w1.exp_avg", Tensor::zeros({4})}}, "w1.exp_avg");
  expect_error({{"w1.momentum", Tensor::zeros({5})}}, "w1.momentum");
  expect_error({{"w1.exp_avg", Tensor::zeros({5})}}, "incomplete");
  expect_error({{"w1.step", Tensor::full({}, -1.0f)}}, "w1.step");
  // A duplicated name and a non-fp32 parameter are rejected up front.
  optim::NamedTensors dup{ps[0], ps[0]};
  EXPECT_THROW(optim::AdamW(std::vector<optim::ParamGroup>{{dup, 0.0}}), Error);
  Tensor ints = Tensor::from_ints({1, 2}, {2});
  EXPECT_THROW(optim::AdamW(std::vector<optim::ParamGroup>{{{{"i", ints}}, 0.0}}), ShapeError);
}

TEST(AdamW, DecayGroupsLeaveOutFrozenTensors) {
  Tensor w = Tensor::randn({4, 3}, 1), b = Tensor::randn({3}, 2), frozen = Tensor::randn({3, 3}, 3);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  auto gs = optim::decay_groups({{"w", w}, {"b", b}, {"f", frozen}}, 0.1);
  ASSERT_EQ(gs.size(), 2u);
  EXPECT_EQ(gs[0].params.size(), 1u);
  EXPECT_EQ(gs[0].params[0].first, "w");
  EXPECT_EQ(gs[0].weight_decay, 0.1);
  EXPECT_EQ(gs[1].params[0].first, "b");
  EXPECT_EQ(gs[1].weight_decay, 0.0);
}

TEST(AdamW, StepsAfterTheFirstAllocateNothing) {
  test::OptimCase oc;
  auto ps = oc.params();
  optim::AdamW opt(optim::decay_groups(ps, 0.1));
  auto no_skip = [](int, int) { return false; };
  oc.set_grads(ps, 0, no_skip);
  optim::clip_grad_norm(opt, 1.0);
  opt.step();  // allocates the moment buffers
  oc.set_grads(ps, 1, no_skip);
  const uint64_t before = CachingAllocator::stats().allocs;
  for (int i = 0; i < 3; ++i) {
    opt.set_lr(1e-3 * (i + 1));
    optim::clip_grad_norm(opt, 1.0);
    opt.step();
  }
  EXPECT_EQ(CachingAllocator::stats().allocs, before);
}
