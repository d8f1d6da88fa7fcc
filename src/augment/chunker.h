// Token chunks of a document: windows of `chunk_tokens` tokens, each starting
// `chunk_tokens - overlap` tokens after the previous one, the last one ending at the
// document's end. A chunk is reported as UTF-8 byte offsets into the document,
// half-open [start, end): the bytes of its tokens, widened to whole characters where a
// byte-level token boundary falls inside one (so every chunk's text is valid UTF-8).
// Windows that widen to the same span (a tiny window inside one character) give one chunk.
// Promises: the chunks cover every byte of the text; starts and ends never decrease; consecutive chunks overlap by
// about `overlap` tokens; each chunk holds at most `chunk_tokens` tokens (plus the
// bytes of at most two split characters).
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf::augment {

struct ChunkSpan {
  size_t start, end;
};

struct ChunkParams {
  int chunk_tokens = 256;
  int overlap = 32;
};

// Error unless chunk_tokens >= 1 and 0 <= overlap < chunk_tokens.
void check_chunk_params(const ChunkParams& p);

std::vector<ChunkSpan> chunk_text(std::string_view text, const tok::Tokenizer& tk, const ChunkParams& p);

}  // namespace lmf::augment
