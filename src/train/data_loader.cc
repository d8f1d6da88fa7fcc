#include "train/data_loader.h"

#include <utility>

#include "core/error.h"
#include "core/random.h"

namespace lmf::train {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string shape_text(int64_t B, int64_t T) {
  return "B=" + std::to_string(B) + ", T=" + std::to_string(T);
}

}  // namespace

const char* order_name(Order o) { return o == Order::Sequential ? "sequential" : "shuffled"; }

Order parse_order(const std::string& name) {
  if (name == "sequential") return Order::Sequential;
  if (name == "shuffled") return Order::Shuffled;
  throw Error("unknown data order '" + name + "' (expected sequential or shuffled)");
}

nlohmann::json LoaderState::to_json() const {
  return {{"order", order_name(order)}, {"seed", seed}, {"epoch", epoch}, {"position", position},
          {"index", index}, {"B", B}, {"T", T}, {"tokens", tokens}};
}

LoaderState LoaderState::from_json(const nlohmann::json& j) {
  LoaderState s;
  try {
    s.order = parse_order(j.at("order").get<std::string>());
    s.seed = j.at("seed").get<uint64_t>();
    s.epoch = j.at("epoch").get<int64_t>();
    s.position = j.at("position").get<int64_t>();
    s.index = j.at("index").get<int64_t>();
    s.B = j.at("B").get<int64_t>();
    s.T = j.at("T").get<int64_t>();
    s.tokens = j.at("tokens").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(std::string("data loader state: ") + e.what());
  }
  return s;
}

DataLoader::DataLoader(data::TokenShard shard, int64_t B, int64_t T, Order order, uint64_t seed, int64_t vocab_size)
    : shard_(std::move(shard)), B_(B), T_(T) {
  if (B < 1 || T < 1) throw Error("data loader for " + shard_.path() + ": " + shape_text(B, T) + " must be positive");
  const int64_t n = int64_t(shard_.size());
  if (n < B * T + 1)
    throw Error(shard_.path() + ": " + std::to_string(n) + " tokens are too few for one micro-batch of " +
                shape_text(B, T) + " (needs B*T+1 = " + std::to_string(B * T + 1) + ")");
  if (vocab_size > 0) {
    size_t at = shard_.find_id_at_least(uint32_t(std::min<int64_t>(vocab_size, UINT32_MAX)));
    if (at < shard_.size())
      throw Error(shard_.path() + ": token id " + std::to_string(shard_[at]) + " at position " + std::to_string(at) +
                  " is outside the vocabulary (size " + std::to_string(vocab_size) + ")");
  }
  state_.order = order;
  state_.seed = order == Order::Shuffled ? seed : 0;
  state_.B = B;
  state_.T = T;
  state_.tokens = n;
  if (order == Order::Shuffled) build_permutation();
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = int64_t(shard_.size());
  if (state_.order == Order::Sequential) return (n - 1) / (B_ * T_);
  return (n - 1) / T_ / B_;
}

void DataLoader::build_permutation() {
  const int64_t windows = (int64_t(shard_.size()) - 1) / T_;
  perm_.resize(size_t(windows));
  for (int64_t w = 0; w < windows; ++w) perm_[size_t(w)] = uint32_t(w);
  const uint64_t key = splitmix64(state_.seed ^ splitmix64(uint64_t(state_.epoch)));
  for (int64_t i = windows - 1; i > 0; --i) {  // Fisher-Yates: swap i with a uniform j in [0, i]
    uint32_t r[4];
    Philox::block(key, uint64_t(i), r);
    const uint64_t bits = (uint64_t(r[0]) << 32) | r[1];
    const int64_t j = int64_t(bits % uint64_t(i + 1));
    std::swap(perm_[size_t(i)], perm_[size_t(j)]);
  }
}

void DataLoader::next(int32_t* inputs, int32_t* targets) {
  const int64_t BT = B_ * T_;
  if (state_.order == Order::Sequential) {
    // inputs are tokens [p, p + BT), targets [p + 1, p + BT + 1)
    const size_t p = size_t(state_.position);
    shard_.read(p, size_t(BT), inputs);
    shard_.read(p + 1, size_t(BT), targets);
    state_.position += BT;
    if (state_.position + BT + 1 > int64_t(shard_.size())) {
      state_.position = 0;
      state_.epoch += 1;
    }
    return;
  }
  // row b is window perm[index + b]: inputs its first T tokens, targets its last T
  for (int64_t b = 0; b < B_; ++b) {
    const size_t start = size_t(perm_[size_t(state_.index + b)]) * size_t(T_);
    shard_.read(start, size_t(T_), inputs + b * T_);
    shard_.read(start + 1, size_t(T_), targets + b * T_);
  }
  state_.index += B_;
  if (state_.index + B_ > int64_t(perm_.size())) {
    state_.index = 0;
    state_.epoch += 1;
    build_permutation();
  }
}

void DataLoader::next(Tensor& inputs, Tensor& targets) {
  const Shape want({B_, T_});
  if (!inputs.defined() || inputs.dtype() != DType::I32 || inputs.shape() != want || !inputs.is_contiguous())
    inputs = Tensor::empty(want, DType::I32);
  if (!targets.defined() || targets.dtype() != DType::I32 || targets.shape() != want || !targets.is_contiguous())
    targets = Tensor::empty(want, DType::I32);
  next(inputs.data<int32_t>(), targets.data<int32_t>());
}

void DataLoader::restore(const LoaderState& s) {
  const std::string ctx = "cannot resume the data loader over " + shard_.path() + ": ";
  if (s.order != state_.order)
    throw Error(ctx + "the saved state is for the " + order_name(s.order) + " order, this run uses " +
                order_name(state_.order));
  if (s.B != B_ || s.T != T_)
    throw Error(ctx + "the saved state is for " + shape_text(s.B, s.T) + ", this run uses " + shape_text(B_, T_));
  if (s.tokens != int64_t(shard_.size()))
    throw Error(ctx + "the saved state is for a shard of " + std::to_string(s.tokens) + " tokens, this one has " +
                std::to_string(shard_.size()));
  const bool in_range = s.order == Order::Sequential
                            ? s.position >= 0 && s.position % (B_ * T_) == 0 && s.position + B_ * T_ + 1 <= s.tokens
                            : s.index >= 0 && s.index % B_ == 0 && s.index + B_ <= int64_t(perm_.size());
  if (!in_range || s.epoch < 0) throw Error(ctx + "the saved state " + s.to_json().dump() + " is out of range");
  const bool rebuild = s.order == Order::Shuffled && (s.epoch != state_.epoch || s.seed != state_.seed);
  state_ = s;
  if (rebuild) build_permutation();
}

}  // namespace lmf::train
