#include "eval/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/autograd.h"
#include "core/error.h"

namespace lmf::eval {

PerplexityResult evaluate_perplexity(const data::TokenShard& shard, int64_t T, int64_t B, const BatchLossFn& loss,
                                     int64_t max_windows) {
  if (T < 1 || B < 1)
    throw Error("perplexity over " + shard.path() + ": T=" + std::to_string(T) + " and B=" + std::to_string(B) +
                " must be positive");
  const int64_t n = int64_t(shard.size());
  int64_t windows = n >= 1 ? (n - 1) / T : 0;
  if (windows == 0)
    throw Error(shard.path() + ": " + std::to_string(n) + " tokens are too few to evaluate at T=" + std::to_string(T) +
                " (needs T+1 = " + std::to_string(T + 1) + ")");
  if (max_windows > 0) windows = std::min(windows, max_windows);

  Tensor full_x = Tensor::empty({B, T}, DType::I32), full_y = Tensor::empty({B, T}, DType::I32);
  double sum = 0;  // sum of per-target losses
  for (int64_t first = 0; first < windows; first += B) {
    const int64_t b = std::min(B, windows - first);
    Tensor x = b == B ? full_x : Tensor::empty({b, T}, DType::I32);
    Tensor y = b == B ? full_y : Tensor::empty({b, T}, DType::I32);
    // row r is window first + r: inputs ids[iT : iT+T], targets ids[iT+1 : iT+T+1]
    for (int64_t r = 0; r < b; ++r) {
      const size_t start = size_t((first + r) * T);
      shard.read(start, size_t(T), x.data<int32_t>() + r * T);
      shard.read(start + 1, size_t(T), y.data<int32_t>() + r * T);
    }
    const double mean = loss(x, y);
    if (!std::isfinite(mean))
      throw Error("perplexity over " + shard.path() + ": the loss of windows [" + std::to_string(first) + ", " +
                  std::to_string(first + b) + ") is " + std::to_string(mean));
    sum += mean * double(b * T);
  }
  PerplexityResult r;
  r.tokens = windows * T;
  r.loss = sum / double(r.tokens);
  r.ppl = std::exp(r.loss);
  return r;
}

PerplexityResult model_perplexity(Transformer& model, const std::string& shard_path, int64_t T, int64_t B,
                                  int64_t max_windows) {
  const int64_t context = model.config().n_positions;
  if (T <= 0) T = context;
  if (T > context)
    throw Error("window length " + std::to_string(T) + " exceeds the model's context length " + std::to_string(context));
  data::TokenShard shard = data::TokenShard::open(shard_path);
  autograd::NoGradGuard no_grad;
  return evaluate_perplexity(
      shard, T, B, [&](const Tensor& x, const Tensor& y) { return double(model.loss(x, y).item()); }, max_windows);
}

}  // namespace lmf::eval
