#include "augment/embedding.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"
#include "finetune/inference_model.h"
#include "io/file_hash.h"
#include "models/bert.h"
#include "models/bert_embed.h"
#include "models/gguf_import.h"

namespace lmf::augment {

Pooling parse_pooling(std::string_view name) {
  if (name == "mean") return Pooling::kMean;
  if (name == "last") return Pooling::kLast;
  if (name == "cls") return Pooling::kCls;
  throw Error("unknown pooling '" + std::string(name) + "' (mean, last or cls)");
}

std::string_view pooling_name(Pooling p) {
  switch (p) {
    case Pooling::kMean: return "mean";
    case Pooling::kLast: return "last";
    case Pooling::kCls: return "cls";
  }
  return "?";
}

Tensor pooled_hidden(Transformer& model, const std::vector<const std::vector<int32_t>*>& texts, Pooling pooling) {
  const int64_t R = int64_t(texts.size());
  if (R == 0) throw Error("pooled_hidden: no texts");
  int64_t T = 0;
  for (const auto* ids : texts) {
    if (ids->empty()) throw Error("pooled_hidden: a text without tokens");
    T = std::max(T, int64_t(ids->size()));
  }
  std::vector<int32_t> padded(size_t(R * T), 0);
  for (int64_t r = 0; r < R; ++r) std::copy(texts[r]->begin(), texts[r]->end(), padded.begin() + r * T);
  const Tensor h = model.hidden(Tensor::from_ints(padded, {R, T}));  // (R, T, C)
  const int64_t C = h.size(2);
  std::vector<Tensor> rows;  // (1, C) each
  for (int64_t r = 0; r < R; ++r) {
    const int64_t n = int64_t(texts[r]->size());
    const Tensor hr = h.slice(0, r, r + 1);  // (1, T, C)
    switch (pooling) {
      case Pooling::kMean: rows.push_back(scale(sum(hr.slice(1, 0, n), 1), 1.0f / float(n))); break;
      case Pooling::kLast: rows.push_back(hr.slice(1, n - 1, n).reshape({1, C})); break;
      case Pooling::kCls: rows.push_back(hr.slice(1, 0, 1).reshape({1, C})); break;
    }
  }
  return R == 1 ? rows[0] : concat(rows, 0);
}

void l2_normalize_row(const Tensor& pooled, int64_t r, float* out) {
  const Tensor v = pooled.contiguous();
  const int64_t C = v.size(1);
  const float* x = v.f32() + r * C;
  double ss = 0;
  for (int64_t c = 0; c < C; ++c) ss += double(x[c]) * x[c];
  const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
  for (int64_t c = 0; c < C; ++c) out[c] = float(x[c] * inv);
}

std::vector<int32_t> encode_for_embedding(const tok::Tokenizer& tk, const std::string& text, int64_t max_tokens,
                                          const std::string& where) {
  if (text.empty()) throw Error(where + ": the text is empty");
  std::vector<TokenId> ids = tk.encode(text);
  if (ids.empty()) throw Error(where + ": the text is empty");
  if (int64_t(ids.size()) > max_tokens)
    throw Error(where + ": the text has " + std::to_string(ids.size()) + " tokens, more than the model's context of " +
                std::to_string(max_tokens));
  return std::vector<int32_t>(ids.begin(), ids.end());
}

Embedder::Embedder(const EmbedderSpec& spec) : spec_(spec) {
  if (models::is_bert_dir(spec.model_dir)) {
    if (!spec.adapter_dir.empty()) throw Error(spec.model_dir + " is a BERT model: adapters are not supported");
    bert_ = std::make_unique<models::BertEmbedder>(spec.model_dir, spec.tokenizer, std::string(pooling_name(spec.pooling)));
  } else {
    m_ = std::make_unique<ft::InferenceModel>(ft::InferenceModelSpec{spec.model_dir, spec.tokenizer, spec.adapter_dir});
  }
}

Embedder::~Embedder() = default;

int Embedder::dim() const { return bert_ ? int(bert_->dim()) : int(m_->model.config().n_embd); }

int Embedder::max_tokens() const { return bert_ ? int(bert_->max_tokens()) : int(m_->model.config().n_positions - m_->model.reserved_positions()); }

const tok::Tokenizer& Embedder::tokenizer() const { return bert_ ? bert_->tokenizer() : m_->tokenizer; }

std::vector<int32_t> Embedder::encode(const std::string& text, const std::string& where) const {
  if (bert_) return bert_->encode(text, where);
  return encode_for_embedding(m_->tokenizer, text, max_tokens(), where);
}

std::vector<float> Embedder::embed(const std::vector<std::string>& texts,
                                   const std::function<void(size_t done)>& on_done) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) ids.push_back(encode(texts[i], "text " + std::to_string(i)));
  return embed_ids(ids, on_done);
}

std::vector<float> Embedder::embed_ids(const std::vector<std::vector<int32_t>>& ids,
                                       const std::function<void(size_t done)>& on_done) const {
  if (bert_) {
    std::vector<float> v = bert_->embed_ids(ids);
    if (on_done) on_done(ids.size());
    return v;
  }
  constexpr int64_t kBatchTokens = 4096, kBatchTexts = 64;  // a batch's padded size
  autograd::NoGradGuard no_grad;
  const int64_t C = dim();
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i].empty() || int64_t(ids[i].size()) > max_tokens())
      throw Error("text " + std::to_string(i) + ": " + std::to_string(ids[i].size()) + " tokens, not 1 to " +
                  std::to_string(max_tokens()));
  std::vector<size_t> order(ids.size());  // shortest first: batches of similar lengths
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<float> out(ids.size() * size_t(C));
  std::vector<const std::vector<int32_t>*> batch;
  for (size_t start = 0; start < order.size();) {
    batch.clear();
    size_t end = start;
    while (end < order.size() && int64_t(batch.size()) < kBatchTexts &&
           (batch.empty() || int64_t(batch.size() + 1) * int64_t(ids[order[end]].size()) <= kBatchTokens))
      batch.push_back(&ids[order[end++]]);
    const Tensor v = pooled_hidden(m_->model, batch, spec_.pooling).contiguous();  // (R, C)
    for (size_t r = 0; r < batch.size(); ++r) l2_normalize_row(v, int64_t(r), out.data() + order[start + r] * size_t(C));
    start = end;
    if (on_done) on_done(start);
  }
  return out;
}

std::string Embedder::weights_hash() const {
  std::vector<std::string> files{is_gguf_path(spec_.model_dir) ? spec_.model_dir : spec_.model_dir + "/model.safetensors"};
  if (!spec_.adapter_dir.empty()) files.push_back(spec_.adapter_dir + "/adapter_model.safetensors");
  return io::files_xxh64(files);
}

}  // namespace lmf::augment
