// Fill-mask with a BERT model directory, as Hugging Face's fill-mask pipeline answers it.
//
// The text is encoded with special tokens allowed (so "[MASK]" is the mask token's id) and
// wrapped [CLS] … [SEP] as HF's BERT post-processor does; one forward pass gives the logits
// at every [MASK]. For each mask, in text order, the top_k ids by softmax probability over
// the vocabulary (ties: the smaller id first), each as
//   score      the probability
//   token      the id
//   token_str  tokenizer.decode([id])
//   sequence   the input ids with this mask replaced by the id, decoded — with the special
//              tokens skipped when the text has one mask, with every token (the other
//              [MASK]s, [CLS] and [SEP] included) when it has several, as the pipeline does.
// No [MASK] in the text, or a text longer than the model's positions, is an lmf::Error.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/bert.h"
#include "models/bert_mlm.h"
#include "tokenizer/tokenizer.h"

namespace lmf::models {

struct FillMaskCandidate {
  double score = 0;
  int32_t token = 0;
  std::string token_str, sequence;
};

class FillMasker {
 public:
  // tokenizer_spec "": the model directory's tokenizer.json. Error naming the directory when
  // it is not a BERT model (config.json's model_type) or the tokenizer lacks BERT's tokens.
  FillMasker(const std::string& model_dir, const std::string& tokenizer_spec = "");
  FillMasker(Bert model, tok::Tokenizer tokenizer);

  // One list of top_k candidates a [MASK], in text order.
  std::vector<std::vector<FillMaskCandidate>> fill(const std::string& text, int64_t top_k) const;
  // The input ids: [CLS] encode(text, allow_special) [SEP].
  std::vector<int32_t> input_ids(const std::string& text) const;

  const Bert& model() const { return model_; }
  const tok::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  Bert model_;
  tok::Tokenizer tokenizer_;
  BertSpecialIds specials_;
};

// HF's pipeline output: for one mask a list of {"score", "token", "token_str", "sequence"},
// for several masks a list of such lists.
nlohmann::ordered_json fill_mask_json(const std::vector<std::vector<FillMaskCandidate>>& masks);

}  // namespace lmf::models
