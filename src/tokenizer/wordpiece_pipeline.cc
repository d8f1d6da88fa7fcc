// Hugging Face's encode pipeline for WordPiece tokenizers (see wordpiece_pipeline.h).
#include "tokenizer/wordpiece_pipeline.h"

#include "core/utf8.h"
#include "tokenizer/char_class.h"

namespace lmf::tok {
namespace {

// The code point of the last / first character of valid UTF-8 text (text non-empty).
uint32_t last_char(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  uint32_t cp = 0;
  utf8_decode(s, i, &cp);
  return cp;
}

uint32_t first_char(std::string_view s) {
  uint32_t cp = 0;
  utf8_decode(s, 0, &cp);
  return cp;
}

// Start of the run of whitespace that ends s (s.size() when none).
size_t trailing_space_start(std::string_view s) {
  size_t e = s.size();
  while (e > 0) {
    size_t i = e - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    uint32_t cp = 0;
    utf8_decode(s, i, &cp);
    if (!chars::is_whitespace(cp)) break;
    e = i;
  }
  return e;
}

// Length of the run of whitespace that starts s.
size_t leading_space_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t n = utf8_decode(s, i, &cp);
    if (n == 0 || !chars::is_whitespace(cp)) break;
    i += n;
  }
  return i;
}

}  // namespace

WordPiecePipeline::WordPiecePipeline(Normalizer normalizer, WordSplitter splitter, std::vector<std::string> tokens,
                                     const std::string& unk, std::string prefix, size_t max_input_chars_per_word,
                                     WordPieceDecoder decoder, std::vector<AddedToken> added)
    : normalizer_(std::move(normalizer)),
      splitter_(std::move(splitter)),
      model_(std::move(tokens), unk, std::move(prefix), max_input_chars_per_word),
      decoder_(std::move(decoder)),
      added_(std::move(added)) {
  std::vector<SpecialToken> raw, normalized;
  for (size_t k = 0; k < added_.size(); ++k) {
    const AddedToken& t = added_[k];
    if (t.content.empty()) continue;
    if (t.normalized) {
      std::string pattern = normalizer_.apply(t.content);
      if (pattern.empty()) continue;
      normalized.push_back({pattern, t.id, t.special});
      normalized_which_.push_back(k);
    } else {
      raw.push_back({t.content, t.id, t.special});
      raw_which_.push_back(k);
    }
  }
  raw_matcher_.build(raw);
  normalized_matcher_.build(normalized);
}

void WordPiecePipeline::find_added(std::string_view text, const SpecialMatcher& matcher,
                                   const std::vector<size_t>& which, std::vector<Segment>& out) const {
  size_t done = 0, from = 0, pos, len, index;
  while (from < text.size() && matcher.find(text, from, pos, len, index)) {
    from = pos + len;
    const AddedToken& t = added_[which[index]];
    size_t start = pos, stop = pos + len;
    if (t.single_word) {
      bool left_ok = start == 0 || !chars::is_word(last_char(text.substr(0, start)));
      bool right_ok = stop == text.size() || !chars::is_word(first_char(text.substr(stop)));
      if (!left_ok || !right_ok) continue;
    }
    if (t.lstrip) start = std::max(trailing_space_start(text.substr(0, start)), done);
    if (t.rstrip) stop += leading_space_len(text.substr(stop));
    if (done < start) out.push_back({-1, done, start});
    out.push_back({int64_t(t.id), start, stop});
    done = stop;
  }
  if (done < text.size()) out.push_back({-1, done, text.size()});
}

void WordPiecePipeline::encode_normalized(std::string_view text, bool match_added, std::vector<TokenId>& out) const {
  thread_local std::vector<std::pair<uint32_t, uint32_t>> words;
  auto encode_words = [&](std::string_view s) {
    words.clear();
    splitter_.split(s, words);
    for (auto [b, e] : words) model_.encode_word(s.substr(b, e - b), out);
  };
  if (!match_added || normalized_matcher_.empty()) return encode_words(text);
  std::vector<Segment> segs;
  find_added(text, normalized_matcher_, normalized_which_, segs);
  for (const Segment& s : segs) {
    if (s.id >= 0) out.push_back(TokenId(s.id));
    else encode_words(text.substr(s.b, s.e - s.b));
  }
}

void WordPiecePipeline::encode(std::string_view text, bool match_added, std::vector<TokenId>& out) const {
  std::string repaired;
  if (!utf8_valid(text)) {
    repaired = utf8_lossy(text);
    text = repaired;
  }
  if (!match_added || raw_matcher_.empty()) return encode_normalized(normalizer_.apply(text), match_added, out);
  std::vector<Segment> segs;
  find_added(text, raw_matcher_, raw_which_, segs);
  for (const Segment& s : segs) {
    if (s.id >= 0) out.push_back(TokenId(s.id));
    else encode_normalized(normalizer_.apply(text.substr(s.b, s.e - s.b)), match_added, out);
  }
}

}  // namespace lmf::tok
