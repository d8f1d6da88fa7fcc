#include "infer/json_automaton.h"

#include <algorithm>

namespace lmf {
namespace {

using Kind = JsonGrammar::Kind;
constexpr int64_t kNever = int64_t(1) << 60;  // "no text closes this"

// Phases per kind. Every kind starts in phase 0, before its first byte.
enum RootPhase : uint8_t { kRootPending = 0, kRootDone = 1 };
// Object (listed properties): n is the property index.
//   kObjOpen      after `{`, present only when `}` may follow directly
//   kObjInKey     under the key literal of property n
//   kObjAfter     after (or under) a value; n = the next property that may come
// AnyObject: kObjOpen, kObjInKey (under the key string), kObjColon, kObjAfter.
enum ObjPhase : uint8_t { kObjStart = 0, kObjOpen = 1, kObjInKey = 2, kObjColon = 3, kObjAfter = 4 };
// Array: n is the number of items begun. kArrOpen: after `[`, only when `]` may follow.
enum ArrPhase : uint8_t { kArrStart = 0, kArrOpen = 1, kArrAfter = 2 };
// String: n is the number of characters begun.
//   kStrUtf8     sub = continuation bytes still due; hex = range code of the next one (below)
//   kStrHex      sub = hex digits read after \u, hex = their value
//   kStrLowEsc / kStrLowU / kStrLowHex: the \uDC00-\uDFFF that must follow a high surrogate
enum StrPhase : uint8_t {
  kStrStart = 0, kStrChars, kStrUtf8, kStrEsc, kStrHex, kStrLowEsc, kStrLowU, kStrLowHex
};
// Number: n counts the digits of the current part.
enum NumPhase : uint8_t {
  kNumStart = 0, kNumMinus, kNumZero, kNumInt, kNumDot, kNumFrac, kNumE, kNumESign, kNumExp
};

bool num_accepting(uint8_t phase) {
  return phase == kNumZero || phase == kNumInt || phase == kNumFrac || phase == kNumExp;
}

// The allowed range of the next UTF-8 continuation byte (Unicode's well-formed table).
bool utf8_cont_ok(uint16_t code, uint8_t b) {
  switch (code) {
    case 1: return b >= 0xA0 && b <= 0xBF;  // after E0: no overlong 3-byte forms
    case 2: return b >= 0x80 && b <= 0x9F;  // after ED: no surrogates
    case 3: return b >= 0x90 && b <= 0xBF;  // after F0: no overlong 4-byte forms
    case 4: return b >= 0x80 && b <= 0x8F;  // after F4: at most U+10FFFF
    default: return b >= 0x80 && b <= 0xBF;
  }
}

// A lead byte of a multi-byte UTF-8 sequence: how many continuation bytes follow and the
// range code of the first one.
bool utf8_lead(uint8_t b, uint8_t& conts, uint16_t& code) {
  code = 0;
  if (b >= 0xC2 && b <= 0xDF) conts = 1;
  else if (b >= 0xE0 && b <= 0xEF) conts = 2, code = b == 0xE0 ? 1 : b == 0xED ? 2 : 0;
  else if (b >= 0xF0 && b <= 0xF4) conts = 3, code = b == 0xF0 ? 3 : b == 0xF4 ? 4 : 0;
  else return false;
  return true;
}

// A one-byte string character: printable ASCII and DEL, not `"` or `\`.
bool plain_ascii(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }

int hex_value(uint8_t b) {
  if (b >= '0' && b <= '9') return b - '0';
  if (b >= 'a' && b <= 'f') return b - 'a' + 10;
  if (b >= 'A' && b <= 'F') return b - 'A' + 10;
  return -1;
}

bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }

int64_t sat_add(int64_t a, int64_t b) { return std::min(a + b, kNever); }

}  // namespace

JsonLink* JsonArena::alloc() {
  size_t chunk = used_ / kChunk, off = used_ % kChunk;
  if (chunk == chunks_.size()) chunks_.push_back(std::make_unique<JsonLink[]>(kChunk));
  ++used_;
  return &chunks_[chunk][off];
}

