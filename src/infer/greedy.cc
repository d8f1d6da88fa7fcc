#include "infer/greedy.h"

#include <algorithm>

#include "core/autograd.h"

namespace lmf {

std::vector<int32_t> greedy_reply(Transformer& model, const std::vector<int32_t>& prompt, int64_t max_new,
                                  const std::vector<int32_t>& stop) {
  autograd::NoGradGuard ng;
  std::vector<int32_t> seq = prompt, out;
  const int64_t V = model.config().vocab_size, limit = model.config().n_positions;
  for (int64_t i = 0; i < max_new && int64_t(seq.size()) < limit; ++i) {
    Tensor h = model.hidden(Tensor::from_ints(seq, {1, int64_t(seq.size())}));  // (1, T, C)
    Tensor logits = model.lm_head(h.slice(1, h.size(1) - 1, h.size(1))).contiguous();  // (1, 1, V)
    const float* l = logits.f32();
    int32_t best = int32_t(std::max_element(l, l + V) - l);
    seq.push_back(best);
    out.push_back(best);
    if (!stop.empty() && out.size() >= stop.size() && std::equal(stop.begin(), stop.end(), out.end() - int64_t(stop.size())))
      break;
  }
  return out;
}

}  // namespace lmf
