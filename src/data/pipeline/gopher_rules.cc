#include "data/pipeline/gopher_rules.h"

#define XXH_INLINE_ALL  // the same hashes, without a library call per word
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/utf8.h"

namespace lmf::data::pipeline {

namespace {

bool is_stop_word(std::string_view w) {  // Gopher's: the, be, to, of, and, that, have, with
  switch (w.size()) {
    case 2: return w == "be" || w == "to" || w == "of";
    case 3: return w == "the" || w == "and";
    case 4: return w == "that" || w == "have" || w == "with";
    default: return false;
  }
}

size_t count_of(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string_view::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// Occurrence counts of 64-bit keys: open addressing in a power-of-two table reused across
// calls (no allocation once grown), cleared in O(keys inserted). Each key also keeps the
// number of the add() that inserted it.
class KeyCounter {
 public:
  struct Entry {
    uint64_t key;
    uint32_t count, first;
  };
  void reset(size_t expected) {
    for (size_t slot : used_) table_[slot] = {0, 0, 0};
    used_.clear();
    added_ = 0;
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    if (cap > table_.size()) table_.assign(cap, {0, 0, 0});
    mask_ = cap - 1;  // only the first cap slots: a small document stays in cache after a big one
  }
  // Brings the slot of `key` into the cache ahead of add(key).
  void prefetch(uint64_t key) const {
    __builtin_prefetch(&table_[((key | 1) * 0x9E3779B97F4A7C15ull) >> 20 & mask_]);
  }
  // Counts `key`; its entry (count updated; first: the number of the add() that inserted it).
  const Entry& add(uint64_t key) {
    key |= 1;  // 0 marks an empty slot
    const uint32_t n = added_++;
    for (size_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & mask_;; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.key == key) {
        ++e.count;
        return e;
      }
      if (e.key == 0) {
        e = {key, 1, n};
        used_.push_back(i);
        return e;
      }
    }
  }

 private:
  std::vector<Entry> table_;
  std::vector<size_t> used_;
  size_t mask_ = 0;
  uint32_t added_ = 0;
};

// Fractions of duplicated pieces (each piece equal to an earlier one counts, equality by
// 64-bit xxh3) and of their characters.
std::pair<double, double> duplicate_fractions(const std::vector<std::string_view>& pieces) {
  thread_local KeyCounter seen;
  seen.reset(pieces.size());
  size_t dup = 0, dup_chars = 0, chars = 0;
  for (auto p : pieces) {
    chars += p.size();
    if (seen.add(XXH3_64bits(p.data(), p.size())).count > 1) ++dup, dup_chars += p.size();
  }
  if (pieces.empty()) return {0, 0};
  return {double(dup) / double(pieces.size()), chars ? double(dup_chars) / double(chars) : 0};
}

}  // namespace

std::string gopher_quality(const std::string& text, const TextScan& scan, const GopherQualityOptions& o) {
  const auto& tokens = scan.words;
  size_t words = 0, word_bytes = 0, with_alpha = 0, stops = 0;
  for (auto t : tokens) {
    if (byte_class(t[0]) & kLetter) {  // most tokens: a word with a letter
      ++words, word_bytes += t.size(), ++with_alpha;
    } else {
      uint8_t all = 0xFF, any = 0;
      for (char c : t) {
        const uint8_t k = byte_class(c);
        all &= k, any |= k;
      }
      if (!(all & kPunct)) ++words, word_bytes += t.size();  // a symbol is punctuation only
      with_alpha += (any & kLetter) != 0;
    }
    stops += is_stop_word(t);
  }
  // Code points of the words: symbols hold no continuation bytes, so all of them are in words.
  const size_t letters = word_bytes - scan.continuation;
  if (int64_t(words) < o.min_doc_words) return "gopher_min_words";
  if (int64_t(words) > o.max_doc_words) return "gopher_max_words";
  const double mean = double(letters) / double(std::max<size_t>(words, 1));
  if (mean < o.min_avg_word_length) return "gopher_short_words";
  if (mean > o.max_avg_word_length) return "gopher_long_words";
  const double symbols = double(scan.hashes + (scan.dots3 ? count_of(text, "...") : 0) +
                                (scan.ascii ? 0 : count_of(text, "\u2026")));
  if (symbols / double(words) > o.max_symbol_word_ratio) return "gopher_symbol_ratio";
  thread_local std::vector<std::string_view> lines;
  const std::string_view trimmed = trim(text);
  const size_t tb = size_t(trimmed.data() - text.data());
  lines_of(text, scan.newlines, tb, tb + trimmed.size(), lines);
  size_t bullets = 0, ellipses = 0;
  for (auto l : lines) {
    auto t = trim(l);
    bullets += starts_with(t, "\u2022") || starts_with(t, "-");
    ellipses += ends_with(t, "...") || ends_with(t, "\u2026");
  }
  if (double(bullets) / double(lines.size()) > o.max_bullet_lines_ratio) return "gopher_bullet_lines";
  if (double(ellipses) / double(lines.size()) > o.max_ellipsis_lines_ratio) return "gopher_ellipsis_lines";
  if (double(with_alpha) / double(std::max<size_t>(tokens.size(), 1)) < o.min_alpha_word_ratio) return "gopher_alpha_words";
  if (int64_t(stops) < o.min_stop_words) return "gopher_stop_words";
  return "";
}

std::string gopher_repetition(const std::string& text, const TextScan& scan,
                              const GopherRepetitionOptions& o) {
  const auto& words = scan.words;
  // Paragraphs: split at blank lines; lines: non-empty lines.
  thread_local std::vector<std::string_view> paragraphs, lines;
  paragraphs.clear();
  lines.clear();
  {
    std::string_view s(text);
    size_t start = 0;
    auto nl = scan.newlines.begin();
    auto find_nl = [&](size_t from) {  // s.find('\n', from), for increasing from
      while (nl != scan.newlines.end() && *nl < from) ++nl;
      return nl == scan.newlines.end() ? std::string_view::npos : *nl;
    };
    for (size_t i = find_nl(0);; i = find_nl(i + 1)) {
      const bool last = i == std::string_view::npos;
      if (last || (i + 1 < s.size() && s[i + 1] == '\n')) {
        auto p = trim(s.substr(start, last ? std::string_view::npos : i - start));
        if (!p.empty()) paragraphs.push_back(p);
        if (last) break;
        while (i < s.size() && s[i] == '\n') ++i;
        start = i;
        if (i == s.size()) break;
      }
    }
    lines_of(s, scan.newlines, 0, s.size(), lines);
    size_t m = 0;
    for (auto l : lines)
      if (!trim(l).empty()) lines[m++] = trim(l);
    lines.resize(m);
  }
  auto [pf, pc] = duplicate_fractions(paragraphs);
  if (pf > o.dup_para_frac) return "gopher_dup_paragraphs";
  if (pc > o.dup_para_char_frac) return "gopher_dup_paragraph_chars";
  auto [lf, lc] = duplicate_fractions(lines);
  if (lf > o.dup_line_frac) return "gopher_dup_lines";
  if (lc > o.dup_line_char_frac) return "gopher_dup_line_chars";

  const size_t nw = words.size();
  thread_local std::vector<uint64_t> h;
  thread_local std::vector<uint32_t> len;
  h.resize(nw);
  len.resize(nw);
  size_t total = 0;
  for (size_t i = 0; i < nw; ++i) {
    h[i] = XXH3_64bits(words[i].data(), words[i].size());
    len[i] = uint32_t(scan.ascii ? words[i].size() : utf8_code_points(words[i]));
    total += len[i];
  }
  if (total == 0) return "";
  // Hashes of the n-grams starting at each word, grown from the (n−1)-grams' in place, so
  // each n costs one pass whatever n is; counts are kept per n (the table is reset), so
  // hashes of different n never meet. Only positions whose (n−1)-gram occurs more than once
  // can start an n-gram that does (its prefix would be unique otherwise), so each n looks
  // only at the repeated positions of the n before it: after the first n or two, few.
  thread_local std::vector<uint64_t> grams;
  thread_local std::vector<uint32_t> cand;  // candidate positions (increasing)
  thread_local std::vector<char> repeated;  // per candidate: its n-gram occurs twice or more
  thread_local KeyCounter counts;
  int have = 0;  // grams[i] hashes words [i, i + have) for i in cand
  uint32_t best = 0, best_k = 0;  // the highest count, and the first candidate of the n-grams having it
  auto count_grams = [&](int n) {
    if (n < have || have == 0) {  // the first n, or settings not in increasing n
      grams.assign(h.begin(), h.end());
      cand.resize(nw);
      for (size_t i = 0; i < nw; ++i) cand[i] = uint32_t(i);
      have = 1;
    }
    for (; have < n; ++have)
      for (uint32_t i : cand)
        if (i + size_t(have) < nw) grams[i] = (grams[i] ^ h[i + size_t(have)]) * 0x100000001B3ull + (grams[i] >> 29);
    while (!cand.empty() && cand.back() + size_t(n) > nw) cand.pop_back();
    counts.reset(cand.size());
    repeated.assign(cand.size(), 0);
    best = 0, best_k = 0;
    constexpr size_t kAhead = 8;  // table slots are fetched this many n-grams ahead
    for (size_t k = 0; k < cand.size(); ++k) {
      if (k + kAhead < cand.size()) counts.prefetch(grams[cand[k + kAhead]]);
      const KeyCounter::Entry& e = counts.add(grams[cand[k]]);
      if (e.count >= 2) repeated[k] = 1, repeated[e.first] = 1;
      if (e.count > best || (e.count == best && e.first < best_k)) best = e.count, best_k = e.first;
    }
  };
  auto keep_repeated = [&] {
    size_t m = 0;
    for (size_t k = 0; k < cand.size(); ++k)
      if (repeated[k]) cand[m++] = cand[k];
    cand.resize(m);
  };
  for (auto [n, limit] : o.top_n_grams) {
    if (nw < size_t(n)) continue;
    count_grams(n);
    const size_t best_at = cand.empty() ? 0 : cand[best_k];
    keep_repeated();
    if (best < 2) continue;
    size_t chars = 0;
    for (int k = 0; k < n; ++k) chars += len[best_at + size_t(k)];
    if (double(chars) * best / double(total) > limit) return "gopher_top_" + std::to_string(n) + "gram";
  }
  // The words covered by repeated n-grams for a larger n are among those for a smaller n
  // (both n-grams inside a repeated (n+1)-gram repeat too), so once the covered fraction is
  // within every later n's limit, no later n can remove the document.
  const auto& dup = o.dup_n_grams;
  for (size_t d = 0; d < dup.size(); ++d) {
    const auto [n, limit] = dup[d];
    if (nw < size_t(n)) continue;
    count_grams(n);
    keep_repeated();
    size_t chars = 0, covered_to = 0;  // words [.., covered_to) are counted
    for (uint32_t i : cand) {
      for (size_t k = std::max<size_t>(i, covered_to); k < i + size_t(n); ++k) chars += len[k];
      covered_to = i + size_t(n);
    }
    const double frac = double(chars) / double(total);
    if (frac > limit) return "gopher_dup_" + std::to_string(n) + "gram";
    bool later_possible = false;
    for (size_t e = d + 1; e < dup.size() && !later_possible; ++e)
      later_possible = dup[e].first <= dup[e - 1].first || frac > dup[e].second;
    if (!later_possible) break;
  }
  return "";
}

std::string gopher_quality(const std::string& text, const GopherQualityOptions& o) {
  TextScan scan;
  scan_text(text, scan);
  return gopher_quality(text, scan, o);
}

std::string gopher_repetition(const std::string& text, const GopherRepetitionOptions& o) {
  TextScan scan;
  scan_text(text, scan);
  return gopher_repetition(text, scan, o);
}

}  // namespace lmf::data::pipeline
