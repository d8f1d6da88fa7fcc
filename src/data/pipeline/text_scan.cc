#include "data/pipeline/text_scan.h"

#include <algorithm>

#include "data/pipeline/byte_masks.h"

namespace lmf::data::pipeline {

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

void split_lines(std::string_view s, std::vector<std::string_view>& lines) {
  lines.clear();
  for (size_t i = 0; i <= s.size();) {
    size_t nl = s.find('\n', i);
    if (nl == std::string_view::npos) nl = s.size();
    lines.push_back(s.substr(i, nl - i));
    i = nl + 1;
  }
}

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

}  // namespace lmf::data::pipeline
