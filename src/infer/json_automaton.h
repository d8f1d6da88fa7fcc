// The byte-level pushdown automaton of a JsonGrammar: which bytes may come next, and how
// many bytes at least are still needed to finish the document.
//
// A state is a small set of alternatives (the grammar is ambiguous only while unions are
// undecided: anyOf branches, enum values, optional properties); each alternative is a stack
// of frames, stored as a persistent linked list (JsonLink: a frame and its parent), so a step
// copies one frame, not a stack, and states that share a prefix share the links below it.
// Links live in a JsonArena; a state is valid while the arena holds its links.
//
// Text that is accepted (compact JSON, no whitespace outside strings):
//   strings  `"`, then characters, then `"`. A character is a byte 0x20..0x7F other than `"`
//            and `\`, a complete well-formed UTF-8 sequence of a code point above U+007F
//            (no overlong forms, no surrogates, at most U+10FFFF), or an escape: \" \\ \/ \b
//            \f \n \r \t or \uXXXX (hex digits in either case) where a high surrogate
//            \uD800-\uDBFF must be followed by a low one \uDC00-\uDFFF and a lone low
//            surrogate is rejected. A character counts once for minLength/maxLength
//            (a surrogate pair is one character). Raw control bytes (< 0x20) are rejected.
//   numbers  -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? with at most kJsonMax*Digits
//            digits per part; integers without fraction and exponent. A number ends at the
//            first byte that cannot continue it.
//   the rest `{`, `}`, `[`, `]`, `,`, `:` and literals exactly as the grammar's nodes say.
//
// Shortest closing text: close_bytes(link) is the exact number of bytes of the shortest text
// that completes the document from that alternative; every byte of such a text lowers it by
// one, so a decoder holding close_bytes <= remaining can always finish in time.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "infer/json_grammar.h"

namespace lmf {

// One frame of the stack: a grammar node and where inside it the text is. The meaning of
// phase/sub/hex/n depends on the node's kind (see json_automaton.cc).
struct JsonFrame {
  int32_t node = 0;  // grammar node id; kJsonRootNode for the bottom frame
  uint8_t phase = 0;
  uint8_t sub = 0;
  uint16_t hex = 0;
  int32_t n = 0;
  bool operator==(const JsonFrame&) const = default;
};
constexpr int32_t kJsonRootNode = -1;

struct JsonLink {
  JsonFrame f;
  const JsonLink* parent = nullptr;
  int64_t below = 0;  // closing bytes of the frames under this one (exact, given this frame finishes)
};

// Links allocated in chunks (pointers stay valid); mark()/rewind() free everything allocated
// after a mark, for the depth-first walk of the mask.
class JsonArena {
 public:
  JsonLink* alloc();
  size_t mark() const { return used_; }
  void rewind(size_t mark) { used_ = mark; }

 private:
  static constexpr size_t kChunk = 1024;
  std::vector<std::unique_ptr<JsonLink[]>> chunks_;
  size_t used_ = 0;
};

using JsonState = std::vector<const JsonLink*>;

class JsonMachine {
 public:
  explicit JsonMachine(const JsonGrammar& g) : g_(g) {}

  // The state before any byte of a document of `node` (default: the grammar's root).
  void start(JsonArena& arena, JsonState& out, int32_t node = -1) const;
  // out = the state after byte b (deduplicated; empty when b cannot come next).
  void step(const JsonState& in, uint8_t b, JsonArena& arena, JsonState& out) const;
  // Bytes of the shortest text completing the document from this alternative / state
  // (a very large number when none fits).
  int64_t close_bytes(const JsonLink* l) const { return l->below + frame_cost(l->f); }
  int64_t close_bytes(const JsonState& s) const;
  // The number of characters in `bytes` when they are only whole string characters that
  // need no escape (printable ASCII and DEL but `"` and `\`, well-formed UTF-8), else -1.
  static int64_t plain_string_chars(std::string_view bytes);
  // For an alternative inside a string between two characters: [lo, hi], how many plain
  // characters may be appended with the shortest closing text still within `budget` bytes
  // (lo > hi: none). False for any other alternative.
  bool plain_chars_range(const JsonLink* l, int64_t budget, int64_t& lo, int64_t& hi) const;
  // Whether the text so far is a whole document (for this alternative / any of them).
  bool accepting(const JsonLink* l) const;
  bool accepting(const JsonState& s) const;

 private:
  int64_t frame_cost(const JsonFrame& f) const;
  const JsonLink* link(JsonArena& arena, const JsonFrame& f, const JsonLink* parent) const;
  void add(JsonState& out, const JsonLink* l) const;
  void push_value(int32_t node, const JsonLink* parent, JsonArena& arena, JsonState& out) const;
  void finish(const JsonLink* parent, JsonArena& arena, JsonState& out) const;
  void step_one(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const;
  void step_string(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const;
  void step_number(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const;

  const JsonGrammar& g_;
};

}  // namespace lmf