int64_t JsonMachine::frame_cost(const JsonFrame& f) const {
  if (f.node == kJsonRootNode) return 0;
  const JsonGrammar::Node& nd = g_.nodes[size_t(f.node)];
  if (f.phase == 0 && nd.kind != Kind::Literal) return nd.min_bytes;
  switch (nd.kind) {
    case Kind::Literal:
      return int64_t(g_.literals[size_t(nd.literal)].size()) - f.n;
    case Kind::Object:
      if (f.phase == kObjOpen) return 1;
      if (f.phase == kObjInKey) {
        const auto& p = nd.props[size_t(f.n)];
        return sat_add(g_.nodes[size_t(p.value)].min_bytes, nd.required_cost[size_t(f.n) + 1] + 1);
      }
      return nd.required_cost[size_t(f.n)] + 1;  // kObjAfter
    case Kind::AnyObject:
      if (f.phase == kObjInKey || f.phase == kObjColon) return 2 + g_.nodes[size_t(nd.child)].min_bytes;
      return 1;  // kObjOpen, kObjAfter
    case Kind::Array: {
      if (f.phase == kArrOpen) return 1;
      int64_t missing = std::max<int64_t>(0, nd.min_count - f.n);
      int64_t item = g_.nodes[size_t(nd.child)].min_bytes;
      return missing > 0 ? std::min(kNever, missing * (item + 1) + 1) : 1;
    }
    case Kind::String: {
      int64_t rest = std::max<int64_t>(0, nd.min_count - f.n) + 1;
      switch (f.phase) {
        case kStrUtf8: return f.sub + rest;
        case kStrEsc: return 1 + rest;
        case kStrHex: {
          bool high = f.sub >= 2 && (f.hex >> (4 * (f.sub - 2))) >= 0xD8 && (f.hex >> (4 * (f.sub - 2))) <= 0xDB;
          return (4 - f.sub) + (high ? 6 : 0) + rest;
        }
        case kStrLowEsc: return 6 + rest;
        case kStrLowU: return 5 + rest;
        case kStrLowHex: return (4 - f.sub) + rest;
        default: return rest;  // kStrChars
      }
    }
    case Kind::Number:
    case Kind::Integer:
      return num_accepting(f.phase) ? 0 : 1;
    case Kind::Union:
      break;
  }
  return kNever;
}

const JsonLink* JsonMachine::link(JsonArena& arena, const JsonFrame& f, const JsonLink* parent) const {
  JsonLink* l = arena.alloc();
  l->f = f;
  l->parent = parent;
  l->below = parent ? sat_add(parent->below, frame_cost(parent->f)) : 0;
  return l;
}

void JsonMachine::add(JsonState& out, const JsonLink* l) const {
  for (const JsonLink* o : out) {
    const JsonLink *a = o, *b = l;
    while (a != b && a && b && a->f == b->f) a = a->parent, b = b->parent;
    if (a == b) return;  // the same stack
  }
  out.push_back(l);
}

void JsonMachine::push_value(int32_t node, const JsonLink* parent, JsonArena& arena, JsonState& out) const {
  const JsonGrammar::Node& nd = g_.nodes[size_t(node)];
  if (nd.kind == Kind::Union) {
    for (int32_t b : nd.branches) push_value(b, parent, arena, out);
    return;
  }
  add(out, link(arena, JsonFrame{node, 0, 0, 0, 0}, parent));
}

