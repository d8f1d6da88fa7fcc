// LSTM and GRU stacks (core/ops/lstm.h, gru.h, rnn_stack.h) against torch.nn.LSTM / nn.GRU
// (tests/reference/rnn.py), which loads our parameters by PyTorch's names with
// load_state_dict(strict=True): outputs y, h (and c) and the gradients of x, h0 (c0) and
// every parameter agree to 1e-4 relative, for one and several layers, one and two
// directions, batch_first false and true, odd sizes. A state dict that PyTorch initialises
// and writes as safetensors loads and gives PyTorch's outputs. Bad shapes and missing
// parameters are ShapeErrors naming them.
#include <gtest/gtest.h>

#include <map>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/gru.h"
#include "core/ops/lstm.h"
#include "core/ops/rnn_stack.h"
#include "io/safetensors.h"
#include "support/oracle.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;

namespace {

struct Case {
  RnnKind kind;
  int64_t in, hidden, layers;
  bool bidir, batch_first;
  int64_t T, B;
};

RnnConfig config_of(const Case& c) {
  RnnConfig cfg;
  cfg.kind = c.kind;
  cfg.input_size = c.in;
  cfg.hidden_size = c.hidden;
  cfg.num_layers = c.layers;
  cfg.bidirectional = c.bidir;
  cfg.batch_first = c.batch_first;
  return cfg;
}

nlohmann::json args_of(const RnnConfig& cfg) {
  return {{"kind", rnn_kind_name(cfg.kind)}, {"input_size", cfg.input_size}, {"hidden_size", cfg.hidden_size},
          {"num_layers", cfg.num_layers},    {"bidirectional", cfg.bidirectional},
          {"batch_first", cfg.batch_first}};
}

Tensor leaf(const Shape& s, uint64_t seed) {
  Tensor t = Tensor::randn(s, seed);
  t.set_requires_grad(true);
  return t;
}

void run_cases(const std::vector<Case>& cases) {
  test::TensorMap in;
  nlohmann::json jc = nlohmann::json::array();
  struct Got {
    RnnStackOutput out;
    Tensor x, h0, c0;
    std::vector<std::pair<std::string, Tensor>> params;
  };
  std::vector<Got> got;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const RnnConfig cfg = config_of(c);
    const std::string p = "c" + std::to_string(i) + ".";
    const int64_t LD = c.layers * (c.bidir ? 2 : 1), D = c.bidir ? 2 : 1;
    Got g;
    g.params = rnn_init(cfg, 100 + i);
    std::map<std::string, Tensor> pm(g.params.begin(), g.params.end());
    for (auto& [n, t] : g.params) in[p + n] = t.detach();
    g.x = leaf(c.batch_first ? Shape{c.B, c.T, c.in} : Shape{c.T, c.B, c.in}, 200 + i);
    g.h0 = leaf({LD, c.B, c.hidden}, 300 + i);
    in[p + "x"] = g.x.detach();
    in[p + "h0"] = g.h0.detach();
    if (c.kind == RnnKind::LSTM) {
      g.c0 = leaf({LD, c.B, c.hidden}, 400 + i);
      in[p + "c0"] = g.c0.detach();
    }
    g.out = rnn_forward(cfg, pm, g.x, g.h0, g.c0);
    Tensor gy = Tensor::randn(g.out.y.shape(), 500 + i), gh = Tensor::randn({LD, c.B, c.hidden}, 600 + i);
    in[p + "gy"] = gy;
    in[p + "gh"] = gh;
    EXPECT_EQ(g.out.y.shape(), (c.batch_first ? Shape{c.B, c.T, D * c.hidden} : Shape{c.T, c.B, D * c.hidden}));
    Tensor loss = add(test::probe(g.out.y, gy), test::probe(g.out.h, gh));
    if (c.kind == RnnKind::LSTM) {
      Tensor gc = Tensor::randn({LD, c.B, c.hidden}, 700 + i);
      in[p + "gc"] = gc;
      loss = add(loss, test::probe(g.out.c, gc));
    }
    loss.backward();
    jc.push_back(args_of(cfg));
    got.push_back(std::move(g));
  }
  test::TensorMap ref = test::torch_ref("rnn", "cases", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Got& g = got[i];
    const std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE(std::string(rnn_kind_name(c.kind)) + " case " + std::to_string(i) + ": in " + std::to_string(c.in) +
                 " H " + std::to_string(c.hidden) + " L " + std::to_string(c.layers) + (c.bidir ? " bidir" : "") +
                 (c.batch_first ? " batch_first" : "") + " T " + std::to_string(c.T) + " B " + std::to_string(c.B));
    EXPECT_LE(test::rel_error(g.out.y, ref[p + "y"]), 1e-4);
    EXPECT_LE(test::rel_error(g.out.h, ref[p + "h"]), 1e-4);
    EXPECT_LE(test::rel_error(g.x.grad(), ref[p + "dx"]), 1e-4);
    EXPECT_LE(test::rel_error(g.h0.grad(), ref[p + "dh0"]), 1e-4);
    if (c.kind == RnnKind::LSTM) {
      EXPECT_LE(test::rel_error(g.out.c, ref[p + "c"]), 1e-4);
      EXPECT_LE(test::rel_error(g.c0.grad(), ref[p + "dc0"]), 1e-4);
    }
    for (auto& [n, t] : g.params) {
      SCOPED_TRACE(n);
      ASSERT_TRUE(t.grad().defined());
      EXPECT_LE(test::rel_error(t.grad(), ref[p + "d." + n]), 1e-4);
    }
  }
}

}  // namespace

