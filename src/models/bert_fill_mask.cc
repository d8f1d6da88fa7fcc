// Fill-mask: encode, one forward pass, top-k at each [MASK], HF's output shape.
#include "models/bert_fill_mask.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/autograd.h"

namespace lmf::models {
namespace {

Bert load_bert(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw Error(dir + ": no such model directory");
  if (!is_bert_dir(dir))
    throw Error(dir + "/config.json: not a BERT model (fill-mask needs model_type \"bert\", e.g. from `lmforge train --arch bert`)");
  return Bert::load(dir);
}

}  // namespace

FillMasker::FillMasker(const std::string& model_dir, const std::string& tokenizer_spec)
    : FillMasker(load_bert(model_dir), tok::Tokenizer::load(tokenizer_spec.empty() ? model_dir : tokenizer_spec)) {}

FillMasker::FillMasker(Bert model, tok::Tokenizer tokenizer)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), specials_(bert_special_ids(tokenizer_, tokenizer_.name())) {}

std::vector<int32_t> FillMasker::input_ids(const std::string& text) const {
  std::vector<int32_t> ids{specials_.cls};
  for (TokenId t : tokenizer_.encode(text, true)) ids.push_back(int32_t(t));
  ids.push_back(specials_.sep);
  return ids;
}

std::vector<std::vector<FillMaskCandidate>> FillMasker::fill(const std::string& text, int64_t top_k) const {
  const std::vector<int32_t> ids = input_ids(text);
  std::vector<int64_t> at;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == specials_.mask) at.push_back(int64_t(i));
  if (at.empty()) throw Error("the text has no [MASK] token: fill-mask predicts the tokens at [MASK]");
  const int64_t T = int64_t(ids.size()), V = model_.config().vocab_size;
  if (T > model_.config().max_position_embeddings)
    throw Error("the text has " + std::to_string(T) + " tokens with [CLS] and [SEP], more than the model's " +
                std::to_string(model_.config().max_position_embeddings) + " positions");
  for (int32_t id : ids)
    if (id < 0 || id >= V)
      throw Error("token id " + std::to_string(id) + " is outside the model's vocabulary of " + std::to_string(V));
  autograd::NoGradGuard ng;
  const Tensor logits = model_.logits({Tensor::from_ints(ids, {1, T}), {}, {}});  // (1, T, V)
  const float* lp = logits.f32();
  const int64_t k = std::clamp<int64_t>(top_k, 1, V);
  const bool single = at.size() == 1;
  std::vector<std::vector<FillMaskCandidate>> out;
  for (int64_t pos : at) {
    const float* row = lp + pos * V;
    const double mx = *std::max_element(row, row + V);
    double z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(double(row[v]) - mx);
    std::vector<int32_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    std::vector<FillMaskCandidate> cands;
    for (int64_t j = 0; j < k; ++j) {
      FillMaskCandidate c;
      c.token = order[size_t(j)];
      c.score = std::exp(double(row[c.token]) - mx) / z;
      c.token_str = tokenizer_.decode(std::vector<TokenId>{TokenId(c.token)});
      std::vector<TokenId> seq(ids.begin(), ids.end());
      seq[size_t(pos)] = TokenId(c.token);
      c.sequence = tokenizer_.decode(seq, single);  // skip_special_tokens=single_mask
      cands.push_back(std::move(c));
    }
    out.push_back(std::move(cands));
  }
  return out;
}

nlohmann::ordered_json fill_mask_json(const std::vector<std::vector<FillMaskCandidate>>& masks) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& cands : masks) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const FillMaskCandidate& c : cands)
      list.push_back({{"score", c.score}, {"token", c.token}, {"token_str", c.token_str}, {"sequence", c.sequence}});
    all.push_back(std::move(list));
  }
  return masks.size() == 1 ? all[0] : all;
}

}  // namespace lmf::models
