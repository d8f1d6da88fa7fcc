#include "data/pipeline/c4_rules.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "core/utf8.h"
#include "data/pipeline/byte_masks.h"
#include "data/pipeline/text_scan.h"

namespace lmf::data::pipeline {

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

std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts,
                      const std::vector<std::string_view>& lines) {
  C4LineCounts local;
  C4LineCounts& c = counts ? *counts : local;
  static const char* policy[] = {"terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                                 "use cookies"};
  const std::string low = ascii_lower(text);
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
  for (auto raw : lines) {
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
        cleaned_low = ascii_lower(cleaned);
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
      if (j > i) ++words, long_word |= find_long && int(utf8_code_points(l.substr(i, j - i))) > o.max_word_length;
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
  thread_local std::vector<std::string_view> lines;
  split_lines(text, lines);
  return c4_filter(text, o, counts, lines);
}

}  // namespace lmf::data::pipeline
