#include "eval/attribution.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/loss.h"

namespace lmf::eval {
namespace {

// Turns the parameters' gradients off for its lifetime, restoring each flag after.
class FrozenParameters {
 public:
  explicit FrozenParameters(Transformer& m) : model_(m) {
    for (Param& p : m.params()) {
      flags_.push_back(p.value.requires_grad());
      p.value.set_requires_grad(false);
    }
  }
  ~FrozenParameters() {
    for (size_t i = 0; i < flags_.size(); ++i) model_.params()[i].value.set_requires_grad(flags_[i]);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  Transformer& model_;
  std::vector<bool> flags_;
};

}  // namespace

InputGradients input_gradients(Transformer& model, const std::vector<int32_t>& ids, std::optional<int32_t> target,
                               ForwardTrace* trace) {
  const int64_t T = int64_t(ids.size()), C = model.config().n_embd, V = model.config().vocab_size;
  LMF_CHECK_SHAPE(T > 0, "input_gradients", "the prompt has no tokens");
  LMF_CHECK_SHAPE(!target || (*target >= 0 && *target < V), "input_gradients",
                  "target id " + std::to_string(target.value_or(0)) + " is outside the model's vocabulary of " +
                      std::to_string(V));
  FrozenParameters frozen(model);
  autograd::clear_tape();
  const Tensor id_tensor = Tensor::from_ints(ids, {1, T});
  InputGradients out;
  {
    autograd::NoGradGuard ng;
    out.embeddings = model.embed_tokens(id_tensor).reshape({T, C}).clone();
  }
  Tensor e = out.embeddings.reshape({1, T, C}).detach();
  e.set_requires_grad(true);
  ForwardOptions opt;
  opt.inputs_embeds = e;
  opt.trace = trace;
  const Tensor h = model.hidden(id_tensor, opt);                           // (1, T, C)
  const Tensor logits = model.lm_head(h.slice(1, T - 1, T).reshape({1, C}));  // (1, V)
  out.last_logits = logits.detach().to_vector();
  out.target = target ? *target
                      : int32_t(std::max_element(out.last_logits.begin(), out.last_logits.end()) -
                                out.last_logits.begin());
  const Tensor score = token_logprobs(logits, Tensor::from_ints({out.target}, {1}));  // (1)
  out.score = score.detach().item();
  autograd::backward(score);
  out.gradient = e.grad().reshape({T, C});
  const std::vector<float> ev = out.embeddings.to_vector(), gv = out.gradient.to_vector();
  for (int64_t t = 0; t < T; ++t) {
    double dot = 0, sq = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double g = gv[size_t(t * C + c)];
      dot += double(ev[size_t(t * C + c)]) * g;
      sq += g * g;
    }
    out.x_input.push_back(dot);
    out.norm.push_back(std::sqrt(sq));
  }
  return out;
}

}  // namespace lmf::eval
