// An ELMo-style bidirectional language model (Peters et al. 2018): one token embedding read
// by a forward LSTM language model and by a backward one, which reads the sequence reversed;
// both directions share one linear softmax layer (as ELMo ties its softmax across directions).
// Parameter names are those of a PyTorch module holding
//
//   encoder.weight (V, H)                          nn.Embedding
//   forward_lstm.{weight_ih,weight_hh,bias_ih,bias_hh}_l{k}    nn.LSTM(H, H, L)
//   backward_lstm.{weight_ih,weight_hh,bias_ih,bias_hh}_l{k}   nn.LSTM(H, H, L)
//   decoder.weight (V, H), decoder.bias (V)        nn.Linear, shared by both directions
//   scalar_mix.weight (L + 1), scalar_mix.gamma (1)   the layer mix below
//
// so `model.safetensors` loads into such a module with load_state_dict. The embedding size is
// the hidden size H, so that every layer has the same width.
//
// loss(window (T + 1, B)): the forward LM reads rows [0, T) and predicts rows [1, T + 1); the
// backward LM reads rows T, T − 1, …, 1 and predicts rows T − 1, …, 0; the loss is the mean of
// the two directions' mean next-token cross-entropies. Both start from zero states.
//
// layers(ids (T, B)) → L + 1 tensors (T, B, 2H): layer 0 is the embedding duplicated
// [x_t; x_t], layer k the forward LSTM's layer-k state at t concatenated with the backward
// LSTM's layer-k state at t (which has read tokens T − 1 down to t).
// mix(layers) = γ · Σ_j softmax(s)_j · layer_j (Peters et al. eq. 1), s = scalar_mix.weight,
// γ = scalar_mix.gamma; a fresh model has s = 0 (equal weights) and γ = 1. The language-model
// loss does not involve the mix; a downstream task learns s and γ.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/ops/rnn_stack.h"
#include "core/tensor.h"

namespace lmf::models {

struct BiLmConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;  // also the embedding size
  int64_t num_layers = 1;

  nlohmann::json to_json() const;  // model_type "bilm"
  // FormatError naming `what` and the field when one is missing or out of range.
  static BiLmConfig from_json(const nlohmann::json& j, const std::string& what);
  RnnConfig lstm() const;
};

class BiLm {
 public:
  // Fresh weights from `seed`: encoder and decoder weights U(−0.1, 0.1), decoder bias 0, each
  // LSTM as torch.nn.LSTM initialises it (core/ops/rnn_stack.h), s = 0, γ = 1.
  static BiLm init(const BiLmConfig& cfg, uint64_t seed);
  // From named tensors; FormatError naming a missing, unexpected or misshapen tensor.
  static BiLm from_tensors(const BiLmConfig& cfg, const std::map<std::string, Tensor>& tensors,
                           const std::string& what);
  static BiLm load(const std::string& dir);
  void save(const std::string& dir) const;  // config.json and model.safetensors, atomically

  const BiLmConfig& config() const { return cfg_; }
  // The language model's parameters (not the mix), in state-dict order, each requiring grad.
  const std::vector<std::pair<std::string, Tensor>>& parameters() const { return params_; }
  int64_t parameter_count() const;

  // window (T + 1, B) I32, T ≥ 1 → scalar loss; see the header comment.
  Tensor loss(const Tensor& window) const;
  // ids (T, B) I32 → L + 1 tensors (T, B, 2H), computed without gradients.
  std::vector<Tensor> layers(const Tensor& ids) const;
  // L + 1 tensors (T, B, 2H) → (T, B, 2H).
  Tensor mix(const std::vector<Tensor>& layers) const;

 private:
  BiLmConfig cfg_;
  std::vector<std::pair<std::string, Tensor>> params_;  // LM parameters
  std::map<std::string, Tensor> by_name_;               // all tensors, the mix included
};

}  // namespace lmf::models
