// Pretokenizer: splits text into the pieces that byte-pair merging works on, with the
// regular expressions that tiktoken and Hugging Face tokenizers use (GPT-2, cl100k_base,
// o200k_base, Llama-3), compiled with PCRE2 and its JIT.
//
// Semantics follow the peers: pieces are the regex's successive leftmost-first matches
// (tiktoken's find_iter); text between matches, which the shipped patterns never leave,
// becomes a piece of its own (Hugging Face's Split with behavior "Isolated"). The peers run
// Rust regex / Oniguruma, where `\s` is Unicode White_Space; PCRE2's `\s` lacks U+0085, so
// `\s` and `\S` are rewritten to the White_Space set before compiling (see translate_pattern).
//
// Invalid UTF-8 in the text is never dropped: each maximal run of invalid bytes becomes a
// piece of its own, and the valid stretches around it are split by the regex.
//
// Pretokenizer objects are immutable after construction and safe to share between threads.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::tok {

// The pattern rewritten for PCRE2 so that it means what it means in Rust regex.
std::string translate_pattern(const std::string& pattern);

class Regex {
 public:
  // Throws lmf::Error naming the pattern and the offset of a syntax error. literal=true
  // matches the pattern text as is (Hugging Face's {"String": ...} split patterns).
  explicit Regex(const std::string& pattern, bool literal = false);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  const std::string& pattern() const { return pattern_; }
  bool literal() const { return literal_; }

  // Appends to out the [begin, end) offsets of the pieces of valid UTF-8 text: matches and
  // the gaps between them, in order, covering all of text.
  void split(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& out) const;

 private:
  std::string pattern_;
  bool literal_;
  void* code_ = nullptr;  // pcre2_code_8*
};

class Pretokenizer {
 public:
  Pretokenizer() = default;
  // One or more regexes applied in sequence: each piece of one is split again by the next.
  explicit Pretokenizer(std::vector<std::shared_ptr<const Regex>> regexes) : regexes_(std::move(regexes)) {}

  const std::vector<std::shared_ptr<const Regex>>& regexes() const { return regexes_; }

  // Splits text (any bytes) into pieces; out receives [begin, end) offsets into text.
  // With no regex the whole text is one piece.
  void split(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& out) const;

 private:
  std::vector<std::shared_ptr<const Regex>> regexes_;
};

}  // namespace lmf::tok
