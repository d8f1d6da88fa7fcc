// Multi-layer, optionally bidirectional LSTM and GRU stacks, as torch.nn.LSTM / torch.nn.GRU
// compute them and with their parameter names, so a PyTorch state dict loads as is.
//
//   parameters, in PyTorch's state_dict order, for layer k and direction suffix "" or
//   "_reverse":  weight_ih_l{k}{sfx} (G·H, In_k)   weight_hh_l{k}{sfx} (G·H, H)
//                bias_ih_l{k}{sfx} (G·H)           bias_hh_l{k}{sfx} (G·H)
//   G = 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n); In_0 = input_size, In_k = D·H after,
//   D = 2 when bidirectional, else 1.
//
//   rnn_forward(cfg, params, x, h0, c0)
//     x  (T, B, In), or (B, T, In) when cfg.batch_first
//     h0 (L·D, B, H), c0 (L·D, B, H) (LSTM only); undefined means zeros
//     → y (T, B, D·H) (or (B, T, D·H)): the last layer's states, forward then backward half
//       h (L·D, B, H), c (L·D, B, H) (LSTM; undefined for GRU): the final states, entry
//       k·D + d for layer k, direction d (the backward direction's final state is at t = 0)
//
// Each layer-direction is one autograd node (core/ops/lstm.h, core/ops/gru.h); layers are
// joined with concat, so gradients reach x, h0, c0 and every parameter. No dropout between
// layers (PyTorch's dropout = 0) and no projection (proj_size = 0). A missing parameter or
// one of the wrong shape is a ShapeError naming it.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/ops/gru.h"
#include "core/ops/lstm.h"
#include "core/tensor.h"

namespace lmf {

enum class RnnKind { LSTM, GRU };

struct RnnConfig {
  RnnKind kind = RnnKind::LSTM;
  int64_t input_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 1;
  bool bidirectional = false;
  bool bias = true;
  bool batch_first = false;
};

// "lstm" / "gru" and back (Error for anything else, naming `what`).
const char* rnn_kind_name(RnnKind k);
RnnKind rnn_kind_from(const std::string& name, const std::string& what);

// The parameters' names and shapes, in torch's state_dict order.
std::vector<std::pair<std::string, Shape>> rnn_parameter_shapes(const RnnConfig& cfg);

// Fresh parameters as PyTorch initialises them: every entry U(−1/√H, 1/√H) (a counter-based
// generator from `seed`, so not PyTorch's numbers), requiring grad. Names prefixed by `prefix`.
std::vector<std::pair<std::string, Tensor>> rnn_init(const RnnConfig& cfg, uint64_t seed,
                                                     const std::string& prefix = "");

struct RnnStackOutput {
  Tensor y, h, c;
};

// `params` maps prefix + PyTorch name to tensor.
RnnStackOutput rnn_forward(const RnnConfig& cfg, const std::map<std::string, Tensor>& params, const Tensor& x,
                           const Tensor& h0 = {}, const Tensor& c0 = {}, const std::string& prefix = "");

}  // namespace lmf
