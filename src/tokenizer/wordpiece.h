// WordPiece: BERT's subword model and its decoder, as Hugging Face tokenizers runs them.
//
// Encoding a word (a piece the pre-tokenizer produced): greedy longest-match-first from the
// left; every piece after the first is looked up with the continuing-subword prefix ("##").
// A word longer than max_input_chars_per_word characters, or one with a position where no
// vocabulary entry matches, becomes the single unk token.
//
// Decoding (HF's WordPiece decoder): tokens after the first that start with the prefix lose
// it and glue to the previous token, the others get a space before them; with cleanup each
// token then goes through HF's clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
// Without a decoder, tokens are joined with single spaces.
//
// Immutable after construction; safe to share between threads.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/token_id.h"

namespace lmf::tok {

class WordPieceModel {
 public:
  WordPieceModel() = default;
  // tokens[id] is the token with that id ("" for ids without one). Throws lmf::Error when
  // unk is not among the tokens.
  WordPieceModel(std::vector<std::string> tokens, const std::string& unk, std::string prefix,
                 size_t max_input_chars_per_word);
  WordPieceModel(const WordPieceModel&) = delete;  // the lookup table points into tokens_
  WordPieceModel& operator=(const WordPieceModel&) = delete;

  // Appends the ids of one word (valid UTF-8, non-empty) to out.
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;

  size_t size() const { return tokens_.size(); }
  const std::string& token(TokenId id) const { return tokens_[size_t(id)]; }
  // The id of a token string, or -1.
  int64_t find(std::string_view token) const;
  TokenId unk_id() const { return unk_id_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string_view, TokenId> ids_;
  size_t max_token_bytes_ = 0;
  TokenId unk_id_ = 0;
  std::string prefix_;
  size_t max_chars_ = 100;
};

struct WordPieceDecoder {
  bool present = true;  // false: the tokenizer.json has no decoder (join with spaces)
  std::string prefix = "##";
  bool cleanup = true;

  std::string decode(const std::vector<const std::string*>& tokens) const;
};

// Hugging Face's clean_up_tokenization: the replacements in their order.
std::string cleanup_tokenization(std::string s);

}  // namespace lmf::tok
