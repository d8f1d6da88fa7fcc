// The value head of PPO: a scalar estimate of the return at every position, read from the
// policy's final hidden states (after the last norm) — TRL's
// AutoModelForCausalLMWithValueHead, whose ValueHead is a Linear(C, 1) with bias.
//
//   h (B, T, C) → v (B, T),  v = h·wᵀ + b,  w (1, C), b (1)
//
// Saved beside the policy as value_head.safetensors with TRL's names
// ("v_head.summary.weight" (1, C), "v_head.summary.bias" (1)); loading checks both names
// and shapes against the model width and names the file on a mismatch.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::align {

class ValueHead {
 public:
  // torch.nn.Linear's default initialisation: w and b uniform in ±1/√C, from `seed`.
  ValueHead(int64_t n_embd, uint64_t seed);
  // The head stored in `path` (value_head.safetensors) for a model of width n_embd.
  static ValueHead load(const std::string& path, int64_t n_embd);
  void save(const std::string& path) const;  // atomically

  Tensor forward(const Tensor& h) const;  // (B, T, C) → (B, T)
  std::vector<std::pair<std::string, Tensor>> tensors() const;  // the trainable weight and bias
  void set_requires_grad(bool on);
  int64_t n_embd() const { return weight_.size(1); }

 private:
  ValueHead() = default;
  Tensor weight_, bias_;
};

}  // namespace lmf::align
