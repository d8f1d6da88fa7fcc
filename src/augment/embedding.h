// Text embeddings from a decoder: one vector a text, the pooled final hidden states of a
// model (after its last norm, Transformer::hidden), L2-normalised — what the dense index of
// retrieval-augmented generation stores and what `lmforge embed` prints.
//
// Pooling over a text's T tokens:
//   mean  the mean of the T hidden states
//   last  the hidden state of the last token (it has attended to the whole text)
//   cls   the hidden state of the first token. A decoder has no [CLS] token: this is the
//         first token of the text itself, which has attended to nothing after it
// Texts are encoded as `lmforge tokenize` does (no special tokens added). Texts run through
// the model in batches of similar length, right-padded to the longest: the decoder is
// causal, so a text's tokens never attend to the padding after them and the padded rows are
// never pooled — a text's vector is its vector alone, up to float rounding (~1e-7) from the
// shape of the matrix products. (Measured on gpt2-small, 2 threads, 32 texts of 32 to 256
// tokens: batches sorted by length took 0.6x the time of one forward pass a text.) Bad input
// is an lmf::Error naming the text: an empty text, or one longer than the model's context
// (never truncated).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::ft {
class InferenceModel;
}
namespace lmf::models {
class BertEmbedder;
}

namespace lmf::augment {

enum class Pooling { kMean, kLast, kCls };

// "mean" | "last" | "cls"; lmf::Error naming the choices otherwise.
Pooling parse_pooling(std::string_view name);
std::string_view pooling_name(Pooling);

// texts (R) of ids, each 1 to the context long → their pooled hidden states (R, C), not
// normalised, from one forward pass over the texts right-padded (with id 0) to the longest;
// recorded by autograd when the model's parameters require grad (embedding training uses it).
Tensor pooled_hidden(Transformer& model, const std::vector<const std::vector<int32_t>*>& texts, Pooling pooling);

// `text` as token ids for embedding; Error "WHERE: the text is empty" or "WHERE: the text has
// N tokens, more than the model's context of K" otherwise.
// Row r of pooled (R, C), divided by its L2 norm (1e-12 at least), into out[r * C ...].
void l2_normalize_row(const Tensor& pooled, int64_t r, float* out);

std::vector<int32_t> encode_for_embedding(const tok::Tokenizer& tk, const std::string& text, int64_t max_tokens,
                                          const std::string& where);

struct EmbedderSpec {
  std::string model_dir;    // a model directory or a .gguf file
  std::string tokenizer;    // SPEC; empty: the model's
  std::string adapter_dir;  // empty: none
  Pooling pooling = Pooling::kMean;
};

class Embedder {
 public:
  // Loads the model as `generate` does (ft::InferenceModel); a BERT directory
  // (models::is_bert_dir) is read by models::BertEmbedder instead: [CLS] text [SEP], pooling
  // cls (the pooler output) or mean (padding excluded), no adapter.
  explicit Embedder(const EmbedderSpec& spec);
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  int dim() const;         // C, the width of the hidden states
  int max_tokens() const;  // the model's context length (less an adapter's virtual tokens)
  const tok::Tokenizer& tokenizer() const;
  Pooling pooling() const { return spec_.pooling; }

  // (n, dim) row-major; each row L2-normalised. Every text is encoded and checked before
  // any is run: a text longer than the context is an Error naming its index ("text 3") and
  // token count, an empty text too. on_done(k), when given, after each batch: k texts done.
  std::vector<float> embed(const std::vector<std::string>& texts,
                           const std::function<void(size_t done)>& on_done = nullptr) const;
  // encode_for_embedding with this model's tokenizer and context.
  std::vector<int32_t> encode(const std::string& text, const std::string& where) const;
  // The same from ids as encode() returns them.
  std::vector<float> embed_ids(const std::vector<std::vector<int32_t>>& ids,
                               const std::function<void(size_t done)>& on_done = nullptr) const;

  // XXH64 (16 hex digits) of the bytes of the model's weight file (model.safetensors, or the
  // .gguf file) followed by the adapter's adapter_model.safetensors when there is one: it
  // changes whenever the weights change. Computed on each call.
  std::string weights_hash() const;

 private:
  EmbedderSpec spec_;
  std::unique_ptr<ft::InferenceModel> m_;
  std::unique_ptr<models::BertEmbedder> bert_;  // set instead of m_ for a BERT directory
};

}  // namespace lmf::augment
