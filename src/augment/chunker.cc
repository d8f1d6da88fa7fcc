#include "augment/chunker.h"

#include "core/error.h"

namespace lmf::augment {

void check_chunk_params(const ChunkParams& p) {
  if (p.chunk_tokens < 1) throw Error("--chunk-tokens must be at least 1 (got " + std::to_string(p.chunk_tokens) + ")");
  if (p.overlap < 0 || p.overlap >= p.chunk_tokens)
    throw Error("--overlap must be at least 0 and less than --chunk-tokens " + std::to_string(p.chunk_tokens) +
                " (got " + std::to_string(p.overlap) + ")");
}

std::vector<ChunkSpan> chunk_text(std::string_view text, const tok::Tokenizer& tk, const ChunkParams& p) {
  check_chunk_params(p);
  const std::vector<TokenId> ids = tk.encode(text);
  // bound[i]: the byte offset where token i starts (bound[n] = text.size()).
  std::vector<size_t> bound(ids.size() + 1, 0);
  for (size_t i = 0; i < ids.size(); ++i) bound[i + 1] = bound[i] + tk.decode_bytes(std::span(&ids[i], 1)).size();
  if (bound.back() != text.size())
    throw Error("chunker: the tokens' bytes (" + std::to_string(bound.back()) + ") do not add up to the text's " +
                std::to_string(text.size()));
  auto continuation = [&](size_t i) { return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; };
  std::vector<ChunkSpan> chunks;
  const size_t n = ids.size(), step = size_t(p.chunk_tokens - p.overlap);
  for (size_t s = 0;; s += step) {
    const size_t e = std::min(s + size_t(p.chunk_tokens), n);
    ChunkSpan c{bound[s], bound[e]};
    while (c.start > 0 && continuation(c.start)) --c.start;
    while (continuation(c.end)) ++c.end;
    // Tiny windows inside one multi-token character widen to the same span: keep it once.
    if (chunks.empty() || chunks.back().start != c.start || chunks.back().end != c.end) chunks.push_back(c);
    if (e == n) break;
  }
  return chunks;
}

}  // namespace lmf::augment
