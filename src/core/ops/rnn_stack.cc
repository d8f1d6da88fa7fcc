// Multi-layer, bidirectional LSTM/GRU stacks over the single-layer ops, with PyTorch's names.
#include "core/ops/rnn_stack.h"

#include <cmath>

#include "core/ops/concat.h"
#include "core/ops/gru.h"
#include "core/ops/lstm.h"
#include "core/random.h"

namespace lmf {
namespace {

int64_t gates(RnnKind k) { return k == RnnKind::LSTM ? 4 : 3; }
int64_t directions(const RnnConfig& c) { return c.bidirectional ? 2 : 1; }

std::string suffix(int64_t layer, int64_t dir) {
  return "_l" + std::to_string(layer) + (dir ? "_reverse" : "");
}

void check_config(const RnnConfig& c) {
  LMF_CHECK_SHAPE(c.input_size > 0 && c.hidden_size > 0 && c.num_layers > 0, rnn_kind_name(c.kind),
                  "input_size, hidden_size and num_layers must be positive, got " + std::to_string(c.input_size) +
                      ", " + std::to_string(c.hidden_size) + ", " + std::to_string(c.num_layers));
}

// The (L·D, B, H) state's entry k as (B, H), or zeros when the state is undefined.
Tensor state_entry(const Tensor& s, int64_t k, int64_t B, int64_t H) {
  if (!s.defined()) return Tensor::zeros({B, H});
  return s.slice(0, k, k + 1).reshape({B, H});
}

void check_state(const char* op, const char* name, const Tensor& s, int64_t LD, int64_t B, int64_t H) {
  if (!s.defined()) return;
  check_f32(s, op, name);
  LMF_CHECK_SHAPE((s.shape() == Shape{LD, B, H}), op,
                  std::string(name) + " must be (num_layers·directions, B, H) = " + Shape{LD, B, H}.str() + ", got " +
                      s.shape().str());
}

}  // namespace

const char* rnn_kind_name(RnnKind k) { return k == RnnKind::LSTM ? "lstm" : "gru"; }

RnnKind rnn_kind_from(const std::string& name, const std::string& what) {
  if (name == "lstm") return RnnKind::LSTM;
  if (name == "gru") return RnnKind::GRU;
  throw Error(what + ": unknown recurrent cell '" + name + "' (expected lstm or gru)");
}

std::vector<std::pair<std::string, Shape>> rnn_parameter_shapes(const RnnConfig& cfg) {
  check_config(cfg);
  const int64_t GH = gates(cfg.kind) * cfg.hidden_size, H = cfg.hidden_size, D = directions(cfg);
  std::vector<std::pair<std::string, Shape>> out;
  for (int64_t l = 0; l < cfg.num_layers; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const std::string s = suffix(l, d);
      out.push_back({"weight_ih" + s, Shape{GH, l == 0 ? cfg.input_size : D * H}});
      out.push_back({"weight_hh" + s, Shape{GH, H}});
      if (cfg.bias) {
        out.push_back({"bias_ih" + s, Shape{GH}});
        out.push_back({"bias_hh" + s, Shape{GH}});
      }
    }
  return out;
}

std::vector<std::pair<std::string, Tensor>> rnn_init(const RnnConfig& cfg, uint64_t seed, const std::string& prefix) {
  const float k = 1.0f / std::sqrt(float(cfg.hidden_size));
  std::vector<std::pair<std::string, Tensor>> out;
  uint64_t i = 0;
  for (auto& [name, shape] : rnn_parameter_shapes(cfg)) {
    Tensor t = Tensor::rand(shape, seed + 7919 * ++i, -k, k);
    t.set_requires_grad(true);
    out.push_back({prefix + name, t});
  }
  return out;
}

RnnStackOutput rnn_forward(const RnnConfig& cfg, const std::map<std::string, Tensor>& params, const Tensor& x_in,
                           const Tensor& h0, const Tensor& c0, const std::string& prefix) {
  const char* op = rnn_kind_name(cfg.kind);
  for (auto& [name, shape] : rnn_parameter_shapes(cfg)) {
    auto it = params.find(prefix + name);
    LMF_CHECK_SHAPE(it != params.end(), op, "parameter " + prefix + name + " is missing");
    check_f32(it->second, op, (prefix + name).c_str());
    LMF_CHECK_SHAPE(it->second.shape() == shape, op,
                    "parameter " + prefix + name + " must be " + shape.str() + ", got " + it->second.shape().str());
  }
  check_f32(x_in, op, "x");
  LMF_CHECK_SHAPE(x_in.dim() == 3 && x_in.size(2) == cfg.input_size, op,
                  std::string("x must be ") + (cfg.batch_first ? "(B, T, " : "(T, B, ") +
                      std::to_string(cfg.input_size) + "), got " + x_in.shape().str());
  const Tensor x = cfg.batch_first ? x_in.transpose(0, 1).contiguous() : x_in;  // (T, B, In)
  const int64_t B = x.size(1), H = cfg.hidden_size, D = directions(cfg), LD = cfg.num_layers * D;
  check_state(op, "h0", h0, LD, B, H);
  LMF_CHECK_SHAPE(cfg.kind == RnnKind::LSTM || !c0.defined(), op, "a GRU has no cell state c0");
  if (cfg.kind == RnnKind::LSTM) check_state(op, "c0", c0, LD, B, H);

  auto param = [&](const std::string& name) -> Tensor {
    auto it = params.find(prefix + name);
    return it == params.end() ? Tensor() : it->second;
  };
  Tensor layer_in = x;
  std::vector<Tensor> hs, cs;
  for (int64_t l = 0; l < cfg.num_layers; ++l) {
    std::vector<Tensor> ys;
    for (int64_t d = 0; d < D; ++d) {
      const std::string s = suffix(l, d);
      const int64_t k = l * D + d;
      RnnWeights w{param("weight_ih" + s), param("weight_hh" + s), param("bias_ih" + s), param("bias_hh" + s)};
      if (cfg.kind == RnnKind::LSTM) {
        LstmOutput o = lstm_layer(layer_in, state_entry(h0, k, B, H), state_entry(c0, k, B, H), w, d == 1);
        ys.push_back(o.y);
        hs.push_back(o.h.reshape({1, B, H}));
        cs.push_back(o.c.reshape({1, B, H}));
      } else {
        GruOutput o = gru_layer(layer_in, state_entry(h0, k, B, H), w, d == 1);
        ys.push_back(o.y);
        hs.push_back(o.h.reshape({1, B, H}));
      }
    }
    layer_in = D == 1 ? ys[0] : concat(ys, 2);  // (T, B, D·H)
  }
  RnnStackOutput out;
  out.y = cfg.batch_first ? layer_in.transpose(0, 1).contiguous() : layer_in;
  out.h = LD == 1 ? hs[0] : concat(hs, 0);
  if (cfg.kind == RnnKind::LSTM) out.c = LD == 1 ? cs[0] : concat(cs, 0);
  return out;
}

}  // namespace lmf
