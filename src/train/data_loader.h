// Micro-batches of next-token training data from one token shard.
//
// Each call to next() fills inputs and targets, both (B, T) int32, from the shard's
// memory mapping (no copy of the shard is made). Two orders:
//
//  sequential — llm.c's rule exactly: a micro-step reads the B·T+1 tokens starting at
//    position p; inputs are the first B·T of them, targets the same shifted by one.
//    p starts at 0, advances by B·T, and returns to 0 (epoch + 1) when fewer than B·T+1
//    tokens remain from p.
//
//  shuffled — the shard is cut into W = floor((N-1) / T) windows; window w is the T+1
//    tokens starting at w·T (windows overlap by the one token that is both the last
//    target of w and the first input of w+1, so every token is a target exactly once).
//    Epoch e visits the windows in a seeded permutation (Fisher-Yates driven by Philox
//    keyed on (seed, e)); micro-batch k of the epoch takes permutation entries
//    [k·B, k·B + B) as its B rows. When fewer than B entries remain the epoch ends
//    (those windows are left out of it) and epoch e+1 starts with a fresh permutation.
//    The order depends only on (seed, N, T, B), never on threads or timing.
//
// The loader's whole state is LoaderState (order, seed, epoch, position or index);
// restore(state()) continues with exactly the batches the original would have produced.
//
// Errors: a shard too small for one micro-batch (N < B·T+1), an id >= vocab_size
// (checked over the whole shard when the loader is built) and a state from another
// order or shape are lmf::Error naming the file and the numbers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "data/token_shard.h"

namespace lmf::train {

enum class Order { Sequential, Shuffled };

// "sequential" / "shuffled" and back; Error naming the text otherwise.
const char* order_name(Order o);
Order parse_order(const std::string& name);

struct LoaderState {
  Order order = Order::Sequential;
  uint64_t seed = 0;       // shuffled only
  int64_t epoch = 0;       // completed passes over the shard
  int64_t position = 0;    // sequential: token position p of the next micro-batch
  int64_t index = 0;       // shuffled: next entry of the epoch's permutation
  int64_t B = 0, T = 0;    // the shape the state belongs to
  int64_t tokens = 0;      // the shard's token count, to catch a different shard on resume

  nlohmann::json to_json() const;
  static LoaderState from_json(const nlohmann::json& j);  // Error naming the missing field
};

class DataLoader {
 public:
  // vocab_size > 0 checks every id of the shard against it.
  DataLoader(data::TokenShard shard, int64_t B, int64_t T, Order order, uint64_t seed = 0, int64_t vocab_size = 0);

  int64_t B() const { return B_; }
  int64_t T() const { return T_; }
  const data::TokenShard& shard() const { return shard_; }
  // Micro-batches in one epoch: sequential floor((N-1) / (B·T)), shuffled floor(W / B).
  int64_t batches_per_epoch() const;

  // Fills inputs and targets, each B·T int32 in row-major (B, T) order, and advances.
  void next(int32_t* inputs, int32_t* targets);
  // Same into int32 tensors of shape (B, T), allocated when undefined or of another shape.
  void next(Tensor& inputs, Tensor& targets);

  LoaderState state() const { return state_; }
  // Continues from a state saved by a loader over the same shard, order, B and T.
  void restore(const LoaderState& s);

 private:
  void build_permutation();  // the permutation of the current epoch (shuffled)

  data::TokenShard shard_;
  int64_t B_, T_;
  LoaderState state_;
  std::vector<uint32_t> perm_;  // shuffled: window order of state_.epoch
};

}  // namespace lmf::train
