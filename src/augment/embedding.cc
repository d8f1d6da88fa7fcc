#include "augment/embedding.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"
#include "finetune/inference_model.h"
#include "io/file_hash.h"
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

Tensor pooled_hidden(Transformer& model, const std::vector<int32_t>& ids, Pooling pooling) {
  const int64_t T = int64_t(ids.size());
  if (T == 0) throw Error("pooled_hidden: no tokens");
  Tensor h = model.hidden(Tensor::from_ints(ids, {1, T}));  // (1, T, C)
  const int64_t C = h.size(2);
  switch (pooling) {
    case Pooling::kMean: return scale(sum(h, 1), 1.0f / float(T)).reshape({C});
    case Pooling::kLast: return h.slice(1, T - 1, T).reshape({C});
    case Pooling::kCls: return h.slice(1, 0, 1).reshape({C});
  }
  throw Error("pooled_hidden: unknown pooling");
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

Embedder::Embedder(const EmbedderSpec& spec)
    : spec_(spec), m_(std::make_unique<ft::InferenceModel>(ft::InferenceModelSpec{spec.model_dir, spec.tokenizer,
                                                                                   spec.adapter_dir})) {}

Embedder::~Embedder() = default;

int Embedder::dim() const { return int(m_->model.config().n_embd); }

int Embedder::max_tokens() const { return int(m_->model.config().n_positions - m_->model.reserved_positions()); }

const tok::Tokenizer& Embedder::tokenizer() const { return m_->tokenizer; }

std::vector<int32_t> Embedder::encode(const std::string& text, const std::string& where) const {
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
  autograd::NoGradGuard no_grad;
  const int64_t C = dim();
  std::vector<float> out(ids.size() * size_t(C));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty() || int64_t(ids[i].size()) > max_tokens())
      throw Error("text " + std::to_string(i) + ": " + std::to_string(ids[i].size()) + " tokens, not 1 to " +
                  std::to_string(max_tokens()));
    const Tensor v = pooled_hidden(m_->model, ids[i], spec_.pooling).contiguous();  // (C)
    const float* x = v.f32();
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += double(x[c]) * x[c];
    const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
    float* row = out.data() + i * size_t(C);
    for (int64_t c = 0; c < C; ++c) row[c] = float(x[c] * inv);
    if (on_done) on_done(i + 1);
  }
  return out;
}

std::string Embedder::weights_hash() const {
  std::vector<std::string> files{is_gguf_path(spec_.model_dir) ? spec_.model_dir : spec_.model_dir + "/model.safetensors"};
  if (!spec_.adapter_dir.empty()) files.push_back(spec_.adapter_dir + "/adapter_model.safetensors");
  return io::files_xxh64(files);
}

}  // namespace lmf::augment