// The frame `parent` has seen its child finish: its next alternatives.
void JsonMachine::finish(const JsonLink* parent, JsonArena& arena, JsonState& out) const {
  const JsonFrame& f = parent->f;
  if (f.node == kJsonRootNode) {
    add(out, link(arena, JsonFrame{kJsonRootNode, kRootDone, 0, 0, 0}, nullptr));
    return;
  }
  const JsonGrammar::Node& nd = g_.nodes[size_t(f.node)];
  if (nd.kind == Kind::Object && f.phase == kObjInKey) {
    const JsonLink* after = link(arena, JsonFrame{f.node, kObjAfter, 0, 0, f.n + 1}, parent->parent);
    push_value(nd.props[size_t(f.n)].value, after, arena, out);
  } else if (nd.kind == Kind::AnyObject && f.phase == kObjInKey) {
    add(out, link(arena, JsonFrame{f.node, kObjColon, 0, 0, 0}, parent->parent));
  } else {
    add(out, parent);  // kObjAfter, kArrAfter: already the state after the child
  }
}

void JsonMachine::start(JsonArena& arena, JsonState& out, int32_t node) const {
  out.clear();
  const JsonLink* root = link(arena, JsonFrame{kJsonRootNode, kRootPending, 0, 0, 0}, nullptr);
  push_value(node < 0 ? g_.root : node, root, arena, out);
}

void JsonMachine::step(const JsonState& in, uint8_t b, JsonArena& arena, JsonState& out) const {
  out.clear();
  for (const JsonLink* l : in) step_one(l, b, arena, out);
}

