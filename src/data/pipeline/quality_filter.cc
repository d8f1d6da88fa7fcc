#include "data/pipeline/quality_filter.h"

#define XXH_INLINE_ALL  // the same hashes, without a library call per word
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/pipeline/byte_masks.h"
#include "data/pipeline/options.h"

namespace lmf::data::pipeline {

namespace {


// Byte classes: white space (space, \t, \n, \r, \f, \v), ASCII punctuation (std::ispunct in the C locale),
// letters (ASCII letters and UTF-8 lead bytes of two bytes or more), UTF-8 continuation bytes.
enum : uint8_t { kWs = 1, kPunct = 2, kLetter = 4, kCont = 8 };
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[size_t(c)] = kWs;
  for (int c = 33; c < 127; ++c) {
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z', digit = c >= '0' && c <= '9';
    t[size_t(c)] = letter ? kLetter : digit ? 0 : kPunct;
  }
  for (int c = 0x80; c < 0xC0; ++c) t[size_t(c)] = kCont;
  for (int c = 0xC0; c < 0x100; ++c) t[size_t(c)] = kLetter;
  return t;
}();
inline uint8_t byte_class(char c) { return kByteClass[static_cast<unsigned char>(c)]; }

// What the Gopher rules need of a text, from one pass over its 64-byte blocks.
struct TextScan {
  std::vector<std::string_view> words;  // the white-space separated tokens
  size_t continuation = 0;              // UTF-8 continuation bytes (all inside tokens)
  size_t hashes = 0;                    // '#' bytes
  bool dots3 = false;                   // "..." occurs
  bool ascii = true;                    // no byte >= 0x80
  std::vector<size_t> newlines;         // positions of '\n', increasing
};

void scan_text(std::string_view s, TextScan& t) {
  t.words.clear();
  t.newlines.clear();
  t.continuation = t.hashes = 0;
  WordEdges edges;
  const auto add_word = [&](size_t begin, size_t end) { t.words.emplace_back(s.data() + begin, end - begin); };
  uint64_t prev_dots = 0, high = 0, dots3 = 0;
  for_each_block(s, ' ', [&](size_t off, const Block64& b, uint64_t) {
    edges.block(off, b.space(), add_word);
    for (uint64_t nl = b.eq('\n'); nl; nl &= nl - 1) t.newlines.push_back(off + size_t(__builtin_ctzll(nl)));
    const uint64_t dots = b.eq('.');
    dots3 |= dots & (dots << 1 | prev_dots >> 63) & (dots << 2 | prev_dots >> 62);
    prev_dots = dots;
    t.hashes += size_t(__builtin_popcountll(b.eq('#')));
    const uint64_t hi = b.high();
    high |= hi;
    if (hi) t.continuation += size_t(__builtin_popcountll(b.continuation()));
  });
  edges.finish(s.size(), add_word);
  t.dots3 = dots3 != 0;
  t.ascii = high == 0;
}

// The lines of s (split at '\n', the last one after the last '\n'), into `lines` (cleared first).
void split_lines(std::string_view s, std::vector<std::string_view>& lines) {
  lines.clear();
  for (size_t i = 0; i <= s.size();) {
    size_t nl = s.find('\n', i);
    if (nl == std::string_view::npos) nl = s.size();
    lines.push_back(s.substr(i, nl - i));
    i = nl + 1;
  }
}

// split_lines(text.substr(from, to - from)) from the scan's newline positions.
void lines_of(std::string_view text, const std::vector<size_t>& newlines, size_t from, size_t to,
              std::vector<std::string_view>& lines) {
  lines.clear();
  auto nl = std::lower_bound(newlines.begin(), newlines.end(), from);
  for (size_t i = from;; ++nl) {
    if (nl == newlines.end() || *nl >= to) {
      lines.push_back(text.substr(i, to - i));
      break;
    }
    lines.push_back(text.substr(i, *nl - i));
    i = *nl + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (byte_class(s.front()) & kWs)) s.remove_prefix(1);
  while (!s.empty() && (byte_class(s.back()) & kWs)) s.remove_suffix(1);
  return s;
}

size_t code_points(std::string_view w) {
  size_t n = 0;
  for (unsigned char c : w) n += (c & 0xC0) != 0x80;
  return n;
}

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

bool ends_with(std::string_view s, std::string_view t) { return s.size() >= t.size() && s.substr(s.size() - t.size()) == t; }
bool starts_with(std::string_view s, std::string_view t) { return s.substr(0, t.size()) == t; }

std::string lower(std::string_view s) {  // ASCII letters only, as the rules compare ASCII words
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  return out;
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

// The rules on text and its scan (made once for both rule sets).
static std::string gopher_quality(const std::string& text, const TextScan& scan, const GopherQualityOptions& o) {
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

static std::string gopher_repetition(const std::string& text, const TextScan& scan,
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
    len[i] = uint32_t(scan.ascii ? words[i].size() : code_points(words[i]));
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

// Sentence ends in a line: runs of . ! ? followed by a space, a '"' or the end of the line.
static int count_sentences(std::string_view l) {
  int n = 0;
  for_each_block(l, 0, [&](size_t off, const Block64& b, uint64_t) {
    const uint64_t m = b.eq('.') | b.eq('!') | b.eq('?');
    for (uint64_t last = m & ~(m >> 1); last; last &= last - 1) {  // the last byte of a run (bit 63: maybe not)
      const size_t next = off + size_t(__builtin_ctzll(last)) + 1;
      if (next == l.size()) ++n;
      else if (next < l.size()) n += l[next] == ' ' || l[next] == '"';  // and not . ! ?: the run goes on
    }
  });
  return n;
}

// c4_filter with the lines of text given (from a scan) or not (null).
static std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts,
                             const std::vector<std::string_view>* given_lines) {
  C4LineCounts local;
  C4LineCounts& c = counts ? *counts : local;
  static const char* policy[] = {"terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                                 "use cookies"};
  const std::string low = lower(text);
  if (o.filter_lorem_ipsum && contains(low, "lorem ipsum")) return "c4_lorem_ipsum";
  if (o.filter_curly_bracket && text.find('{') != std::string::npos) return "c4_curly_bracket";
  // The line rules that search for words need only run on lines of a document that has them
  // (or on lines that removing citations changed). Every policy phrase holds "policy",
  // "cookies" or "terms of use".
  const bool doc_javascript = o.filter_javascript && contains(low, "javascript");
  const bool doc_policy =
      o.filter_policy && (contains(low, "policy") || contains(low, "cookies") || contains(low, "terms of use"));
  const bool doc_brackets = o.remove_citations && text.find('[') != std::string::npos;
  const bool long_words_possible = o.max_word_length < 0 || text.size() > size_t(o.max_word_length);
  std::string out;
  out.reserve(text.size());
  int sentences = 0;
  thread_local std::string cleaned, cleaned_low;
  thread_local std::vector<std::string_view> split;
  if (!given_lines) split_lines(text, split);
  for (auto raw : given_lines ? *given_lines : split) {
    std::string_view l = trim(raw);
    if (l.empty()) continue;
    // The lower-cased line: the same bytes of `low` (ASCII lower-casing keeps offsets).
    std::string_view ll = std::string_view(low).substr(size_t(l.data() - text.data()), l.size());
    bool changed = false;
    if (doc_brackets && l.find('[') != std::string_view::npos) {  // "[1]", "[12]", "[citation needed]"
      cleaned.clear();
      size_t from = 0;  // l[from, i) is still to be copied
      for (size_t i = l.find('['); i != std::string_view::npos; i = l.find('[', i)) {
        size_t j = i + 1;
        while (j < l.size() && std::isdigit((unsigned char)l[j])) ++j;
        if (j > i + 1 && j < l.size() && l[j] == ']') j += 1;
        else if (l.compare(i, 18, "[citation needed]") == 0) j = i + 18;
        else {
          ++i;
          continue;
        }
        cleaned.append(l.substr(from, i - from));
        from = i = j;
      }
      if (from > 0) {
        cleaned.append(l.substr(from));
        cleaned_low = lower(cleaned);
        l = cleaned;
        ll = cleaned_low;
        changed = true;
      }
    }
    const bool terminal = (ends_with(l, ".") || ends_with(l, "!") || ends_with(l, "?") || ends_with(l, "\"") ||
                           ends_with(l, "\u201D")) && !ends_with(l, "...");
    if (o.filter_no_terminal_punct && !terminal) {
      ++c.no_terminal_punct;
      continue;
    }
    // The words of split_words, counted in place: only as far as min_words_per_line unless
    // the line may hold a word longer than max_word_length (one of more bytes than that).
    const bool find_long = long_words_possible && (o.max_word_length < 0 || l.size() > size_t(o.max_word_length));
    int words = 0;
    bool long_word = false;
    for (size_t i = 0; i < l.size() && (find_long || words < o.min_words_per_line);) {
      while (i < l.size() && (byte_class(l[i]) & kWs)) ++i;
      size_t j = i;
      while (j < l.size() && !(byte_class(l[j]) & kWs)) ++j;
      if (j > i) ++words, long_word |= find_long && int(code_points(l.substr(i, j - i))) > o.max_word_length;
      i = j;
    }
    if (words < o.min_words_per_line) {
      ++c.too_few_words;
      continue;
    }
    if (long_word) {
      ++c.long_word;
      continue;
    }
    if ((doc_javascript || (changed && o.filter_javascript)) && contains(ll, "javascript")) {
      ++c.javascript;
      continue;
    }
    if ((doc_policy || (changed && o.filter_policy)) &&
        std::any_of(std::begin(policy), std::end(policy), [&](const char* p) { return contains(ll, p); })) {
      ++c.policy;
      continue;
    }
    sentences += count_sentences(l);
    if (!out.empty()) out += '\n';
    out += l;
  }
  text = std::move(out);
  if (sentences < o.min_num_sentences) return "c4_too_few_sentences";
  return "";
}

std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts) {
  return c4_filter(text, o, counts, nullptr);
}

FilterOptions FilterOptions::from_json(const nlohmann::json& j) {
  FilterOptions o;
  OptionReader r("filter", j);
  r.get("gopher_quality", o.gopher_quality);
  r.get("gopher_repetition", o.gopher_repetition);
  r.get("c4", o.c4);
  auto& q = o.quality;
  r.get("min_doc_words", q.min_doc_words);
  r.get("max_doc_words", q.max_doc_words);
  r.get("min_avg_word_length", q.min_avg_word_length);
  r.get("max_avg_word_length", q.max_avg_word_length);
  r.get("max_symbol_word_ratio", q.max_symbol_word_ratio);
  r.get("max_bullet_lines_ratio", q.max_bullet_lines_ratio);
  r.get("max_ellipsis_lines_ratio", q.max_ellipsis_lines_ratio);
  r.get("min_alpha_word_ratio", q.min_alpha_word_ratio);
  r.get("min_stop_words", q.min_stop_words);
  auto& p = o.repetition;
  r.get("dup_line_frac", p.dup_line_frac);
  r.get("dup_para_frac", p.dup_para_frac);
  r.get("dup_line_char_frac", p.dup_line_char_frac);
  r.get("dup_para_char_frac", p.dup_para_char_frac);
  r.get("top_n_grams", p.top_n_grams);
  r.get("dup_n_grams", p.dup_n_grams);
  auto& c = o.c4_rules;
  r.get("filter_no_terminal_punct", c.filter_no_terminal_punct);
  r.get("min_words_per_line", c.min_words_per_line);
  r.get("max_word_length", c.max_word_length);
  r.get("filter_javascript", c.filter_javascript);
  r.get("filter_policy", c.filter_policy);
  r.get("remove_citations", c.remove_citations);
  r.get("filter_lorem_ipsum", c.filter_lorem_ipsum);
  r.get("filter_curly_bracket", c.filter_curly_bracket);
  r.get("min_num_sentences", c.min_num_sentences);
  r.done();
  return o;
}

std::vector<std::string> FilterStage::counter_names() const {
  return {"c4_lines_no_terminal_punct", "c4_lines_too_few_words", "c4_lines_long_word", "c4_lines_javascript",
          "c4_lines_policy"};
}

void FilterStage::process(Document& doc, int64_t, int64_t* counters) const {
  std::string why;
  thread_local TextScan scan;
  const bool scanned = o_.gopher_repetition || o_.gopher_quality;
  if (scanned) scan_text(doc.text, scan);
  if (o_.gopher_repetition && !(why = gopher_repetition(doc.text, scan, o_.repetition)).empty())
    return doc.remove(name(), why);
  if (o_.gopher_quality && !(why = gopher_quality(doc.text, scan, o_.quality)).empty()) return doc.remove(name(), why);
  if (o_.c4) {
    C4LineCounts c;
    thread_local std::vector<std::string_view> lines;
    if (scanned) lines_of(doc.text, scan.newlines, 0, doc.text.size(), lines);
    why = c4_filter(doc.text, o_.c4_rules, &c, scanned ? &lines : nullptr);
    counters[0] += c.no_terminal_punct, counters[1] += c.too_few_words, counters[2] += c.long_word;
    counters[3] += c.javascript, counters[4] += c.policy;
    if (!why.empty()) return doc.remove(name(), why);
  }
}

void FilterStage::report(nlohmann::ordered_json& out) const {
  const auto& q = o_.quality;
  const auto& c = o_.c4_rules;
  out["settings"] = {{"gopher_quality", o_.gopher_quality},
                     {"gopher_repetition", o_.gopher_repetition},
                     {"c4", o_.c4},
                     {"min_doc_words", q.min_doc_words},
                     {"max_doc_words", q.max_doc_words},
                     {"min_avg_word_length", q.min_avg_word_length},
                     {"max_avg_word_length", q.max_avg_word_length},
                     {"max_symbol_word_ratio", q.max_symbol_word_ratio},
                     {"max_bullet_lines_ratio", q.max_bullet_lines_ratio},
                     {"max_ellipsis_lines_ratio", q.max_ellipsis_lines_ratio},
                     {"min_alpha_word_ratio", q.min_alpha_word_ratio},
                     {"min_stop_words", q.min_stop_words},
                     {"dup_line_frac", o_.repetition.dup_line_frac},
                     {"dup_para_frac", o_.repetition.dup_para_frac},
                     {"dup_line_char_frac", o_.repetition.dup_line_char_frac},
                     {"dup_para_char_frac", o_.repetition.dup_para_char_frac},
                     {"top_n_grams", o_.repetition.top_n_grams},
                     {"dup_n_grams", o_.repetition.dup_n_grams},
                     {"min_words_per_line", c.min_words_per_line},
                     {"max_word_length", c.max_word_length},
                     {"min_num_sentences", c.min_num_sentences}};
}

}  // namespace lmf::data::pipeline
