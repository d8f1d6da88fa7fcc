// The shared epoch sampler: the stream equals the order SFT, DPO, reward training and PPO
// took before it existed (a std::mt19937_64 shuffling the previous epoch's order when it
// runs out), each epoch is a permutation, sequential is 0..N-1 again and again, the ranks'
// slices of every global batch are disjoint and cover it, the same seed gives the same
// order and another seed another, and bad arguments are errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "core/error.h"
#include "train/epoch_sampler.h"

using namespace lmf;
using train::EpochSampler;
using train::Order;

namespace {

// The loops' own order before the sampler: `count` indices over n items.
std::vector<size_t> old_order(size_t n, uint64_t seed, size_t count) {
  std::vector<size_t> order(n), out;
  std::iota(order.begin(), order.end(), size_t(0));
  std::mt19937_64 rng(seed);
  size_t cursor = order.size();
  while (out.size() < count) {
    if (cursor == order.size()) {
      std::shuffle(order.begin(), order.end(), rng);
      cursor = 0;
    }
    out.push_back(order[cursor++]);
  }
  return out;
}

std::vector<size_t> stream(EpochSampler& s, int64_t batch, int64_t batches) {
  std::vector<size_t> out;
  for (int64_t b = 0; b < batches; ++b) {
    const std::vector<size_t> idx = s.next_batch(batch);
    EXPECT_EQ(int64_t(idx.size()), batch);
    out.insert(out.end(), idx.begin(), idx.end());
  }
  return out;
}

}  // namespace

TEST(EpochSampler, EqualsTheOrderTheTrainingLoopsTookBefore) {
  for (size_t n : {1, 2, 7, 40, 243})
    for (uint64_t seed : {0ull, 7ull, 1337ull})
      for (int64_t batch : {1, 3, 8}) {
        SCOPED_TRACE("n " + std::to_string(n) + " seed " + std::to_string(seed) + " batch " + std::to_string(batch));
        EpochSampler s(n, seed);
        EXPECT_EQ(stream(s, batch, 25), old_order(n, seed, size_t(25 * batch)));
      }
  // One at a time (SFT's packing) is the same stream.
  EpochSampler s(40, 1337);
  std::vector<size_t> one;
  for (int i = 0; i < 130; ++i) one.push_back(s.next());
  EXPECT_EQ(one, old_order(40, 1337, 130));
  EXPECT_EQ(s.epochs_begun(), 4);
}

TEST(EpochSampler, PermutationDrawsFromTheSameEngine) {
  // PPO before the sampler: one engine for the prompt order and each update epoch's
  // minibatch order (std::shuffle of 0..B-1).
  const size_t n = 10, B = 4;
  std::vector<size_t> order(n), want_prompts, want_rows;
  std::iota(order.begin(), order.end(), size_t(0));
  std::mt19937_64 rng(99);
  size_t cursor = n;
  EpochSampler s(n, 99);
  std::vector<size_t> got_prompts, got_rows;
  for (int it = 0; it < 6; ++it) {
    for (size_t k = 0; k < B; ++k) {
      if (cursor == n) std::shuffle(order.begin(), order.end(), rng), cursor = 0;
      want_prompts.push_back(order[cursor++]);
    }
    const std::vector<size_t> got = s.next_batch(int64_t(B));
    got_prompts.insert(got_prompts.end(), got.begin(), got.end());
    for (int e = 0; e < 2; ++e) {
      std::vector<size_t> rows(B);
      std::iota(rows.begin(), rows.end(), size_t(0));
      std::shuffle(rows.begin(), rows.end(), rng);
      want_rows.insert(want_rows.end(), rows.begin(), rows.end());
      const std::vector<size_t> p = s.permutation(B);
      got_rows.insert(got_rows.end(), p.begin(), p.end());
    }
  }
  EXPECT_EQ(got_prompts, want_prompts);
  EXPECT_EQ(got_rows, want_rows);
}

TEST(EpochSampler, EveryEpochIsAPermutationAndSequentialCounts) {
  EpochSampler s(13, 5);
  std::vector<size_t> all = stream(s, 13, 4);
  std::vector<size_t> first(all.begin(), all.begin() + 13);
  for (int e = 0; e < 4; ++e) {
    std::vector<size_t> epoch(all.begin() + 13 * e, all.begin() + 13 * (e + 1));
    std::sort(epoch.begin(), epoch.end());
    for (size_t i = 0; i < 13; ++i) EXPECT_EQ(epoch[i], i) << "epoch " << e;
  }
  EXPECT_NE(first, std::vector<size_t>(all.begin() + 13, all.begin() + 26)) << "a new order each epoch";

  EpochSampler seq(5, 5, Order::Sequential);
  EXPECT_EQ(stream(seq, 3, 4), (std::vector<size_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}));
}

TEST(EpochSampler, SameSeedSameOrderOtherSeedAnother) {
  EpochSampler a(50, 3), b(50, 3), c(50, 4);
  const std::vector<size_t> sa = stream(a, 8, 20), sb = stream(b, 8, 20), sc = stream(c, 8, 20);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(EpochSampler, RanksTakeDisjointSlicesThatCoverEachGlobalBatch) {
  const size_t n = 37;
  for (int64_t world : {1, 2, 4}) {
    SCOPED_TRACE("world_size " + std::to_string(world));
    const int64_t batch = 8;
    EpochSampler whole(n, 11);
    std::vector<EpochSampler> ranks;
    for (int64_t r = 0; r < world; ++r) ranks.emplace_back(n, 11, Order::Shuffled, r, world);
    for (int step = 0; step < 30; ++step) {
      const std::vector<size_t> global = whole.next_batch(batch);
      std::vector<size_t> joined;
      for (EpochSampler& r : ranks) {
        const std::vector<size_t> part = r.next_batch(batch);
        ASSERT_EQ(int64_t(part.size()), batch / world);
        joined.insert(joined.end(), part.begin(), part.end());
      }
      EXPECT_EQ(joined, global) << "step " << step;  // in rank order, the global batch
      std::multiset<size_t> seen(joined.begin(), joined.end());
      std::multiset<size_t> want(global.begin(), global.end());
      EXPECT_EQ(seen, want);
    }
  }
  // Within an epoch no index repeats, so slices of a batch inside one epoch are disjoint.
  EpochSampler r0(16, 2, Order::Shuffled, 0, 2), r1(16, 2, Order::Shuffled, 1, 2);
  std::vector<size_t> a = r0.next_batch(16), b = r1.next_batch(16);
  std::set<size_t> u(a.begin(), a.end());
  u.insert(b.begin(), b.end());
  EXPECT_EQ(u.size(), 16u);
}

TEST(EpochSampler, BadArgumentsAreErrors) {
  EXPECT_THROW(EpochSampler(0, 1), Error);
  EXPECT_THROW(EpochSampler(5, 1, Order::Shuffled, 2, 2), Error);
  EXPECT_THROW(EpochSampler(5, 1, Order::Shuffled, -1, 2), Error);
  EXPECT_THROW(EpochSampler(5, 1, Order::Shuffled, 0, 0), Error);
  EpochSampler s(5, 1, Order::Shuffled, 0, 2);
  EXPECT_THROW(s.next_batch(3), Error);
  EXPECT_THROW(s.next_batch(0), Error);
  EXPECT_NO_THROW(s.next_batch(4));
}