void JsonMachine::step_one(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const {
  const JsonFrame& f = l->f;
  if (f.node == kJsonRootNode) return;  // the document is complete: nothing may follow
  const JsonGrammar::Node& nd = g_.nodes[size_t(f.node)];
  switch (nd.kind) {
    case Kind::Literal: {
      const std::string& lit = g_.literals[size_t(nd.literal)];
      if (uint8_t(lit[size_t(f.n)]) != b) return;
      if (size_t(f.n) + 1 == lit.size()) return finish(l->parent, arena, out);
      add(out, link(arena, JsonFrame{f.node, 0, 0, 0, f.n + 1}, l->parent));
      return;
    }
    case Kind::Object: {
      size_t np = nd.props.size();
      // The properties that may come next from index i: up to and including the first
      // required one (optional ones before it may be skipped).
      auto push_keys = [&](size_t i, const JsonLink* below) {
        for (size_t j = i; j < np; ++j) {
          const JsonLink* in_key = link(arena, JsonFrame{f.node, kObjInKey, 0, 0, int32_t(j)}, below);
          add(out, link(arena, JsonFrame{nd.props[j].key, 0, 0, 0, 0}, in_key));
          if (nd.props[j].required) break;
        }
      };
      bool closable = nd.required_cost[size_t(f.n)] == 0;
      if (f.phase == kObjStart) {
        if (b != '{') return;
        if (closable) add(out, link(arena, JsonFrame{f.node, kObjOpen, 0, 0, 0}, l->parent));
        push_keys(0, l->parent);
      } else if (f.phase == kObjOpen) {
        if (b == '}') finish(l->parent, arena, out);
      } else if (f.phase == kObjAfter) {
        if (b == '}' && closable) finish(l->parent, arena, out);
        if (b == ',' && size_t(f.n) < np) push_keys(size_t(f.n), l->parent);
      }
      return;
    }
    case Kind::AnyObject: {
      auto push_key = [&]() {
        const JsonLink* in_key = link(arena, JsonFrame{f.node, kObjInKey, 0, 0, 0}, l->parent);
        add(out, link(arena, JsonFrame{nd.key, kStrChars, 0, 0, 0}, in_key));
      };
      if (f.phase == kObjStart) {
        if (b != '{') return;
        add(out, link(arena, JsonFrame{f.node, kObjOpen, 0, 0, 0}, l->parent));
      } else if (f.phase == kObjOpen || f.phase == kObjAfter) {
        if (b == '}') finish(l->parent, arena, out);
        else if (b == '"' && f.phase == kObjOpen) push_key();
        else if (b == ',' && f.phase == kObjAfter) {
          const JsonLink* in_key = link(arena, JsonFrame{f.node, kObjInKey, 0, 0, 0}, l->parent);
          add(out, link(arena, JsonFrame{nd.key, kStrStart, 0, 0, 0}, in_key));
        }
      } else if (f.phase == kObjColon) {
        if (b != ':') return;
        const JsonLink* after = link(arena, JsonFrame{f.node, kObjAfter, 0, 0, 0}, l->parent);
        push_value(nd.child, after, arena, out);
      }
      return;
    }
    case Kind::Array: {
      bool item_ok = nd.max_count < 0 || f.n < nd.max_count;
      if (f.phase == kArrStart) {
        if (b != '[') return;
        if (nd.min_count == 0) add(out, link(arena, JsonFrame{f.node, kArrOpen, 0, 0, 0}, l->parent));
        if (item_ok) push_value(nd.child, link(arena, JsonFrame{f.node, kArrAfter, 0, 0, 1}, l->parent), arena, out);
      } else if (f.phase == kArrOpen) {
        if (b == ']') finish(l->parent, arena, out);
      } else if (f.phase == kArrAfter) {
        if (b == ']' && f.n >= nd.min_count) finish(l->parent, arena, out);
        if (b == ',' && item_ok)
          push_value(nd.child, link(arena, JsonFrame{f.node, kArrAfter, 0, 0, f.n + 1}, l->parent), arena, out);
      }
      return;
    }
    case Kind::String:
      return step_string(l, b, arena, out);
    case Kind::Number:
    case Kind::Integer:
      return step_number(l, b, arena, out);
    case Kind::Union:
      return;
  }
}

void JsonMachine::step_string(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const {
  const JsonFrame& f = l->f;
  const JsonGrammar::Node& nd = g_.nodes[size_t(f.node)];
  JsonFrame g = f;
  auto next = [&](uint8_t phase, uint8_t sub, uint16_t hex) {
    g.phase = phase, g.sub = sub, g.hex = hex;
    add(out, link(arena, g, l->parent));
  };
  bool room = nd.max_count < 0 || f.n < nd.max_count;  // another character may begin
  switch (f.phase) {
    case kStrStart:
      if (b == '"') next(kStrChars, 0, 0);
      return;
    case kStrChars:
      if (b == '"') {
        if (f.n >= nd.min_count) finish(l->parent, arena, out);
        return;
      }
      if (!room) return;
      ++g.n;
      if (b == '\\') return next(kStrEsc, 0, 0);
      if (plain_ascii(b)) return next(kStrChars, 0, 0);
      uint8_t conts;
      uint16_t code;
      if (utf8_lead(b, conts, code)) next(kStrUtf8, conts, code);
      return;
    case kStrUtf8:
      if (!utf8_cont_ok(f.hex, b)) return;
      if (f.sub == 1) return next(kStrChars, 0, 0);
      return next(kStrUtf8, uint8_t(f.sub - 1), 0);
    case kStrEsc:
      if (b == 'u') return next(kStrHex, 0, 0);
      if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't')
        return next(kStrChars, 0, 0);
      return;
    case kStrHex: {
      int d = hex_value(b);
      if (d < 0) return;
      uint16_t v = uint16_t(f.hex * 16 + d);
      uint8_t k = uint8_t(f.sub + 1);
      if (k == 2 && v >= 0xDC && v <= 0xDF) return;  // a low surrogate without a high one
      if (k < 4) return next(kStrHex, k, v);
      if (v >= 0xD800 && v <= 0xDBFF) return next(kStrLowEsc, 0, 0);
      return next(kStrChars, 0, 0);
    }
    case kStrLowEsc:
      if (b == '\\') next(kStrLowU, 0, 0);
      return;
    case kStrLowU:
      if (b == 'u') next(kStrLowHex, 0, 0);
      return;
    case kStrLowHex: {
      int d = hex_value(b);
      if (d < 0 || (f.sub == 0 && d != 0xD) || (f.sub == 1 && d < 0xC)) return;
      if (f.sub == 3) return next(kStrChars, 0, 0);
      return next(kStrLowHex, uint8_t(f.sub + 1), 0);
    }
  }
}

void JsonMachine::step_number(const JsonLink* l, uint8_t b, JsonArena& arena, JsonState& out) const {
  const JsonFrame& f = l->f;
  bool real = g_.nodes[size_t(f.node)].kind == Kind::Number;
  auto next = [&](uint8_t phase, int32_t n) {
    add(out, link(arena, JsonFrame{f.node, phase, 0, 0, n}, l->parent));
  };
  bool digit = is_digit(b);
  switch (f.phase) {
    case kNumStart:
    case kNumMinus:
      if (b == '-' && f.phase == kNumStart) return next(kNumMinus, 0);
      if (b == '0') return next(kNumZero, 1);
      if (digit) return next(kNumInt, 1);
      return;
    case kNumZero:
    case kNumInt:
      if (digit && f.phase == kNumInt && f.n < kJsonMaxIntDigits) return next(kNumInt, f.n + 1);
      if (real && b == '.') return next(kNumDot, 0);
      if (real && (b == 'e' || b == 'E')) return next(kNumE, 0);
      break;
    case kNumDot:
      if (digit) next(kNumFrac, 1);
      return;
    case kNumFrac:
      if (digit && f.n < kJsonMaxFracDigits) return next(kNumFrac, f.n + 1);
      if (b == 'e' || b == 'E') return next(kNumE, 0);
      break;
    case kNumE:
      if (b == '+' || b == '-') return next(kNumESign, 0);
      if (digit) return next(kNumExp, 1);
      return;
    case kNumESign:
      if (digit) next(kNumExp, 1);
      return;
    case kNumExp:
      if (digit && f.n < kJsonMaxExpDigits) return next(kNumExp, f.n + 1);
      break;
  }
  // The number is complete and b is not part of it: b belongs to the frame below, which is
  // the root (then nothing may follow) or an object's or array's "after a value" frame, the
  // same frame after the number finishes.
  if (is_digit(b) || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') return;
  if (l->parent->f.node != kJsonRootNode) step_one(l->parent, b, arena, out);
}

int64_t JsonMachine::plain_string_chars(std::string_view bytes) {
  int64_t chars = 0;
  for (size_t i = 0; i < bytes.size(); ++chars) {
    uint8_t b = uint8_t(bytes[i++]), conts;
    uint16_t code;
    if (plain_ascii(b)) continue;
    if (!utf8_lead(b, conts, code) || bytes.size() - i < conts) return -1;
    for (uint8_t k = 0; k < conts; ++k, code = 0)
      if (!utf8_cont_ok(code, uint8_t(bytes[i++]))) return -1;
  }
  return chars;
}

bool JsonMachine::plain_chars_range(const JsonLink* l, int64_t budget, int64_t& lo, int64_t& hi) const {
  if (l->f.node == kJsonRootNode) return false;
  const JsonGrammar::Node& nd = g_.nodes[size_t(l->f.node)];
  if (nd.kind != Kind::String || l->f.phase != kStrChars) return false;
  // After c more characters the closing text is below + max(0, min - n - c) + 1 bytes.
  int64_t slack = budget - 1 - l->below;
  lo = std::max<int64_t>(0, nd.min_count - l->f.n - slack);
  hi = slack < 0 ? -1 : nd.max_count < 0 ? kNever : nd.max_count - l->f.n;
  return true;
}

int64_t JsonMachine::close_bytes(const JsonState& s) const {
  int64_t best = kNever;
  for (const JsonLink* l : s) best = std::min(best, close_bytes(l));
  return best;
}

bool JsonMachine::accepting(const JsonLink* l) const {
  if (l->f.node == kJsonRootNode) return l->f.phase == kRootDone;
  const JsonGrammar::Node& nd = g_.nodes[size_t(l->f.node)];
  return (nd.kind == Kind::Number || nd.kind == Kind::Integer) && num_accepting(l->f.phase) && l->parent &&
         l->parent->f.node == kJsonRootNode;
}

bool JsonMachine::accepting(const JsonState& s) const {
  return std::any_of(s.begin(), s.end(), [&](const JsonLink* l) { return accepting(l); });
}

}  // namespace lmf
