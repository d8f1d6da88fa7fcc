#include "data/pipeline/quality_filter.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// The white-space separated words of s, into `words` (cleared first).
void split_words(std::string_view s, std::vector<std::string_view>& words) {
  words.clear();
  const char *p = s.data(), *e = p + s.size();
  while (p < e) {
    while (p < e && (byte_class(*p) & kWs)) ++p;
    const char* w = p;
    while (p < e && !(byte_class(*p) & kWs)) ++p;
    if (p > w) words.emplace_back(w, size_t(p - w));
  }
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  for (size_t i = 0; i <= s.size();) {
    size_t nl = s.find('\n', i);
    if (nl == std::string_view::npos) nl = s.size();
    lines.push_back(s.substr(i, nl - i));
    i = nl + 1;
  }
  return lines;
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
// calls (no allocation once grown), cleared in O(keys inserted).
class KeyCounter {
 public:
  void reset(size_t expected) {
    for (size_t slot : used_) table_[slot] = {0, 0};
    used_.clear();
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    if (cap > table_.size()) table_.assign(cap, {0, 0});
    mask_ = cap - 1;  // only the first cap slots: a small document stays in cache after a big one
  }
  uint32_t add(uint64_t key) { return ++slot(key).second; }
  // Adds `key` and returns its slot, whose count count_at() reads later.
  uint32_t add_slot(uint64_t key) {
    auto& e = slot(key);
    ++e.second;
    return uint32_t(&e - table_.data());
  }
  uint32_t count_at(uint32_t s) const { return table_[s].second; }

 private:
  std::pair<uint64_t, uint32_t>& slot(uint64_t key) {
    key |= 1;  // 0 marks an empty slot
    for (size_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & mask_;; i = (i + 1) & mask_) {
      auto& e = table_[i];
      if (e.first == key) return e;
      if (e.first == 0) {
        e.first = key;
        used_.push_back(i);
        return e;
      }
    }
  }
  std::vector<std::pair<uint64_t, uint32_t>> table_;
  std::vector<size_t> used_;
  size_t mask_ = 0;
};

// Fractions of duplicated pieces (each piece equal to an earlier one counts, equality by
// 64-bit xxh3) and of their characters.
std::pair<double, double> duplicate_fractions(const std::vector<std::string_view>& pieces) {
  thread_local KeyCounter seen;
  seen.reset(pieces.size());
  size_t dup = 0, dup_chars = 0, chars = 0;
  for (auto p : pieces) {
    chars += p.size();
    if (seen.add(XXH3_64bits(p.data(), p.size())) > 1) ++dup, dup_chars += p.size();
  }
  if (pieces.empty()) return {0, 0};
  return {double(dup) / double(pieces.size()), chars ? double(dup_chars) / double(chars) : 0};
}

}  // namespace

