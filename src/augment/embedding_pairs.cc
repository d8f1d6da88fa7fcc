#include "augment/embedding_pairs.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/brown.h"
#include "data/wordnet.h"
#include "io/jsonl.h"

namespace lmf::augment {
namespace {

std::string spaced(std::string w) {
  std::replace(w.begin(), w.end(), '_', ' ');
  return w;
}

// Up to n of `xs`, drawn without replacement by a seeded shuffle.
void take(std::vector<TextPair> xs, int64_t n, std::mt19937_64& rng, std::vector<TextPair>& out) {
  std::shuffle(xs.begin(), xs.end(), rng);
  if (int64_t(xs.size()) > n) xs.resize(size_t(n));
  out.insert(out.end(), xs.begin(), xs.end());
}

}  // namespace

std::vector<TextPair> read_text_pairs(const std::string& path) {
  std::vector<TextPair> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw FormatError(where + ": not a JSON object");
    TextPair p;
    p.where = where;
    for (const char* field : {"anchor", "positive", "negative"}) {
      const bool required = std::string(field) != "negative";
      if (!j.contains(field)) {
        if (required) throw FormatError(where + ": missing string field '" + field + "'");
        continue;
      }
      if (!j[field].is_string()) throw FormatError(where + ": '" + field + "' must be a string");
      const std::string s = j[field].get<std::string>();
      if (s.empty()) throw FormatError(where + ": '" + field + "' is empty");
      (std::string(field) == "anchor" ? p.anchor : std::string(field) == "positive" ? p.positive : p.negative) = s;
    }
    out.push_back(std::move(p));
  });
  return out;
}

std::vector<TextPair> default_text_pairs(const DefaultPairOptions& o) {
  const auto fits = [&](const std::string& s) { return !s.empty() && int64_t(s.size()) <= o.max_chars; };
  std::vector<TextPair> definitions, synonyms, adjacent;
  std::set<std::string> seen_words, seen_synonyms;
  for (const char* pos : {"noun", "verb", "adj", "adv"})
    for (const data::WordNetSynset& s : data::read_wordnet(o.wordnet_dir, pos)) {
      const std::string word = spaced(s.words.front());
      if (fits(s.definition) && seen_words.insert(word).second)
        definitions.push_back({word, s.definition, "", std::string("wordnet definition (") + pos + ") '" + word + "'"});
      for (size_t k = 1; k < s.words.size(); ++k) {
        const std::string other = spaced(s.words[k]);
        if (other != word && seen_synonyms.insert(word + "\n" + other).second)
          synonyms.push_back({word, other, "", std::string("wordnet synonym (") + pos + ") '" + word + "'"});
      }
    }
  if (!o.brown_dir.empty())
    for (const data::BrownDocument& d : data::read_brown_corpus(o.brown_dir)) {
      std::istringstream lines(d.text);  // one sentence a line
      std::string prev, line;
      for (int64_t n = 1; std::getline(lines, line); ++n) {
        if (fits(prev) && fits(line) && std::count(line.begin(), line.end(), ' ') >= 3)
          adjacent.push_back({prev, line, "", "brown " + d.id + " sentence " + std::to_string(n)});
        prev = std::count(line.begin(), line.end(), ' ') >= 3 ? line : "";
      }
    }
  std::mt19937_64 rng(o.seed);
  std::vector<TextPair> out;
  take(std::move(definitions), o.per_kind, rng, out);
  take(std::move(synonyms), o.per_kind, rng, out);
  take(std::move(adjacent), o.per_kind, rng, out);
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

}  // namespace lmf::augment
