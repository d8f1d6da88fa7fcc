// Data loader orders: sequential against an independent numpy implementation of llm.c's
// rule (tests/reference/llmc_loader.py), shuffled coverage and seeding, bit-identical
// resume for both, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/error.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/data_loader.h"

using namespace lmf;
using train::DataLoader;
using train::Order;

namespace {

// Token i is i % modulus: a window's tokens then tell where it came from.
std::string make_shard(const std::string& dir, size_t n, uint32_t modulus = 1u << 30) {
  std::vector<TokenId> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = TokenId(i % modulus);
  data::write_token_shard(dir + "/s.bin", ids);
  return dir + "/s.bin";
}

// Inputs then targets of `steps` micro-batches.
std::vector<int32_t> run(DataLoader& dl, int steps) {
  const size_t bt = size_t(dl.B() * dl.T());
  std::vector<int32_t> out(2 * bt * size_t(steps));
  for (int s = 0; s < steps; ++s) dl.next(out.data() + 2 * bt * s, out.data() + 2 * bt * s + bt);
  return out;
}

}  // namespace

TEST(DataLoader, SequentialMatchesLlmcRule) {
  std::string dir = test::temp_dir();
  struct Case { size_t n; int B, T, steps; };
  // Exactly one batch (N = B*T+1), N a multiple of B*T (the last B*T tokens are never read),
  // a remainder of one token (the last batch just fits), a large remainder.
  for (Case c : {Case{13, 3, 4, 5}, Case{96, 4, 6, 10}, Case{1001, 4, 16, 40}, Case{100, 2, 7, 30}, Case{129, 8, 8, 5}}) {
    std::vector<TokenId> ids(c.n);
    for (size_t i = 0; i < c.n; ++i) ids[i] = TokenId((i * 7919) % 50257);
    data::write_token_shard(dir + "/s.bin", ids);
    std::string log;
    ASSERT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/llmc_loader.py") + " " + dir +
                                    "/s.bin " + std::to_string(c.B) + " " + std::to_string(c.T) + " " +
                                    std::to_string(c.steps) + " " + dir + "/want.i32 2>&1",
                                &log),
              0)
        << log;
    std::string want = io::read_file(dir + "/want.i32");
    DataLoader dl(data::TokenShard::open(dir + "/s.bin"), c.B, c.T, Order::Sequential, 0, 50257);
    auto got = run(dl, c.steps);
    ASSERT_EQ(want.size(), got.size() * 4) << "n=" << c.n;
    EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0) << "n=" << c.n << " B=" << c.B << " T=" << c.T;
    EXPECT_EQ(dl.batches_per_epoch(), int64_t((c.n - 1) / (c.B * c.T)));
  }
}

TEST(DataLoader, ShuffledCoversEveryWindowOncePerEpoch) {
  std::string dir = test::temp_dir();
  const int B = 3, T = 5;
  const size_t n = 5 * 20 + 3;  // W = floor(102 / 5) = 20 windows, 6 batches an epoch (2 left out)
  DataLoader dl(data::TokenShard::open(make_shard(dir, n)), B, T, Order::Shuffled, 42);
  EXPECT_EQ(dl.batches_per_epoch(), 6);
  std::vector<std::vector<int32_t>> epochs_starts(3);
  std::vector<int32_t> x(B * T), y(B * T);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(dl.state().epoch, e);
    for (int k = 0; k < 6; ++k) {
      dl.next(x.data(), y.data());
      for (int b = 0; b < B; ++b) {
        const int32_t start = x[b * T];
        EXPECT_EQ(start % T, 0);
        for (int t = 0; t < T; ++t) {
          EXPECT_EQ(x[b * T + t], start + t);
          EXPECT_EQ(y[b * T + t], start + t + 1);
        }
        epochs_starts[e].push_back(start / T);
      }
    }
    std::set<int32_t> distinct(epochs_starts[e].begin(), epochs_starts[e].end());
    EXPECT_EQ(distinct.size(), 18u);  // 18 different windows of the 20
    EXPECT_LT(*distinct.rbegin(), 20);
  }
  EXPECT_NE(epochs_starts[0], epochs_starts[1]);  // a fresh permutation each epoch
  std::vector<int32_t> sorted = epochs_starts[0];
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(sorted, epochs_starts[0]);  // not in file order

  DataLoader same(data::TokenShard::open(dir + "/s.bin"), B, T, Order::Shuffled, 42);
  DataLoader other(data::TokenShard::open(dir + "/s.bin"), B, T, Order::Shuffled, 43);
  auto a = run(same, 6), b = run(other, 6);
  std::vector<int32_t> first;
  DataLoader again(data::TokenShard::open(dir + "/s.bin"), B, T, Order::Shuffled, 42);
  EXPECT_EQ(run(again, 6), a);
  EXPECT_NE(a, b);
}

