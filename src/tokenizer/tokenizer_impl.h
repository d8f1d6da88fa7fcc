// Internal state of a Tokenizer, shared by the loaders (tiktoken_format.cc, hf_format.cc),
// the trainer's output path and the encoder (tokenizer.cc). Not part of the public API.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::tok {

class WordPiecePipeline;

// Finds special tokens in text: leftmost occurrence, longest token at that position.
class SpecialMatcher {
 public:
  void build(const std::vector<SpecialToken>& specials);
  bool empty() const { return nodes_.size() <= 1; }
  // Searches text[from..]; on success sets pos, len and the index into specials.
  bool find(std::string_view text, size_t from, size_t& pos, size_t& len, size_t& index) const;

 private:
  struct Node {
    std::vector<std::pair<unsigned char, uint32_t>> kids;
    int32_t token = -1;
  };
  std::vector<Node> nodes_;
  bool first_[256] = {};
  int single_first_ = -1;  // the one first byte all tokens share, or -1
};

struct Tokenizer::Impl {
  uint64_t uid = 0;  // distinguishes tokenizers in the per-thread word caches
  std::string name;
  std::vector<std::string> patterns;  // as given (before translation for PCRE2)
  Pretokenizer pre;
  bool add_prefix_space = false;  // HF ByteLevel add_prefix_space
  BpeModel bpe;
  std::vector<SpecialToken> specials;
  SpecialMatcher matcher;
  std::vector<const std::string*> id_bytes;  // id -> bytes; nullptr for unused ids
  std::vector<bool> special_ids;             // id -> whether it is a special token (skipped on request)
  // The post-processor's single-sequence template (post_processor.h); empty when none.
  std::vector<TokenId> single_prefix, single_suffix;
  // Set for a WordPiece tokenizer.json: it encodes and decodes instead of the BPE above
  // (bpe stays empty; id_bytes holds the WordPiece token strings).
  std::shared_ptr<const WordPiecePipeline> wordpiece;
  std::string source_json;  // WordPiece: the tokenizer.json read (to_hf_json gives it back)

  // Compiles patterns, builds the special-token matcher and the id table; call once after
  // the fields above are filled. Throws FormatError for ids that clash.
  void finish();
};

std::shared_ptr<Tokenizer::Impl> make_impl();

// A parsed tokenizer.json whose model.type is WordPiece (hf_wordpiece_format.cc).
std::shared_ptr<Tokenizer::Impl> read_hf_wordpiece(const nlohmann::json& j, const std::string& origin);

}  // namespace lmf::tok
