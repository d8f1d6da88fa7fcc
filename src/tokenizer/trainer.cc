#include "tokenizer/trainer.h"

#include <omp.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "core/threads.h"
#include "io/atomic_file.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer_impl.h"

namespace lmf::tok {
namespace {

// Counts distinct byte strings (pretokenized pieces); keys live in an arena.
class PieceCounter {
 public:
  PieceCounter() { slots_.assign(1 << 12, Slot{}); }
  void add(std::string_view key, uint64_t count) { add(key, XXH3_64bits(key.data(), key.size()), count); }
  void add(std::string_view key, uint64_t h, uint64_t count) {
    if ((size_ + 1) * 2 > slots_.size()) rehash();
    size_t mask = slots_.size() - 1, i = h & mask;
    while (slots_[i].count) {
      Slot& s = slots_[i];
      if (s.hash == h && s.len == key.size() && std::memcmp(arena_.data() + s.off, key.data(), key.size()) == 0) {
        s.count += count;
        return;
      }
      i = (i + 1) & mask;
    }
    slots_[i] = Slot{h, arena_.size(), uint32_t(key.size()), count};
    arena_.append(key);
    ++size_;
  }
  template <class F>
  void for_each(F&& f) const {
    for (auto& s : slots_)
      if (s.count) f(std::string_view(arena_.data() + s.off, s.len), s.hash, s.count);
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    size_t off = 0;
    uint32_t len = 0;
    uint64_t count = 0;  // 0: empty
  };
  void rehash() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (auto& s : old) {
      if (!s.count) continue;
      size_t i = s.hash & mask;
      while (slots_[i].count) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

// Splits the texts into line-aligned chunks of about equal size, for the counting threads.
std::vector<std::string_view> line_chunks(const std::vector<std::string>& texts, size_t target) {
  std::vector<std::string_view> chunks;
  for (const std::string& t : texts) {
    size_t start = 0;
    while (start < t.size()) {
      size_t end = std::min(t.size(), start + target);
      if (end < t.size()) {
        size_t nl = t.find('\n', end);
        end = nl == std::string::npos ? t.size() : nl + 1;
      }
      chunks.emplace_back(t.data() + start, end - start);
      start = end;
    }
  }
  return chunks;
}

// Counts the pretokenized pieces of every line of chunk (special tokens cut out first).
void count_chunk(std::string_view chunk, const Pretokenizer& pre, const SpecialMatcher& specials,
                 PieceCounter& counter) {
  std::vector<std::pair<uint32_t, uint32_t>> pieces;
  auto count_text = [&](std::string_view text) {
    pieces.clear();
    pre.split(text, pieces);
    for (auto [b, e] : pieces) counter.add(text.substr(b, e - b), 1);
  };
  size_t start = 0;
  while (start < chunk.size()) {
    size_t nl = chunk.find('\n', start);
    size_t end = nl == std::string_view::npos ? chunk.size() : nl + 1;
    std::string_view line = chunk.substr(start, end - start);
    size_t from = 0, pos, len, index;
    while (specials.find(line, from, pos, len, index)) {
      count_text(line.substr(from, pos - from));
      from = pos + len;
    }
    count_text(line.substr(from));
    start = end;
  }
}

inline uint64_t pair_key(uint32_t a, uint32_t b) { return (uint64_t(a) << 32) | b; }

struct HeapItem {
  uint64_t count;
  uint64_t pair;
  // Max-heap on count; ties go to the smaller pair.
  bool operator<(const HeapItem& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> learn_merges(std::vector<MergeWord>& words, uint64_t min_frequency,
                                                         const std::function<bool(size_t)>& want_more,
                                                         const std::function<uint32_t(uint32_t, uint32_t, size_t)>& new_symbol) {
  // Initial pair counts and, per pair, the words where it occurs.
  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<uint32_t>> where;
  pair_count.reserve(words.size() * 4);
  where.reserve(words.size() * 4);
  for (size_t w = 0; w < words.size(); ++w) {
    const auto& s = words[w].syms;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      uint64_t k = pair_key(s[i], s[i + 1]);
      pair_count[k] += int64_t(words[w].count);
      auto& v = where[k];
      if (v.empty() || v.back() != w) v.push_back(uint32_t(w));
    }
  }
  std::priority_queue<HeapItem> heap;
  for (auto& [k, c] : pair_count) heap.push({uint64_t(c), k});

  // Merge the best pair while the caller wants more.
  std::vector<std::pair<uint32_t, uint32_t>> merges;
  std::vector<uint32_t> seen_stamp(words.size(), 0);
  std::vector<uint32_t> merged;
  uint32_t stamp = 0;
  while (want_more(merges.size())) {
    if (heap.empty()) break;
    HeapItem top = heap.top();
    heap.pop();
    auto it = pair_count.find(top.pair);
    int64_t current = it == pair_count.end() ? 0 : it->second;
    if (uint64_t(current) != top.count) {  // stale: re-insert with the current count
      if (current > 0) heap.push({uint64_t(current), top.pair});
      continue;
    }
    if (top.count < std::max<uint64_t>(min_frequency, 1)) break;
    uint32_t a = uint32_t(top.pair >> 32), b = uint32_t(top.pair), c = new_symbol(a, b, merges.size());
    merges.emplace_back(a, b);

    std::vector<uint32_t> affected = std::move(where[top.pair]);
    where.erase(top.pair);
    ++stamp;
    std::unordered_map<uint64_t, int64_t> delta;
    for (uint32_t w : affected) {
      if (seen_stamp[w] == stamp) continue;
      seen_stamp[w] = stamp;
      MergeWord& word = words[w];
      auto& s = word.syms;
      // New symbols: (a, b) -> c, left to right, non-overlapping.
      merged.clear();
      bool changed = false;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
          merged.push_back(c);
          ++i;
          changed = true;
        } else {
          merged.push_back(s[i]);
        }
      }
      if (!changed) continue;
      int64_t n = int64_t(word.count);
      for (size_t i = 0; i + 1 < s.size(); ++i) delta[pair_key(s[i], s[i + 1])] -= n;
      for (size_t i = 0; i + 1 < merged.size(); ++i) {
        uint64_t k = pair_key(merged[i], merged[i + 1]);
        delta[k] += n;
        if (merged[i] == c || merged[i + 1] == c) {
          auto& v = where[k];
          if (v.empty() || v.back() != w) v.push_back(w);
        }
      }
      s.swap(merged);
    }
    for (auto& [k, d] : delta) {
      if (d == 0) continue;
      int64_t& pc = pair_count[k];
      pc += d;
      if (d > 0) heap.push({uint64_t(pc), k});
      if (pc <= 0) pair_count.erase(k);
    }
  }
  return merges;
}

Tokenizer train_bpe_texts(const std::vector<std::string>& texts, const TrainerOptions& opt) {
  const std::string pattern = opt.pattern.empty() ? builtin_pattern("cl100k") : opt.pattern;
  size_t n_special = opt.special_tokens.size();
  if (opt.vocab_size < 256 + n_special)
    throw Error("vocab size " + std::to_string(opt.vocab_size) + " is smaller than the 256 byte tokens plus " +
                std::to_string(n_special) + " special tokens");
  for (size_t i = 0; i < n_special; ++i) {
    if (opt.special_tokens[i].empty()) throw Error("special token " + std::to_string(i) + " is empty");
    for (size_t k = 0; k < i; ++k)
      if (opt.special_tokens[k] == opt.special_tokens[i]) throw Error("special token '" + opt.special_tokens[i] + "' is given twice");
  }
  size_t n_merges = opt.vocab_size - 256 - n_special;
  int threads = opt.threads > 0 ? opt.threads : lmf::threads::get();

  Pretokenizer pre({std::make_shared<Regex>(pattern)});
  std::vector<SpecialToken> specials;
  for (size_t i = 0; i < n_special; ++i)
    specials.push_back({opt.special_tokens[i], TokenId(256 + n_merges + i), true});
  SpecialMatcher matcher;
  matcher.build(specials);

  // 1. Count pieces in parallel, then merge the per-thread counts.
  size_t total = 0;
  for (auto& t : texts) total += t.size();
  auto chunks = line_chunks(texts, std::max<size_t>(total / (size_t(threads) * 8) + 1, 1 << 16));
  std::vector<PieceCounter> counters(static_cast<size_t>(threads));
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t c = 0; c < chunks.size(); ++c) {
    try {
      count_chunk(chunks[c], pre, matcher, counters[size_t(omp_get_thread_num())]);
    } catch (...) {
#pragma omp critical
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  PieceCounter all;
  for (auto& c : counters) c.for_each([&](std::string_view k, uint64_t h, uint64_t n) { all.add(k, h, n); });
  counters.clear();

  // 2. Words as byte-token sequences, sorted by bytes so that everything after is independent
  //    of hash order and thread count.
  std::vector<std::pair<std::string_view, uint64_t>> pieces;
  pieces.reserve(all.size());
  all.for_each([&](std::string_view k, uint64_t, uint64_t n) { pieces.emplace_back(k, n); });
  std::sort(pieces.begin(), pieces.end());
  std::vector<MergeWord> words(pieces.size());
  for (size_t w = 0; w < pieces.size(); ++w) {
    words[w].count = pieces[w].second;
    words[w].syms.assign(pieces[w].first.begin(), pieces[w].first.end());
    for (auto& s : words[w].syms) s &= 0xFF;
  }

  // 3. Merge the best pair until the vocabulary is full.
  std::vector<std::string> token_bytes(256 + n_merges + n_special);
  for (int b = 0; b < 256; ++b) token_bytes[b] = std::string(1, char(b));
  std::vector<std::pair<uint32_t, uint32_t>> merges = learn_merges(
      words, opt.min_frequency, [&](size_t done) { return done < n_merges; },
      [&](uint32_t a, uint32_t b, size_t done) {
        uint32_t c = uint32_t(256 + done);
        token_bytes[c] = token_bytes[a] + token_bytes[b];
        return c;
      });
  if (merges.size() < n_merges)
    throw Error("the corpus allows only " + std::to_string(merges.size()) + " merges with min frequency " +
                std::to_string(opt.min_frequency) + ", so the vocabulary can hold at most " +
                std::to_string(256 + merges.size() + n_special) + " tokens (asked for " +
                std::to_string(opt.vocab_size) + "); lower the vocab size or the min frequency");
  return Tokenizer::from_merges(std::move(token_bytes), merges, specials, pattern, "trained BPE");
}

Tokenizer train_bpe(const std::vector<std::string>& files, const TrainerOptions& options) {
  std::vector<std::string> texts;
  for (auto& f : files) texts.push_back(io::read_file(f));
  return train_bpe_texts(texts, options);
}

}  // namespace lmf::tok
