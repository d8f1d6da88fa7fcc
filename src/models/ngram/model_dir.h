// An n-gram model on disk: a directory holding model.arpa (the model, ARPA format) and
// config.json describing it:
//
//   {"model_type": "ngram", "order": 3, "smoothing": "interpolated modified Kneser-Ney",
//    "unit": "word" | "token", "eot_id": 50256 (tokens: the document separator, or -1),
//    "sentence_boundaries": "<s> and </s> around every line (words) or document (tokens)",
//    "unknown_word": "<unk>", "vocab_size": V, "ngrams": [n1, n2, ...],
//    "discounts": [[D1, D2, D3+], ...], "count_of_counts": [[n1, n2, n3, n4], ...],
//    "discount_fallback": ["order 1: why its discounts are the fallback", ...],
//    "train": {"sentences": .., "words": ..}}
//
// Both files are written atomically, model.arpa first. Loading accepts the directory or a
// bare ARPA file (then the unit is `word` unless the caller says otherwise).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "models/ngram/corpus.h"
#include "models/ngram/ngram_model.h"

namespace lmf::ngram {

inline constexpr const char* kArpaFileName = "model.arpa";

struct NgramModelFiles {
  NgramModel model;
  Unit unit = Unit::Word;
  int64_t eot_id = -1;
  nlohmann::json config = nlohmann::json::object();  // empty for a bare ARPA file
};

void save_ngram_dir(const std::string& dir, const NgramModel& model, const nlohmann::json& config);
// `path`: a model directory or an ARPA file. FormatError naming the file on any problem.
NgramModelFiles load_ngram(const std::string& path);

}  // namespace lmf::ngram
