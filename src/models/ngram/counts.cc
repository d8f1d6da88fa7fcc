#include "models/ngram/counts.h"

#include <algorithm>

#include "core/error.h"

namespace lmf::ngram {

NgramCounter::NgramCounter(int order) : order_(order), windows_(size_t(order)) {
  if (order < 1 || order > kMaxOrder)
    throw Error("n-gram order must be from 1 to " + std::to_string(kMaxOrder) + ", got " + std::to_string(order));
}

void NgramCounter::add_sentence(std::span<const WordId> words) {
  padded_.assign(1, kBos);
  padded_.insert(padded_.end(), words.begin(), words.end());
  padded_.push_back(kEos);
  const size_t len = padded_.size();
  for (size_t i = 1; i < len; ++i)  // i: the predicted position
    for (size_t n = 1; n <= size_t(order_) && n <= i + 1; ++n)
      windows_[n - 1].push_back(make_key({padded_.data() + i + 1 - n, n}));
}

namespace {

// Distinct keys of a sorted list with their multiplicities.
CountTable run_lengths(std::vector<Key>& keys) {
  std::sort(keys.begin(), keys.end());
  CountTable t;
  for (size_t i = 0; i < keys.size();) {
    size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    t.keys.push_back(keys[i]);
    t.counts.push_back(j - i);
    i = j;
  }
  return t;
}

}  // namespace

NgramCounts NgramCounter::finish() {
  NgramCounts c;
  c.order = order_;
  c.raw.resize(size_t(order_));
  c.adjusted.resize(size_t(order_));
  for (int n = 1; n <= order_; ++n) {
    c.raw[n - 1] = run_lengths(windows_[n - 1]);
    std::vector<Key>().swap(windows_[n - 1]);
  }
  c.adjusted[order_ - 1] = c.raw[order_ - 1];
  for (int n = order_ - 1; n >= 1; --n) {
    // N1+(. g): one for every distinct (n+1)-gram x g.
    std::vector<Key> suffixes;
    suffixes.reserve(c.raw[n].keys.size());
    for (const Key& k : c.raw[n].keys) {
      Key s{};
      std::copy(k.begin() + 1, k.begin() + n + 1, s.begin());
      suffixes.push_back(s);
    }
    const CountTable cont = run_lengths(suffixes);
    CountTable& adj = c.adjusted[n - 1];
    const CountTable& raw = c.raw[n - 1];
    adj.keys = raw.keys;
    adj.counts.resize(raw.keys.size());
    size_t j = 0;
    for (size_t i = 0; i < raw.keys.size(); ++i) {
      if (raw.keys[i][0] == kBos) {
        adj.counts[i] = raw.counts[i];
        continue;
      }
      while (j < cont.keys.size() && cont.keys[j] < raw.keys[i]) ++j;
      if (j == cont.keys.size() || cont.keys[j] != raw.keys[i])
        throw Error("n-gram counts: an n-gram with no left context (internal inconsistency)");
      adj.counts[i] = cont.counts[j];
    }
  }
  return c;
}

}  // namespace lmf::ngram
