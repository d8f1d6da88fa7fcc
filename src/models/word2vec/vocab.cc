#include "models/word2vec/vocab.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::word2vec {

int32_t Vocab::find(std::string_view w) const {
  const auto it = index.find(std::string(w));
  return it == index.end() ? -1 : it->second;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Calls f(word) for each word and f(kEndOfSentence) at each newline.
template <typename F>
void for_each_word(std::string_view text, F&& f) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '\n') {
      f(std::string_view(kEndOfSentence));
      ++i;
    } else if (is_space(c)) {
      ++i;
    } else {
      size_t j = i;
      while (j < n && !is_space(text[j])) ++j;
      f(text.substr(i, j - i));
      i = j;
    }
  }
}

}  // namespace

Corpus corpus_from_text(std::string_view text, int64_t min_count, const std::string& name) {
  // First pass: counts in order of first appearance ("</s>" first).
  std::unordered_map<std::string, int32_t> first;
  std::vector<std::string> seen_words = {kEndOfSentence};
  std::vector<int64_t> seen_counts = {0};
  first.emplace(kEndOfSentence, 0);
  for_each_word(text, [&](std::string_view w) {
    auto [it, fresh] = first.try_emplace(std::string(w), (int32_t)seen_words.size());
    if (fresh) {
      seen_words.emplace_back(w);
      seen_counts.push_back(0);
    }
    ++seen_counts[it->second];
  });
  std::vector<int32_t> order;
  for (int32_t i = 1; i < (int32_t)seen_words.size(); ++i)
    if (seen_counts[i] >= min_count) order.push_back(i);
  if (order.empty())
    throw FormatError(name + ": no word occurs at least " + std::to_string(min_count) + " times (--min-count)");
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return seen_counts[a] > seen_counts[b]; });
  order.insert(order.begin(), 0);

  Corpus c;
  Vocab& v = c.vocab;
  std::vector<int32_t> remap(seen_words.size(), -1);
  for (int32_t i = 0; i < (int32_t)order.size(); ++i) {
    remap[order[i]] = i;
    v.words.push_back(std::move(seen_words[order[i]]));
    v.counts.push_back(seen_counts[order[i]]);
    v.index.emplace(v.words.back(), i);
  }
  v.train_words = std::accumulate(v.counts.begin(), v.counts.end(), int64_t{0});
  c.ids.reserve(v.train_words);
  // Second pass: the ids (the first-appearance map finds each word again).
  for_each_word(text, [&](std::string_view w) {
    const int32_t id = remap[first.find(std::string(w))->second];
    if (id >= 0) c.ids.push_back(id);
  });
  return c;
}

Corpus read_corpus(const std::string& path, int64_t min_count) {
  return corpus_from_text(io::read_file(path), min_count, path);
}

std::vector<float> keep_probabilities(const Vocab& v, double sample) {
  std::vector<float> keep(v.size(), 1.0f);
  if (sample <= 0) return keep;
  const double st = sample * (double)v.train_words;
  for (int32_t i = 0; i < v.size(); ++i) {
    const double c = (double)v.counts[i];
    if (c > 0) keep[i] = (float)std::min(1.0, std::sqrt(st / c) + st / c);
  }
  return keep;
}

std::vector<int32_t> unigram_table(const Vocab& v, int64_t size, double power) {
  std::vector<int32_t> table(size);
  double total = 0;
  for (int64_t c : v.counts) total += std::pow((double)c, power);
  int32_t i = 0;
  double cum = std::pow((double)v.counts[0], power) / total;
  for (int64_t a = 0; a < size; ++a) {
    table[a] = i;
    if ((double)a / (double)size > cum && i < v.size() - 1) {
      ++i;
      cum += std::pow((double)v.counts[i], power) / total;
    }
  }
  return table;
}

}  // namespace lmf::word2vec
