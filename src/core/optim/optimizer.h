// Optimizer: what every optimizer in src/core/optim/ shares — parameter groups, the
// step/zero_grad/learning-rate interface, and state export for checkpoints.
//
// A parameter group is a list of named parameters with its own weight decay (as a
// torch.optim param_group). decay_groups() builds the usual two groups from a model's
// named parameters: weight decay on tensors with 2 or more dims (matrices, embeddings),
// none on vectors (biases, norm gains).
//
// State (step counts, moment buffers) is exported as named tensors "<param>.<buffer>",
// e.g. "h.0.attn.w.exp_avg", so a trainer can save it as safetensors beside the model and
// load it back; a resumed run then continues bit for bit as if it had never stopped.
// Parameters that have not yet had a step have no state, as in PyTorch.
#pragma once
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::optim {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct ParamGroup {
  NamedTensors params;  // each a leaf fp32 tensor that requires grad
  double weight_decay = 0.0;
};

// Two groups from `named`: {dim >= 2, weight_decay} then {dim < 2, 0}. Tensors that do
// not require grad (frozen weights) are left out. Empty groups are dropped.
std::vector<ParamGroup> decay_groups(const NamedTensors& named, double weight_decay);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Updates every parameter that has a gradient; parameters without one are skipped
  // (their state does not advance), as in PyTorch.
  virtual void step() = 0;
  // The learning rate used by the next step() (a schedule sets it before each step).
  virtual void set_lr(double lr) = 0;
  virtual double lr() const = 0;
  // The live state buffers by name (not copies: save them before the next step).
  virtual NamedTensors state() const = 0;
  // Replaces the state with `st` (as written by state()); names must belong to this
  // optimizer's parameters and shapes must match, else an Error naming the tensor.
  // Parameters absent from `st` start fresh.
  virtual void load_state(const NamedTensors& st) = 0;
  // Drops every parameter's gradient.
  void zero_grad();
  const std::vector<ParamGroup>& groups() const { return groups_; }

 protected:
  // Checks that every parameter is a defined fp32 tensor with a unique name.
  explicit Optimizer(std::vector<ParamGroup> groups, const char* name);
  // Index in slots_ of the parameter called `name`, or -1.
  int find_param(const std::string& name) const;
  // All parameters of all groups in order, with their group's index.
  struct Slot {
    std::string name;
    Tensor param;
    int group;
  };
  std::vector<ParamGroup> groups_;
  std::vector<Slot> slots_;
  std::unordered_map<std::string, int> index_;
};

// Helpers for state export and import, shared by the optimizers.
// A step count as an i64 scalar tensor, and back (i64 or f32 accepted; Error naming
// `what` and `name` when it is not a non-negative integer scalar).
Tensor step_tensor(int64_t step);
int64_t step_value(const Tensor& t, const char* what, const std::string& name);
// A contiguous fp32 copy of state buffer `t`, which must have `param`'s shape.
Tensor buffer_copy(const Tensor& t, const Tensor& param, const char* what, const std::string& name);
// Splits a state tensor name "<param>.<buffer>" at its last dot; throws an Error naming
// `what` (the optimizer) and the name when there is no dot.
std::pair<std::string, std::string> split_state_name(const std::string& name, const char* what);

}  // namespace lmf::optim
