// WordPiecePipeline: Hugging Face's encode pipeline for a WordPiece tokenizer.json (BERT's):
//
//   text -> added tokens matched in the raw text (those with normalized=false)
//        -> normalizer on the text between them
//        -> added tokens matched in the normalized text (normalized=true, their content
//           normalized too)
//        -> pre-tokenizer (words) -> WordPiece model (ids)
//
// Added tokens follow HF's AddedVocabulary: leftmost-longest, non-overlapping matches;
// single_word keeps a match only where no \w character touches it; lstrip / rstrip make the
// token swallow the whitespace on its left / right (which then never reaches the model).
// Invalid UTF-8 in the text is replaced by U+FFFD first (which clean_text then drops), as
// HF only ever sees valid strings.
//
// Immutable after construction; safe to share between threads.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/token_id.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/word_splitter.h"
#include "tokenizer/wordpiece.h"

namespace lmf::tok {

// One entry of tokenizer.json's added_tokens.
struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;
};

class WordPiecePipeline {
 public:
  WordPiecePipeline(Normalizer normalizer, WordSplitter splitter, std::vector<std::string> tokens,
                    const std::string& unk, std::string prefix, size_t max_input_chars_per_word,
                    WordPieceDecoder decoder, std::vector<AddedToken> added);

  // Appends the ids of text; match_added=false encodes added tokens as plain text.
  void encode(std::string_view text, bool match_added, std::vector<TokenId>& out) const;
  // The text of tokens (HF's decoder over the token strings).
  std::string decode(const std::vector<const std::string*>& tokens) const { return decoder_.decode(tokens); }

  const WordPieceModel& model() const { return model_; }
  const std::vector<AddedToken>& added() const { return added_; }

 private:
  // A stretch of the text: an added token (id >= 0) or text [b, e) to go on with.
  struct Segment {
    int64_t id;
    size_t b, e;
  };
  void find_added(std::string_view text, const SpecialMatcher& matcher, const std::vector<size_t>& which,
                  std::vector<Segment>& out) const;
  void encode_normalized(std::string_view text, bool match_added, std::vector<TokenId>& out) const;

  Normalizer normalizer_;
  WordSplitter splitter_;
  WordPieceModel model_;
  WordPieceDecoder decoder_;
  std::vector<AddedToken> added_;
  SpecialMatcher raw_matcher_, normalized_matcher_;
  std::vector<size_t> raw_which_, normalized_which_;  // matcher index -> index into added_
};

}  // namespace lmf::tok
