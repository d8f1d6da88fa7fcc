#include "finetune/instruction_tasks.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/brown.h"
#include "data/wordnet.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"

namespace lmf::ft {
namespace {

InstructionSplit split(std::vector<InstructionExample> xs, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5DEECE66Dull);
  std::shuffle(xs.begin(), xs.end(), rng);
  const size_t n_test = (xs.size() + 9) / 10;
  InstructionSplit s;
  s.test.assign(xs.begin(), xs.begin() + int64_t(n_test));
  s.train.assign(xs.begin() + int64_t(n_test), xs.end());
  return s;
}

// Words of a sentence with its final punctuation removed; empty when unusable.
std::vector<std::string> words_of(const std::string& sentence) {
  std::istringstream in(sentence);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  if (w.size() < 4 || w.size() > 12 || !std::isalpha(static_cast<unsigned char>(w[0][0]))) return {};
  std::string& last = w.back();
  while (!last.empty() && (last.back() == '.' || last.back() == '!' || last.back() == '?')) last.pop_back();
  for (const std::string& s : w)
    for (char c : s)
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != ',' && c != '\'' && c != '-') return {};
  if (last.empty() || last.back() == ',') return {};
  return w;
}

std::string join(const std::vector<std::string>& w, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? " " : "") + w[i];
  return s;
}

}  // namespace

InstructionSplit arithmetic_tasks(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::string> seen;
  std::vector<InstructionExample> xs;
  for (int64_t tries = 0; int64_t(xs.size()) < n && tries < 100 * n; ++tries) {
    int op = int(rng() % 3);
    int a = int(rng() % 50), b = int(rng() % 50);
    std::string q, ans;
    if (op == 0) {
      q = "What is " + std::to_string(a) + " + " + std::to_string(b) + "?";
      ans = std::to_string(a + b);
    } else if (op == 1) {
      if (a < b) std::swap(a, b);
      q = "What is " + std::to_string(a) + " - " + std::to_string(b) + "?";
      ans = std::to_string(a - b);
    } else {
      b %= 10;
      q = "What is " + std::to_string(a) + " times " + std::to_string(b) + "?";
      ans = std::to_string(a * b);
    }
    if (seen.insert(q).second) xs.push_back({q, "", ans});
  }
  return split(std::move(xs), seed);
}

InstructionSplit sentence_tasks(const std::vector<std::string>& texts, int64_t n, uint64_t seed) {
  std::vector<std::vector<std::string>> sentences;
  for (const std::string& t : texts) {
    size_t start = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '.' || t[i] == '\n') {
        std::vector<std::string> w = words_of(t.substr(start, i + 1 - start));
        if (!w.empty()) sentences.push_back(std::move(w));
        start = i + 1;
      }
    }
  }
  if (int64_t(sentences.size()) < n)
    throw Error("sentence tasks: the corpus has " + std::to_string(sentences.size()) + " usable sentences, " +
                std::to_string(n) + " wanted");
  std::mt19937_64 rng(seed);
  std::shuffle(sentences.begin(), sentences.end(), rng);
  std::vector<InstructionExample> xs;
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<std::string>& w = sentences[size_t(i)];
    switch (i % 4) {
      case 0: xs.push_back({"What is the last word of this sentence?", join(w, w.size()) + ".", w.back()}); break;
      case 1: xs.push_back({"Complete the sentence.", join(w, w.size() - 1), w.back()}); break;
      case 2: xs.push_back({"What is the first word of this sentence?", join(w, w.size()) + ".", w.front()}); break;
      default: {
        std::string upper = join(w, w.size()) + ".";
        for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
        xs.push_back({"Rewrite the sentence in capital letters.", join(w, w.size()) + ".", upper});
        break;
      }
    }
  }
  return split(std::move(xs), seed);
}

InstructionSplit wordnet_tasks(const std::string& dir, int64_t n, uint64_t seed) {
  const std::string path = dir + "/data.noun";
  std::vector<InstructionExample> xs;
  std::set<std::string> seen;
  for (const data::WordNetSynset& s : data::read_wordnet(dir, "noun")) {
    const std::string& word = s.words.front();
    const bool plain_word = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!plain_word || word.size() < 3 || s.definition.size() < 8 || s.definition.size() > 80 || !seen.insert(word).second)
      continue;
    xs.push_back({"Define the word \"" + word + "\".", "", s.definition});
  }
  if (int64_t(xs.size()) < n)
    throw Error("wordnet tasks: " + path + " has " + std::to_string(xs.size()) + " usable nouns, " +
                std::to_string(n) + " wanted");
  std::mt19937_64 rng(seed ^ 0x9E3779B9ull);
  std::shuffle(xs.begin(), xs.end(), rng);
  xs.resize(size_t(n));
  return split(std::move(xs), seed);
}

std::string to_jsonl(const std::vector<InstructionExample>& xs) {
  std::string out;
  for (const InstructionExample& x : xs)
    out += nlohmann::json{{"instruction", x.instruction}, {"input", x.input}, {"output", x.output}}.dump() + "\n";
  return out;
}

InstructionSplit default_instruction_data(const InstructionDataOptions& o) {
  InstructionSplit all = arithmetic_tasks(o.arithmetic, o.seed);
  auto append = [&](const InstructionSplit& s) {
    all.train.insert(all.train.end(), s.train.begin(), s.train.end());
    all.test.insert(all.test.end(), s.test.begin(), s.test.end());
  };
  if (!o.brown_dir.empty()) {
    std::vector<std::string> texts;
    for (const auto& d : data::read_brown_corpus(o.brown_dir)) texts.push_back(d.text);
    append(sentence_tasks(texts, o.sentences, o.seed));
  }
  if (!o.wordnet_dir.empty()) append(wordnet_tasks(o.wordnet_dir, o.definitions, o.seed));
  return all;
}

void write_instruction_split(const InstructionSplit& s, const std::string& out_dir) {
  io::OutputDir out(out_dir);
  io::write_text_atomic(out_dir + "/train.jsonl", to_jsonl(s.train));
  io::write_text_atomic(out_dir + "/test.jsonl", to_jsonl(s.test));
}

}  // namespace lmf::ft
