// The order training takes its examples in: a seeded sampler of epochs over N items, shared
// by SFT (finetune/sft.h), DPO (align/dpo.h), reward training (align/reward_train.h) and
// PPO's prompts (align/ppo.h).
//
// The global order is an endless stream of indices, one epoch after another; each epoch is a
// permutation of 0..N-1, taken in full before the next begins, so a batch may span the end
// of one epoch and the start of the next.
//   shuffled    the first epoch is std::shuffle of 0, 1, ..., N-1 with a std::mt19937_64
//               seeded with `seed`; each later epoch is std::shuffle of the previous
//               epoch's order with the same engine.
//   sequential  0, 1, ..., N-1 every epoch; no random number is drawn.
// The stream depends only on (N, seed, order): the batch size does not change it.
//
// Distributed training: rank r of world_size takes, from each global batch of B indices (the
// next B of the stream), the contiguous slice [r·B/W, (r+1)·B/W). Every rank draws the same
// stream, so the ranks' slices of a batch are disjoint and together are the whole batch;
// world_size 1 takes the whole batch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "train/data_loader.h"  // Order, parse_order

namespace lmf::train {

class EpochSampler {
 public:
  // Error when n is 0, world_size < 1 or rank is outside [0, world_size).
  EpochSampler(size_t n, uint64_t seed, Order order = Order::Shuffled, int64_t rank = 0,
               int64_t world_size = 1);

  // This rank's slice of the next global batch of `batch` indices (batch / world_size of
  // them), into `out` (cleared first). Error unless batch is a positive multiple of world_size.
  void next_batch(int64_t batch, std::vector<size_t>& out);
  std::vector<size_t> next_batch(int64_t batch);

  // The next index of the global stream, the same on every rank: for a loop that takes
  // examples one at a time (SFT's packing).
  size_t next();

  // A fresh permutation of 0..k-1 (std::shuffle of 0, 1, ..., k-1) drawn from the sampler's
  // engine: for an order within a batch that shares the stream, as PPO's minibatches do.
  // Each call changes the orders of the epochs that follow.
  std::vector<size_t> permutation(size_t k);

  int64_t epochs_begun() const { return epochs_; }

 private:
  std::vector<size_t> order_;
  size_t cursor_;
  std::mt19937_64 rng_;
  Order mode_;
  int64_t rank_, world_;
  int64_t epochs_ = 0;
};

}  // namespace lmf::train