// One PyTorch call for every LSTM and GRU case (the interpreter's start dominates).
TEST(OpsLstmGru, MatchForwardAndGradientsOfTorch) {
  std::vector<Case> cases;
  for (RnnKind k : {RnnKind::LSTM, RnnKind::GRU})
    for (Case c : std::vector<Case>{
             {k, 1, 1, 1, false, false, 1, 1},
             {k, 5, 7, 1, false, false, 9, 3},
             {k, 3, 11, 3, false, true, 6, 2},
             {k, 13, 5, 1, true, false, 7, 4},
             {k, 4, 9, 2, true, true, 5, 3},
             {k, 37, 33, 2, true, false, 12, 5},
         })
      cases.push_back(c);
  run_cases(cases);
}

TEST(OpsLstmGru, LoadStateDictsWrittenByPyTorch) {
  const std::string dir = test::temp_dir();
  Tensor x = Tensor::randn({5, 3, 6}, 9);
  nlohmann::json jc = nlohmann::json::array();
  std::vector<RnnConfig> cfgs;
  for (RnnKind kind : {RnnKind::LSTM, RnnKind::GRU}) {
    RnnConfig cfg;
    cfg.kind = kind;
    cfg.input_size = 6;
    cfg.hidden_size = 10;
    cfg.num_layers = 2;
    cfg.bidirectional = true;
    nlohmann::json a = args_of(cfg);
    a["path"] = dir + "/" + rnn_kind_name(kind) + ".safetensors";
    a["seed"] = 1234;
    jc.push_back(a);
    cfgs.push_back(cfg);
  }
  test::TensorMap ref = test::torch_ref("rnn", "write_state_dicts", {{"x", x}}, {{"cases", jc}});
  for (size_t i = 0; i < cfgs.size(); ++i) {
    const std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE(rnn_kind_name(cfgs[i].kind));
    io::SafetensorsFile f = io::SafetensorsFile::open(jc[i]["path"].get<std::string>());
    std::map<std::string, Tensor> params;
    for (const std::string& n : f.names()) params[n] = f.get(n);
    EXPECT_EQ(params.size(), rnn_parameter_shapes(cfgs[i]).size());
    RnnStackOutput out = rnn_forward(cfgs[i], params, x);
    EXPECT_LE(test::rel_error(out.y, ref[p + "y"]), 1e-4);
    EXPECT_LE(test::rel_error(out.h, ref[p + "h"]), 1e-4);
    if (cfgs[i].kind == RnnKind::LSTM) {
      EXPECT_LE(test::rel_error(out.c, ref[p + "c"]), 1e-4);
    }
  }
}

TEST(OpsLstm, GradientsAccumulateAndFrozenWeightsGetNone) {
  RnnConfig cfg;
  cfg.input_size = 3;
  cfg.hidden_size = 4;
  auto params = rnn_init(cfg, 1);
  params[0].second.set_requires_grad(false);  // weight_ih_l0 frozen
  std::map<std::string, Tensor> pm(params.begin(), params.end());
  Tensor x = Tensor::randn({2, 1, 3}, 2);
  Tensor g = Tensor::randn({2, 1, 4}, 3);
  test::probe(rnn_forward(cfg, pm, x).y, g).backward();
  EXPECT_FALSE(params[0].second.grad().defined());
  std::vector<float> once = params[1].second.grad().to_vector();
  test::probe(rnn_forward(cfg, pm, x).y, g).backward();
  std::vector<float> twice = params[1].second.grad().to_vector();
  for (size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(twice[i], 2 * once[i], 1e-5f * (1 + std::abs(once[i])));
  EXPECT_EQ(autograd::tape_size(), 0u);
}

TEST(OpsLstm, BadShapesAndMissingParametersAreNamed) {
  RnnConfig cfg;
  cfg.input_size = 3;
  cfg.hidden_size = 4;
  auto params = rnn_init(cfg, 1);
  std::map<std::string, Tensor> pm(params.begin(), params.end());
  try {
    rnn_forward(cfg, pm, Tensor::randn({2, 1, 5}, 1));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("x must be (T, B, 3)"), std::string::npos) << e.what();
  }
  pm.erase("bias_hh_l0");
  try {
    rnn_forward(cfg, pm, Tensor::randn({2, 1, 3}, 1));
    FAIL() << "expected a ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("bias_hh_l0 is missing"), std::string::npos) << e.what();
  }
  pm["bias_hh_l0"] = Tensor::zeros({15});
  EXPECT_THROW(rnn_forward(cfg, pm, Tensor::randn({2, 1, 3}, 1)), ShapeError);
  cfg.kind = RnnKind::GRU;
  EXPECT_THROW(gru_layer(Tensor::randn({2, 1, 3}, 1), Tensor::zeros({1, 4}), RnnWeights{params[0].second, params[1].second, {}, {}}),
               ShapeError);  // LSTM-sized (16, ·) weights are not a GRU's (12, ·)
}
