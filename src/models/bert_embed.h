// Sentence vectors from a BERT model directory, for `lmforge embed` and retrieval
// (augment/embedding.h hands a BERT directory to this class).
//
// A text is encoded as [CLS] tokens [SEP] (no special tokens matched in the text); texts run
// in batches right-padded with [PAD] and an attention mask, so padding changes no vector.
//   cls   the pooler output tanh(pooler.dense(h[CLS])) (BertModel's pooler_output)
//   mean  the mean of the last hidden states over the text's positions ([CLS] and [SEP]
//         included, padding excluded: sentence-transformers' mean pooling)
// Each vector is L2-normalised. Errors name the text: empty, or longer than the model's
// positions allow.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/bert.h"
#include "models/bert_mlm.h"
#include "tokenizer/tokenizer.h"

namespace lmf::models {

class BertEmbedder {
 public:
  // pooling "cls" or "mean"; tokenizer_spec "": the directory's tokenizer.json.
  BertEmbedder(const std::string& model_dir, const std::string& tokenizer_spec, const std::string& pooling);

  int64_t dim() const { return model_.config().hidden_size; }
  int64_t max_tokens() const { return model_.config().max_position_embeddings; }  // [CLS] and [SEP] included
  const tok::Tokenizer& tokenizer() const { return tokenizer_; }
  // [CLS] encode(text) [SEP].
  std::vector<int32_t> encode(const std::string& text, const std::string& where) const;
  // (n, dim) row-major, each row L2-normalised; ids as encode() returns them.
  std::vector<float> embed_ids(const std::vector<std::vector<int32_t>>& ids) const;

 private:
  Bert model_;
  tok::Tokenizer tokenizer_;
  BertSpecialIds specials_;
  bool cls_ = true;
};

}  // namespace lmf::models
