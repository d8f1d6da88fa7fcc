// Contextual token vectors from an ELMo-style biLM (models/bilm.h): a text is tokenized with
// the model directory's tokenizer (or a given one), read by both directions at once, and each
// token's vector is the model's layer mix γ · Σ_j softmax(s)_j · layer_j at that token, of
// width 2H. Unlike a word2vec vector, the same token gets a different vector in a different
// context.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/bilm.h"
#include "tokenizer/tokenizer.h"

namespace lmf::models {

// True when DIR/config.json exists and names model_type "bilm".
bool is_bilm_dir(const std::string& dir);

struct TokenVectors {
  std::vector<std::string> tokens;  // each token decoded on its own
  std::vector<int64_t> starts;      // the byte offset in the text where each token's bytes start
  std::vector<float> vectors;       // (n, dim), row-major
  int64_t dim = 0;
};

class BiLmEmbedder {
 public:
  // tokenizer_spec "": the model directory's tokenizer.json (tok::Tokenizer::load's SPEC otherwise).
  BiLmEmbedder(const std::string& model_dir, const std::string& tokenizer_spec);
  // Error naming `where` when the text has no tokens or a token id is outside the model's vocabulary.
  // layer < 0: the layer mix; 0..L: that layer alone (0 the token embedding [x; x], k the
  // layer-k states of both directions); an Error names a layer above L.
  TokenVectors embed(const std::string& text, const std::string& where, int64_t layer = -1) const;
  int64_t num_layers() const { return model_.config().num_layers; }

 private:
  BiLm model_;
  tok::Tokenizer tokenizer_;
};

}  // namespace lmf::models
