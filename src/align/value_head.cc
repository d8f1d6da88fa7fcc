#include "align/value_head.h"

#include <cmath>

#include "core/error.h"
#include "core/ops/matmul.h"
#include "io/safetensors.h"

namespace lmf::align {
namespace {
constexpr const char* kWeight = "v_head.summary.weight";
constexpr const char* kBias = "v_head.summary.bias";
}  // namespace

ValueHead::ValueHead(int64_t n_embd, uint64_t seed) {
  if (n_embd <= 0) throw Error("value head: model width must be positive, got " + std::to_string(n_embd));
  const float bound = 1.0f / std::sqrt(float(n_embd));
  weight_ = Tensor::rand({1, n_embd}, seed, -bound, bound);
  bias_ = Tensor::rand({1}, seed + 1, -bound, bound);
}

ValueHead ValueHead::load(const std::string& path, int64_t n_embd) {
  io::SafetensorsFile f = io::SafetensorsFile::open(path);
  ValueHead vh;
  for (const char* name : {kWeight, kBias}) {
    if (!f.contains(name)) throw FormatError(path + ": no tensor " + name);
    const Shape want = std::string(name) == kWeight ? Shape{1, n_embd} : Shape{1};
    if (f.shape(name) != want)
      throw FormatError(path + ": " + name + " has shape " + f.shape(name).str() + ", the model needs " + want.str());
  }
  vh.weight_ = f.get(kWeight).clone().detach();
  vh.bias_ = f.get(kBias).clone().detach();
  return vh;
}

void ValueHead::save(const std::string& path) const {
  io::save_safetensors(path, {{kWeight, weight_.detach()}, {kBias, bias_.detach()}}, {{"format", "pt"}});
}

// h (B, T, C) → (B, T).
Tensor ValueHead::forward(const Tensor& h) const {
  LMF_CHECK_SHAPE(h.dim() == 3 && h.size(2) == weight_.size(1), "value_head",
              "hidden states " + h.shape().str() + " must be (B, T, " + std::to_string(weight_.size(1)) + ")");
  return linear(h, weight_, bias_).reshape({h.size(0), h.size(1)});
}

std::vector<std::pair<std::string, Tensor>> ValueHead::tensors() const { return {{kWeight, weight_}, {kBias, bias_}}; }

void ValueHead::set_requires_grad(bool on) {
  weight_.set_requires_grad(on);
  bias_.set_requires_grad(on);
}

}  // namespace lmf::align
