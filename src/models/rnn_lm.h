// A recurrent language model: token embedding → LSTM or GRU stack → linear decoder to the
// vocabulary, with the parameter names of PyTorch's word-language-model example
// (examples/word_language_model, RNNModel):
//
//   encoder.weight (V, E)                     nn.Embedding
//   rnn.weight_ih_l{k}, rnn.weight_hh_l{k},   nn.LSTM / nn.GRU (core/ops/rnn_stack.h),
//   rnn.bias_ih_l{k}, rnn.bias_hh_l{k}        sequence-major (batch_first = False)
//   decoder.weight (V, H), decoder.bias (V)   nn.Linear
//
// so `model.safetensors` is that module's state dict and loads into it with
// load_state_dict. A model directory holds config.json (model_type "rnn_lm", rnn_type
// "LSTM" or "GRU", vocab_size, embedding_size, hidden_size, num_layers) and
// model.safetensors, both written atomically; loading checks every name and shape and
// raises FormatError naming the file and the tensor or field.
//
// forward(ids (T, B), state) → logits (T, B, V), and `state` becomes the final hidden
// state (h, and c for an LSTM, each (L, B, H)); an undefined state means zeros. The
// state stays attached to the graph: truncated BPTT detaches it between chunks.
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

struct RnnLmConfig {
  RnnKind kind = RnnKind::LSTM;
  int64_t vocab_size = 0;
  int64_t embedding_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 1;

  nlohmann::json to_json() const;
  // FormatError naming `what` and the field when one is missing or out of range.
  static RnnLmConfig from_json(const nlohmann::json& j, const std::string& what);
  RnnConfig rnn() const;
};

class RnnLm {
 public:
  struct State {
    Tensor h, c;  // (L, B, H); c for an LSTM only
  };

  // Fresh weights from `seed`: encoder and decoder weights U(−0.1, 0.1), decoder bias 0 (as
  // the PyTorch example), the recurrent stack as torch.nn.LSTM/GRU initialise theirs.
  static RnnLm init(const RnnLmConfig& cfg, uint64_t seed);
  // From named tensors (e.g. a state dict); Error naming a missing or misshapen tensor.
  static RnnLm from_tensors(const RnnLmConfig& cfg, const std::map<std::string, Tensor>& tensors,
                            const std::string& what);
  static RnnLm load(const std::string& dir);
  void save(const std::string& dir) const;

  const RnnLmConfig& config() const { return cfg_; }
  // In state-dict order; each a leaf that requires grad.
  const std::vector<std::pair<std::string, Tensor>>& parameters() const { return params_; }
  int64_t parameter_count() const;

  // ids (T, B) I32 → logits (T, B, V); see the header comment for `state`.
  Tensor forward(const Tensor& ids, State& state) const;

 private:
  RnnLmConfig cfg_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::map<std::string, Tensor> by_name_;
};

}  // namespace lmf::models
