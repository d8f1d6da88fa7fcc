// Tokenizer: byte-level BPE that encodes and decodes exactly as tiktoken and Hugging Face
// tokenizers do, loaded from tiktoken's encodings or from a tokenizer.json; and WordPiece
// (BERT's tokenizer.json: BertNormalizer, BertPreTokenizer, WordPiece model and decoder)
// through the same class.
//
//   auto tok = lmf::tok::Tokenizer::load("tiktoken:cl100k_base");   // or a tokenizer.json / model dir
//   std::vector<TokenId> ids = tok.encode("hello world");
//   std::string text = tok.decode(ids);
//
// Contract
//   - encode(text) equals tiktoken's encode_ordinary(text) (for tiktoken encodings) and HF
//     tokenizers' encode(text, add_special_tokens=false) for a tokenizer.json whose added
//     tokens do not occur in text. With allow_special=true, the special (added) tokens that
//     occur in text are emitted as their ids — tiktoken's encode(text, allowed_special="all")
//     and HF's added-token splitting (leftmost, longest match; for WordPiece files also the
//     single_word / lstrip / rstrip / normalized flags); without it they are encoded as
//     plain text. No BOS/EOS, [CLS]/[SEP] is ever added by encode: callers append eot_id()
//     or call wrap_single() (the tokenizer.json post-processor's template).
//   - Byte-level BPE: decode_bytes(encode(x)) == x for every byte string x (invalid UTF-8
//     included: each run of invalid bytes is a piece of its own). decode() returns valid
//     UTF-8, replacing each maximal invalid subpart with U+FFFD (as JavaScript's TextDecoder
//     does).
//   - WordPiece: normalization loses information (case, accents, spaces), so decode() is HF's
//     decode(ids), not the input; invalid UTF-8 in the input is replaced by U+FFFD first.
//   - Ids outside the vocabulary given to decode are an lmf::Error naming the id and position.
//   - A Tokenizer is immutable and cheap to copy (shared state); every method is const and
//     safe to call from many threads at once. Each thread keeps its own word cache.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/token_id.h"

namespace lmf::tok {

class BpeModel;
class Pretokenizer;

// A token matched in the text before pretokenization (tiktoken's special tokens, HF's added tokens).
struct SpecialToken {
  std::string content;
  TokenId id = 0;
  bool special = true;  // HF "special" flag (false for plain added tokens)
};

// Names of the built-in pretokenizer patterns ("gpt2", "cl100k", "o200k", "llama3") and the
// pattern strings, as the peers ship them (tiktoken's pat_str; Llama-3's is cl100k's string).
const std::string& builtin_pattern(const std::string& name);
std::vector<std::string> builtin_pattern_names();
// Names accepted after "tiktoken:" (gpt2, r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base).
std::vector<std::string> tiktoken_encoding_names();

// True when `specials` holds an end-of-text token (<|endoftext|>, <|end_of_text|> or
// <|eot_id|>: what Tokenizer::eot_id() finds).
bool has_eot_token(const std::vector<std::string>& specials);

class Tokenizer {
 public:
  // SPEC is "tiktoken:NAME", a directory holding tokenizer.json, or a path to a tokenizer.json.
  // Throws lmf::Error (FormatError for unreadable or malformed files, naming file and position).
  static Tokenizer load(const std::string& spec);
  static Tokenizer from_tiktoken(const std::string& name);
  // A tiktoken encoding JSON ({"pat_str", "special_tokens", "bpe_ranks"}); origin names it in errors.
  static Tokenizer from_tiktoken_json(std::string_view json, const std::string& origin);
  // A Hugging Face tokenizer.json holding a byte-level BPE or a WordPiece model.
  static Tokenizer from_hf_json(std::string_view json, const std::string& origin);
  // A byte-level BPE from parts (what the trainer produces): token bytes by id, merges in rank
  // order as pairs of ids, special tokens, pretokenizer pattern.
  static Tokenizer from_merges(std::vector<std::string> token_bytes,
                               const std::vector<std::pair<uint32_t, uint32_t>>& merges,
                               std::vector<SpecialToken> specials, const std::string& pattern,
                               const std::string& name);

  std::vector<TokenId> encode(std::string_view text, bool allow_special = false) const;
  std::vector<TokenId> encode_ordinary(std::string_view text) const { return encode(text, false); }
  // Appends to out; the allocation-free form for loops over many texts.
  void encode_append(std::string_view text, bool allow_special, std::vector<TokenId>& out) const;
  // Encodes texts in parallel (threads <= 0: lmf::threads::get()); result[i] = encode(texts[i]).
  std::vector<std::vector<TokenId>> encode_batch(const std::vector<std::string_view>& texts,
                                                 bool allow_special = false, int threads = 0) const;
  std::vector<std::vector<TokenId>> encode_batch(const std::vector<std::string>& texts,
                                                 bool allow_special = false, int threads = 0) const;

  // Byte-level BPE: the bytes of the tokens. WordPiece: decode(ids).
  std::string decode_bytes(std::span<const TokenId> ids) const;
  // UTF-8 text, invalid parts -> U+FFFD (byte-level BPE); HF's WordPiece decoder (WordPiece).
  // skip_special drops the special tokens first (HF's skip_special_tokens).
  std::string decode(std::span<const TokenId> ids, bool skip_special = false) const;
  // The bytes of one token; throws for an id outside the vocabulary.
  const std::string& token_bytes(TokenId id) const;

  // One past the largest id (ids in between may be unused, as in cl100k_base).
  size_t vocab_size() const;
  bool is_valid_id(int64_t id) const;  // any integer: whether it names a token
  // <|endoftext|> (GPT-2, tiktoken), else Llama-3's <|end_of_text|>, else <|eot_id|>.
  std::optional<TokenId> eot_id() const;
  // The id of a special token's content, or of a regular token's exact bytes.
  std::optional<TokenId> token_id(std::string_view token) const;
  const std::vector<SpecialToken>& special_tokens() const;
  const std::string& name() const;                 // e.g. "tiktoken:cl100k_base" or the file path
  const std::vector<std::string>& patterns() const;  // pretokenizer regexes, applied in order
  // Whether this is a WordPiece tokenizer (a BERT tokenizer.json) rather than byte-level BPE.
  bool is_wordpiece() const;

  // The tokenizer.json post-processor's single-sequence template: ids as HF's
  // encode(text, add_special_tokens=true) gives them, from encode(text, true)'s ids
  // (BERT: [CLS] ids [SEP]; Llama-3: <|begin_of_text|> ids). Without a template (tiktoken,
  // trained, GPT-2) the ids are returned as they are.
  std::vector<TokenId> wrap_single(std::span<const TokenId> ids) const;
  const std::vector<TokenId>& single_prefix() const;  // the ids wrap_single puts before
  const std::vector<TokenId>& single_suffix() const;  // and after

  // The Hugging Face tokenizer.json of this tokenizer (byte-level BPE; for a tiktoken
  // encoding the merges list every pair that tiktoken's rank rule merges, in rank order).
  // A WordPiece tokenizer gives back the tokenizer.json it was read from.
  std::string to_hf_json() const;
  void save_json(const std::string& path) const;  // atomic write

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  void check_ids(std::span<const TokenId> ids) const;  // throws for an id outside the vocabulary
  std::shared_ptr<const Impl> impl_;
};

}  // namespace lmf::tok
