#include "train/epoch_sampler.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/error.h"

namespace lmf::train {

EpochSampler::EpochSampler(size_t n, uint64_t seed, Order order, int64_t rank, int64_t world_size)
    : order_(n), cursor_(n), rng_(seed), mode_(order), rank_(rank), world_(world_size) {
  if (n == 0) throw Error("epoch sampler: no items to sample");
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw Error("epoch sampler: rank " + std::to_string(rank) + " is not in [0, world_size " +
                std::to_string(world_size) + ")");
  std::iota(order_.begin(), order_.end(), size_t(0));
}

size_t EpochSampler::next() {
  if (cursor_ == order_.size()) {
    if (mode_ == Order::Shuffled) std::shuffle(order_.begin(), order_.end(), rng_);
    cursor_ = 0;
    ++epochs_;
  }
  return order_[cursor_++];
}

void EpochSampler::next_batch(int64_t batch, std::vector<size_t>& out) {
  if (batch <= 0 || batch % world_ != 0)
    throw Error("epoch sampler: a batch of " + std::to_string(batch) + " does not split over " +
                std::to_string(world_) + " ranks (it must be a positive multiple of world_size)");
  out.clear();
  const int64_t share = batch / world_, begin = rank_ * share;
  for (int64_t i = 0; i < batch; ++i) {
    const size_t k = next();
    if (i >= begin && i < begin + share) out.push_back(k);
  }
}

std::vector<size_t> EpochSampler::next_batch(int64_t batch) {
  std::vector<size_t> out;
  next_batch(batch, out);
  return out;
}

std::vector<size_t> EpochSampler::permutation(size_t k) {
  std::vector<size_t> p(k);
  std::iota(p.begin(), p.end(), size_t(0));
  std::shuffle(p.begin(), p.end(), rng_);
  return p;
}

}  // namespace lmf::train
