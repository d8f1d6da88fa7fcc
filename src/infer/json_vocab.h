// The vocabulary as constrained decoding sees it: the bytes each token appends to the text,
// arranged for masking. Built once per tokenizer and shared by every generation (immutable;
// safe to use from many threads).
//
// Two views:
//   - trie(): a byte trie of every token, walked depth-first by the mask with the automaton,
//     skipping each subtree whose prefix cannot continue the document.
//   - plain tokens: those made only of whole unescaped string characters (no `"`, `\`,
//     control byte or partial UTF-8 sequence; most of a BPE vocabulary), with their character
//     counts. Inside a string these are decided by counting alone; the rest of the tokens are
//     in nonplain_trie().
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lmf {
namespace tok {
class Tokenizer;
}

class JsonVocab {
 public:
  // One node of a trie, in depth-first preorder (the root, the empty prefix, is left out).
  struct TrieNode {
    uint8_t byte = 0;     // the last byte of this node's prefix
    int32_t depth = 0;    // prefix length (1 for a child of the root)
    int32_t skip = 0;     // index of the next node outside this node's subtree
    int32_t tokens_begin = 0, tokens_end = 0;  // ids[begin, end): the tokens whose bytes are this prefix
  };
  struct Trie {
    std::vector<TrieNode> nodes;
    std::vector<int32_t> ids;
  };

  // token_bytes[id]: the bytes token id appends; empty for tokens that never are allowed
  // (special tokens, unused ids).
  explicit JsonVocab(std::vector<std::string> token_bytes);
  // Each regular token's bytes (Tokenizer::token_bytes); special tokens are empty.
  static std::shared_ptr<const JsonVocab> from_tokenizer(const tok::Tokenizer& tokenizer);

  int64_t size() const { return int64_t(bytes_.size()); }
  const std::string& bytes(int32_t id) const { return bytes_[size_t(id)]; }
  const Trie& trie() const { return all_; }
  const Trie& nonplain_trie() const { return nonplain_; }
  // Plain tokens sorted by character count: plain_ids()[i] has plain_chars()[i] characters.
  const std::vector<int32_t>& plain_ids() const { return plain_ids_; }
  const std::vector<int32_t>& plain_chars() const { return plain_chars_; }
  int32_t max_token_bytes() const { return max_len_; }
  // Whether each of the 256 bytes is a token of its own (true for byte-level BPE). Only then
  // does a closing text of k bytes always fit in k tokens, the promise of the mask's budget.
  bool has_every_byte() const { return every_byte_; }

 private:
  std::vector<std::string> bytes_;
  Trie all_, nonplain_;
  std::vector<int32_t> plain_ids_, plain_chars_;
  int32_t max_len_ = 0;
  bool every_byte_ = false;
};

}  // namespace lmf
