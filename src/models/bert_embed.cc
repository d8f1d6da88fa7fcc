// BERT sentence vectors: padded batches, pooler or masked mean, L2 normalisation.
#include "models/bert_embed.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"

namespace lmf::models {

BertEmbedder::BertEmbedder(const std::string& model_dir, const std::string& tokenizer_spec, const std::string& pooling)
    : model_(Bert::load(model_dir)),
      tokenizer_(tok::Tokenizer::load(tokenizer_spec.empty() ? model_dir : tokenizer_spec)),
      specials_(bert_special_ids(tokenizer_, tokenizer_.name())) {
  if (pooling != "cls" && pooling != "mean")
    throw Error(model_dir + " is a BERT model: --pooling must be cls (the pooler output) or mean, not " + pooling);
  cls_ = pooling == "cls";
}

std::vector<int32_t> BertEmbedder::encode(const std::string& text, const std::string& where) const {
  std::vector<int32_t> ids{specials_.cls};
  for (TokenId t : tokenizer_.encode(text)) ids.push_back(int32_t(t));
  if (ids.size() == 1) throw Error(where + ": the text is empty");
  ids.push_back(specials_.sep);
  if (int64_t(ids.size()) > max_tokens())
    throw Error(where + ": the text has " + std::to_string(ids.size()) + " tokens with [CLS] and [SEP], more than the model's " +
                std::to_string(max_tokens()) + " positions");
  return ids;
}

std::vector<float> BertEmbedder::embed_ids(const std::vector<std::vector<int32_t>>& ids) const {
  autograd::NoGradGuard ng;
  constexpr size_t kBatch = 32;
  const int64_t C = dim();
  std::vector<float> out(ids.size() * size_t(C));
  for (size_t start = 0; start < ids.size(); start += kBatch) {
    const size_t n = std::min(kBatch, ids.size() - start);
    int64_t T = 0;
    for (size_t i = 0; i < n; ++i) T = std::max<int64_t>(T, int64_t(ids[start + i].size()));
    std::vector<int32_t> tokens(n * size_t(T), specials_.pad), mask(n * size_t(T), 0);
    for (size_t i = 0; i < n; ++i)
      for (size_t t = 0; t < ids[start + i].size(); ++t) {
        tokens[i * size_t(T) + t] = ids[start + i][t];
        mask[i * size_t(T) + t] = 1;
      }
    const BertInput in{Tensor::from_ints(tokens, {int64_t(n), T}), {}, Tensor::from_ints(mask, {int64_t(n), T})};
    const Tensor h = model_.encode(in);  // (n, T, C)
    const std::vector<float> v = cls_ ? model_.pooled(h).to_vector() : h.to_vector();
    for (size_t i = 0; i < n; ++i) {
      float* o = out.data() + (start + i) * size_t(C);
      if (cls_) {
        std::copy(v.begin() + std::ptrdiff_t(i * size_t(C)), v.begin() + std::ptrdiff_t((i + 1) * size_t(C)), o);
      } else {
        const size_t len = ids[start + i].size();
        std::vector<double> acc(size_t(C), 0.0);
        for (size_t t = 0; t < len; ++t)
          for (int64_t c = 0; c < C; ++c) acc[size_t(c)] += v[(i * size_t(T) + t) * size_t(C) + size_t(c)];
        for (int64_t c = 0; c < C; ++c) o[c] = float(acc[size_t(c)] / double(len));
      }
      double ss = 0;
      for (int64_t c = 0; c < C; ++c) ss += double(o[c]) * o[c];
      const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
      for (int64_t c = 0; c < C; ++c) o[c] = float(o[c] * inv);
    }
  }
  return out;
}

}  // namespace lmf::models
