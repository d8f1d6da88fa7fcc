// Character classes as the Rust side of Hugging Face tokenizers defines them, for the
// normalizers, pre-tokenizers and added-token matching of WordPiece tokenizer.json files.
// General categories come from utf8proc (its Unicode version, not necessarily the peer's:
// characters assigned in between may classify differently).
#pragma once
#include <cstdint>

namespace lmf::tok::chars {

// Rust char::is_whitespace and regex \s: the Unicode White_Space property.
bool is_whitespace(uint32_t cp);
// Unicode general category P* (Pc, Pd, Ps, Pe, Pi, Pf, Po).
bool is_punctuation(uint32_t cp);
// BERT's punctuation: ASCII 33-47, 58-64, 91-96, 123-126 (Rust's is_ascii_punctuation) and P*.
bool is_bert_punctuation(uint32_t cp);
// Cc, Cf or Co (what BertNormalizer's clean_text removes, \t \n \r excepted).
bool is_other(uint32_t cp);
// Mn: the marks that stripping accents removes.
bool is_nonspacing_mark(uint32_t cp);
// M* (Mn, Mc, Me): what the StripAccents normalizer removes.
bool is_mark(uint32_t cp);
// BERT's "Chinese character": the CJK Unified Ideographs blocks and their extensions.
bool is_chinese(uint32_t cp);
// Rust regex \w: letters, marks, decimal digits, letter numbers, connector punctuation,
// ZWNJ/ZWJ.
bool is_word(uint32_t cp);

}  // namespace lmf::tok::chars