// The rules on text and its white-space separated words (split once for both).
static std::string gopher_quality(const std::string& text, const std::vector<std::string_view>& tokens,
                                  const GopherQualityOptions& o) {
  size_t words = 0, letters = 0, with_alpha = 0, stops = 0;
  for (auto t : tokens) {
    uint8_t all = 0xFF, any = 0;
    size_t cont = 0;
    for (char c : t) {
      const uint8_t k = byte_class(c);
      all &= k, any |= k, cont += (k & kCont) != 0;
    }
    if (!(all & kPunct)) ++words, letters += t.size() - cont;  // a symbol is punctuation only
    with_alpha += (any & kLetter) != 0;
    stops += is_stop_word(t);
  }
  if (int64_t(words) < o.min_doc_words) return "gopher_min_words";
  if (int64_t(words) > o.max_doc_words) return "gopher_max_words";
  const double mean = double(letters) / double(std::max<size_t>(words, 1));
  if (mean < o.min_avg_word_length) return "gopher_short_words";
  if (mean > o.max_avg_word_length) return "gopher_long_words";
  const double symbols = double(count_of(text, "#") + count_of(text, "...") + count_of(text, "\u2026"));
  if (symbols / double(words) > o.max_symbol_word_ratio) return "gopher_symbol_ratio";
  const auto lines = split_lines(trim(text));
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

static std::string gopher_repetition(const std::string& text, const std::vector<std::string_view>& words,
                                     const GopherRepetitionOptions& o) {
  // Paragraphs: split at blank lines; lines: non-empty lines.
  thread_local std::vector<std::string_view> paragraphs, lines;
  paragraphs.clear();
  lines.clear();
  {
    std::string_view s(text);
    size_t start = 0;
    for (size_t i = s.find('\n');; i = s.find('\n', i + 1)) {
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
    for (auto l : split_lines(s))
      if (!trim(l).empty()) lines.push_back(trim(l));
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
    len[i] = uint32_t(code_points(words[i]));
    total += len[i];
  }
  if (total == 0) return "";
  // Hashes of the n-grams starting at each word, grown from the (n−1)-grams' in place, so
  // each n costs one pass whatever n is; counts are kept per n (the table is reset), so
  // hashes of different n never meet. Only positions whose (n−1)-gram occurs more than once
  // can start an n-gram that does (its prefix would be unique otherwise), so each n looks
  // only at the repeated positions of the n before it: after the first n or two, few.
  thread_local std::vector<uint64_t> grams;
  thread_local std::vector<uint32_t> cand, slots;  // candidate positions (increasing); their table slots
  thread_local KeyCounter counts;
  int have = 0;  // grams[i] hashes words [i, i + have) for i in cand
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
    slots.resize(cand.size());
    for (size_t k = 0; k < cand.size(); ++k) slots[k] = counts.add_slot(grams[cand[k]]);
  };
  auto keep_repeated = [&] {
    size_t m = 0;
    for (size_t k = 0; k < cand.size(); ++k)
      if (counts.count_at(slots[k]) >= 2) cand[m] = cand[k], slots[m++] = slots[k];
    cand.resize(m);
    slots.resize(m);
  };
  for (auto [n, limit] : o.top_n_grams) {
    if (nw < size_t(n)) continue;
    count_grams(n);
    uint32_t best = 0;
    size_t best_at = 0;
    for (size_t k = 0; k < cand.size(); ++k)
      if (counts.count_at(slots[k]) > best) best = counts.count_at(slots[k]), best_at = cand[k];
    keep_repeated();
    if (best < 2) continue;
    size_t chars = 0;
    for (int k = 0; k < n; ++k) chars += len[best_at + size_t(k)];
    if (double(chars) * best / double(total) > limit) return "gopher_top_" + std::to_string(n) + "gram";
  }
  std::vector<char> covered(nw);
  for (auto [n, limit] : o.dup_n_grams) {
    if (nw < size_t(n)) continue;
    count_grams(n);
    keep_repeated();
    std::fill(covered.begin(), covered.end(), 0);
    size_t covered_to = 0;  // words [.., covered_to) are marked
    for (uint32_t i : cand) {
      for (size_t k = std::max<size_t>(i, covered_to); k < i + size_t(n); ++k) covered[k] = 1;
      covered_to = i + size_t(n);
    }
    size_t chars = 0;
    for (size_t i = 0; i < nw; ++i) chars += covered[i] ? len[i] : 0;
    if (double(chars) / double(total) > limit) return "gopher_dup_" + std::to_string(n) + "gram";
  }
  return "";
}

std::string gopher_quality(const std::string& text, const GopherQualityOptions& o) {
  std::vector<std::string_view> words;
  split_words(text, words);
  return gopher_quality(text, words, o);
}

std::string gopher_repetition(const std::string& text, const GopherRepetitionOptions& o) {
  std::vector<std::string_view> words;
  split_words(text, words);
  return gopher_repetition(text, words, o);
}

std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts) {
  C4LineCounts local;
  C4LineCounts& c = counts ? *counts : local;
  static const char* policy[] = {"terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                                 "use cookies"};
  const std::string low = lower(text);
  if (o.filter_lorem_ipsum && low.find("lorem ipsum") != std::string::npos) return "c4_lorem_ipsum";
  if (o.filter_curly_bracket && text.find('{') != std::string::npos) return "c4_curly_bracket";
  std::string out;
  out.reserve(text.size());
  int sentences = 0;
  std::string cleaned, cleaned_low;
  for (auto raw : split_lines(text)) {
    std::string_view l = trim(raw);
    if (l.empty()) continue;
    // The lower-cased line: the same bytes of `low` (ASCII lower-casing keeps offsets).
    std::string_view ll = std::string_view(low).substr(size_t(l.data() - text.data()), l.size());
    if (o.remove_citations && l.find('[') != std::string_view::npos) {  // "[1]", "[12]", "[citation needed]"
      cleaned.clear();
      for (size_t i = 0; i < l.size(); ++i) {
        if (l[i] == '[') {
          size_t j = i + 1;
          while (j < l.size() && std::isdigit((unsigned char)l[j])) ++j;
          if (j > i + 1 && j < l.size() && l[j] == ']') {
            i = j;
            continue;
          }
          if (l.compare(i, 18, "[citation needed]") == 0) {
            i += 17;
            continue;
          }
        }
        cleaned += l[i];
      }
      cleaned_low = lower(cleaned);
      l = cleaned;
      ll = cleaned_low;
    }
    const bool terminal = (ends_with(l, ".") || ends_with(l, "!") || ends_with(l, "?") || ends_with(l, "\"") ||
                           ends_with(l, "\u201D")) && !ends_with(l, "...");
    if (o.filter_no_terminal_punct && !terminal) {
      ++c.no_terminal_punct;
      continue;
    }
    int words = 0;
    bool long_word = false;
    for (size_t i = 0; i < l.size();) {  // the words of split_words, counted in place
      while (i < l.size() && (byte_class(l[i]) & kWs)) ++i;
      size_t j = i;
      while (j < l.size() && !(byte_class(l[j]) & kWs)) ++j;
      if (j > i) ++words, long_word |= int(code_points(l.substr(i, j - i))) > o.max_word_length;
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
    if (o.filter_javascript && ll.find("javascript") != std::string::npos) {
      ++c.javascript;
      continue;
    }
    if (o.filter_policy &&
        std::any_of(std::begin(policy), std::end(policy), [&](const char* p) { return ll.find(p) != std::string::npos; })) {
      ++c.policy;
      continue;
    }
    // Sentences: runs of . ! ? followed by a space or the end of the line.
    for (size_t i = 0; i < l.size(); ++i) {
      if (l[i] != '.' && l[i] != '!' && l[i] != '?') continue;
      size_t j = i;
      while (j < l.size() && (l[j] == '.' || l[j] == '!' || l[j] == '?')) ++j;
      if (j == l.size() || l[j] == ' ' || l[j] == '"') ++sentences;
      i = j;
    }
    if (!out.empty()) out += '\n';
    out += l;
  }
  text = std::move(out);
  if (sentences < o.min_num_sentences) return "c4_too_few_sentences";
  return "";
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
  thread_local std::vector<std::string_view> words;
  if (o_.gopher_repetition || o_.gopher_quality) split_words(doc.text, words);
  if (o_.gopher_repetition && !(why = gopher_repetition(doc.text, words, o_.repetition)).empty())
    return doc.remove(name(), why);
  if (o_.gopher_quality && !(why = gopher_quality(doc.text, words, o_.quality)).empty()) return doc.remove(name(), why);
  if (o_.c4) {
    C4LineCounts c;
    why = c4_filter(doc.text, o_.c4_rules, &c);
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