TEST(DataLoader, ResumeIsBitIdentical) {
  std::string dir = test::temp_dir();
  std::string path = make_shard(dir, 997, 50000);
  for (Order order : {Order::Sequential, Order::Shuffled}) {
    DataLoader straight(data::TokenShard::open(path), 4, 9, order, 7);
    auto want = run(straight, 80);  // several epochs
    DataLoader first(data::TokenShard::open(path), 4, 9, order, 7);
    auto head = run(first, 37);
    nlohmann::json saved = first.state().to_json();
    DataLoader second(data::TokenShard::open(path), 4, 9, order, 7);
    second.restore(train::LoaderState::from_json(nlohmann::json::parse(saved.dump())));
    auto tail = run(second, 43);
    head.insert(head.end(), tail.begin(), tail.end());
    EXPECT_EQ(head, want) << train::order_name(order);
    EXPECT_GT(second.state().epoch, 0);

    DataLoader wrong_shape(data::TokenShard::open(path), 2, 9, order, 7);
    EXPECT_THROW(wrong_shape.restore(first.state()), Error);
  }
  DataLoader seq(data::TokenShard::open(path), 4, 9, Order::Sequential);
  DataLoader shuf(data::TokenShard::open(path), 4, 9, Order::Shuffled, 7);
  EXPECT_THROW(seq.restore(shuf.state()), Error);
  EXPECT_THROW(train::LoaderState::from_json({{"order", "sequential"}}), FormatError);
}

TEST(DataLoader, TensorBatchesAreInt32BT) {
  std::string dir = test::temp_dir();
  DataLoader dl(data::TokenShard::open(make_shard(dir, 50)), 2, 3, Order::Sequential);
  Tensor x, y;
  dl.next(x, y);
  EXPECT_EQ(x.shape(), Shape({2, 3}));
  EXPECT_EQ(x.dtype(), DType::I32);
  EXPECT_EQ(x.to_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  int32_t* before = x.data<int32_t>();
  dl.next(x, y);
  EXPECT_EQ(x.data<int32_t>(), before);  // reused, not reallocated
  EXPECT_EQ(x.to_vector(), (std::vector<float>{6, 7, 8, 9, 10, 11}));
}

TEST(DataLoader, ErrorsNameTheFileAndNumbers) {
  std::string dir = test::temp_dir();
  std::string path = make_shard(dir, 12);
  try {
    DataLoader dl(data::TokenShard::open(path), 3, 4, Order::Sequential);
    FAIL() << "a shard of 12 tokens accepted for B=3, T=4";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("s.bin"), std::string::npos) << m;
    EXPECT_NE(m.find("B=3, T=4"), std::string::npos) << m;
    EXPECT_NE(m.find("12 tokens"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(DataLoader(data::TokenShard::open(path), 1, 11, Order::Shuffled));
  try {
    DataLoader dl(data::TokenShard::open(path), 1, 4, Order::Sequential, 0, 9);
    FAIL() << "id 9 accepted with vocab size 9";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("token id 9 at position 9"), std::string::npos) << m;
    EXPECT_NE(m.find("s.bin"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(DataLoader(data::TokenShard::open(path), 1, 4, Order::Sequential, 0, 12));
  EXPECT_THROW(train::parse_order("random"), Error);
}
