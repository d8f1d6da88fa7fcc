#include "data/pipeline/line_dedup.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace lmf::data::pipeline {

namespace {

// (hash, line number) of each non-empty line; `spans` receives each line's [begin, end).
void line_hashes(const std::string& text, std::vector<std::pair<uint64_t, uint64_t>>& out,
                 std::vector<std::pair<size_t, size_t>>& spans) {
  out.clear();
  spans.clear();
  std::string norm;
  uint64_t line = 0;
  for (size_t at = 0; at <= text.size(); ++line) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    spans.push_back({at, nl});
    norm.clear();
    bool space = false;
    for (size_t i = at; i < nl; ++i) {
      const unsigned char c = (unsigned char)text[i];
      if (std::isspace(c)) {
        space = !norm.empty();
        continue;
      }
      if (space) norm += ' ';
      space = false;
      norm += char(std::tolower(c));
    }
    if (!norm.empty()) out.push_back({XXH3_64bits(norm.data(), norm.size()), line});
    at = nl + 1;
  }
}

}  // namespace

void LineDedupStage::observe(const Document& doc, int64_t position) {
  thread_local std::vector<std::pair<uint64_t, uint64_t>> lines;
  thread_local std::vector<std::pair<size_t, size_t>> spans;
  line_hashes(doc.text, lines, spans);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto [h, line] : lines) {
    const uint64_t key = uint64_t(position) << 24 | std::min<uint64_t>(line, (1u << 24) - 1);
    auto [it, inserted] = first_.emplace(h, key);
    if (!inserted && key < it->second) it->second = key;
  }
}

void LineDedupStage::process(Document& doc, int64_t position, int64_t* counters) const {
  thread_local std::vector<std::pair<uint64_t, uint64_t>> lines;
  thread_local std::vector<std::pair<size_t, size_t>> spans;
  line_hashes(doc.text, lines, spans);
  std::vector<char> drop(spans.size(), 0);
  bool any = false, left = false;
  for (auto [h, line] : lines) {
    const uint64_t key = uint64_t(position) << 24 | std::min<uint64_t>(line, (1u << 24) - 1);
    if (first_.at(h) != key) drop[line] = 1, any = true, ++counters[0];
    else left = true;
  }
  if (!any) return;
  if (!left) return doc.remove(name(), "empty_after_line_dedup");
  std::string out;
  bool started = false;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (drop[i]) continue;
    if (started) out += '\n';
    started = true;
    out.append(doc.text, spans[i].first, spans[i].second - spans[i].first);
  }
  doc.text = std::move(out);
}

void LineDedupStage::report(nlohmann::ordered_json& out) const { out["distinct_lines"] = first_.size(); }

}  // namespace lmf::data::pipeline
