#include "data/pipeline/json_field.h"

#include <cstdint>
#include <cstring>

#include "core/utf8.h"
#include "data/pipeline/byte_masks.h"

namespace lmf::data::pipeline {
namespace {

constexpr int kMaxDepth = 512;  // nlohmann has no limit; deeper records are not text records

// Whether any byte of the 8 at p is '"', '\\' or below 0x20 (SWAR: exact for "any").
inline bool has_special_byte(const char* p) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t v;
  std::memcpy(&v, p, 8);
  auto zero_byte = [](uint64_t x) { return (x - ones) & ~x & highs; };
  return (zero_byte(v ^ (ones * '"')) | zero_byte(v ^ (ones * '\\')) | ((v - ones * 0x20) & ~v & highs)) != 0;
}

// The end of the run of plain string bytes (not '"', '\\' or a control byte) from p.
inline const char* plain_run(const char* p, const char* end) {
  while (end - p >= 64) {
    const Block64 b(p);
    const uint64_t special = b.eq('"') | b.eq('\\') | b.in_range(0, 0x1F);
    if (special) return p + __builtin_ctzll(special);
    p += 64;
  }
  while (end - p >= 8 && !has_special_byte(p)) p += 8;
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return p;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : begin_(s.data()), p_(s.data()), end_(s.data() + s.size()) {}

  // Where the key's value last began and ended, and how often the key occurred (top level).
  size_t key_begin = 0, key_end = 0;
  int key_count = 0;

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool at_end() const { return p_ == end_; }
  char peek() const { return p_ < end_ ? *p_ : '\0'; }

  // A string starting at '"'; decoded into *out when out is not null.
  bool string(std::string* out) {
    ++p_;  // '"'
    for (;;) {
      const char* run = p_;
      p_ = plain_run(p_, end_);
      if (out) out->append(run, size_t(p_ - run));
      if (p_ >= end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
      if (*p_++ == '"') return true;
      if (p_ >= end_) return false;
      const char e = *p_++;
      char c;
      switch (e) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate first
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          if (out) utf8_append(*out, cp);
          continue;
        }
        default: return false;
      }
      if (out) out->push_back(c);
    }
  }

  bool number() {
    if (peek() == '-') ++p_;
    if (peek() == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    if (peek() == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++p_;
      if (peek() == '+' || peek() == '-') ++p_;
      if (!digits()) return false;
    }
    return true;
  }

  bool literal(const char* word, size_t n) {
    if (size_t(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return false;
    ws();
    switch (peek()) {
      case '"': return string(nullptr);
      case '{': return object(depth, {}, nullptr, nullptr);
      case '[': {
        ++p_;
        ws();
        if (peek() == ']') return ++p_, true;
        for (;;) {
          if (!value(depth + 1)) return false;
          ws();
          if (peek() == ',') { ++p_; continue; }
          if (peek() == ']') return ++p_, true;
          return false;
        }
      }
      case 't': return literal("true", 4);
      case 'f': return literal("false", 5);
      case 'n': return literal("null", 4);
      default: return number();
    }
  }

  // An object at '{'; at the top level (key_out set) the string value of `key` is decoded
  // into *out and *found says what the key held last.
  bool object(int depth, std::string_view key, std::string* out, JsonField* found) {
    ++p_;  // '{'
    ws();
    if (peek() == '}') return ++p_, true;
    std::string name;
    for (;;) {
      ws();
      if (peek() != '"') return false;
      name.clear();
      if (!string(found ? &name : nullptr)) return false;
      ws();
      if (peek() != ':') return false;
      ++p_;
      ws();
      if (found && name == key) {
        ++key_count;
        key_begin = size_t(p_ - begin_);
        if (peek() == '"') {
          out->clear();
          if (!string(out)) return false;
          *found = JsonField::Found;
        } else {
          if (!value(depth + 1)) return false;
          *found = JsonField::NotString;
        }
        key_end = size_t(p_ - begin_);
      } else if (!value(depth + 1)) {
        return false;
      }
      ws();
      if (peek() == ',') { ++p_; continue; }
      if (peek() == '}') return ++p_, true;
      return false;
    }
  }

 private:
  bool digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  }
  bool hex4(uint32_t& v) {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else return false;
    }
    return true;
  }
  const char* begin_;
  const char* p_;
  const char* end_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char* const kHex = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const char *p = s.data(), *end = p + s.size();
  while (p < end) {
    const char* run = p;
    p = plain_run(p, end);
    out.append(run, size_t(p - run));
    if (p == end) break;
    const unsigned char c = static_cast<unsigned char>(*p++);
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default: out += "u00", out.push_back(kHex[c >> 4]), out.push_back(kHex[c & 15]);
    }
  }
  out.push_back('"');
}

bool decode_json_string(std::string_view literal, std::string& out) {
  out.clear();
  Scanner s(literal);
  return s.peek() == '"' && s.string(&out) && s.at_end();
}

JsonField read_json_string_field(std::string_view line, std::string_view key, std::string& out,
                                  std::pair<size_t, size_t>* span) {
  Scanner s(line);
  s.ws();
  JsonField found = JsonField::Missing;
  bool ok;
  const bool is_object = s.peek() == '{';
  if (is_object) {
    ok = s.object(0, key, &out, &found);
  } else {
    ok = s.value(0);
  }
  s.ws();
  if (!ok || !s.at_end()) return JsonField::Invalid;
  if (!is_object) return JsonField::NotObject;
  if (found != JsonField::Found) out.clear();
  if (span) *span = found == JsonField::Found && s.key_count == 1 ? std::pair(s.key_begin, s.key_end) : std::pair<size_t, size_t>();
  return found;
}

}  // namespace lmf::data::pipeline
