#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.h"
#include "core/utf8.h"

namespace lmf::tok {
namespace {

// Unicode White_Space, which Rust regex and Oniguruma mean by \s: TAB..CR, NEL and the
// separators (Zs, Zl, Zp).
constexpr const char* kWhiteSpaceSet = "\\t-\\r\\x{85}\\p{Z}";

// Per-thread PCRE2 match state: JIT stack and match data are not shareable between threads.
struct MatchState {
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* ctx = nullptr;
  pcre2_match_data* data = nullptr;
  MatchState() {
    stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
    ctx = pcre2_match_context_create(nullptr);
    pcre2_jit_stack_assign(ctx, nullptr, stack);
    data = pcre2_match_data_create(4, nullptr);
  }
  ~MatchState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(ctx);
    pcre2_jit_stack_free(stack);
  }
};

MatchState& match_state() {
  thread_local MatchState s;
  return s;
}

}  // namespace

std::string translate_pattern(const std::string& p) {
  std::string out;
  out.reserve(p.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      if (e == 's') {
        out += in_class ? std::string(kWhiteSpaceSet) : "[" + std::string(kWhiteSpaceSet) + "]";
      } else if (e == 'S') {
        if (in_class) throw Error("pattern '" + p + "': \\S inside a character class is not supported");
        out += "[^" + std::string(kWhiteSpaceSet) + "]";
      } else {
        out += c;
        out += e;
      }
      ++i;
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' or '^]' right after the opening bracket is a literal.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

Regex::Regex(const std::string& pattern, bool literal) : pattern_(pattern), literal_(literal) {
  std::string compiled = literal ? pattern : translate_pattern(pattern);
  int err = 0;
  PCRE2_SIZE off = 0;
  uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | (literal ? PCRE2_LITERAL : 0);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(), opts, &err,
                                   &off, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw Error("invalid pretokenizer pattern '" + pattern + "' at offset " + std::to_string(off) + ": " +
                reinterpret_cast<const char*>(msg));
  }
  if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) {
    pcre2_code_free(code);
    throw Error("PCRE2 JIT is not available to compile pattern '" + pattern + "'");
  }
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Regex::split(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& out) const {
  auto* code = static_cast<pcre2_code*>(code_);
  MatchState& st = match_state();
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t n = text.size(), pos = 0, gap = 0;
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.data);
  while (pos < n) {
    int rc = pcre2_jit_match(code, subject, n, pos, 0, st.data, st.ctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      throw Error("pretokenizer pattern '" + pattern_ + "' failed at byte " + std::to_string(pos) + ": " +
                  reinterpret_cast<const char*>(msg));
    }
    size_t b = ov[0], e = ov[1];
    if (e == b) {  // empty match: step over one character
      pos = b + utf8_char_len(text, b);
      if (pos == b) pos = b + 1;
      continue;
    }
    if (b > gap) out.emplace_back(uint32_t(gap), uint32_t(b));
    out.emplace_back(uint32_t(b), uint32_t(e));
    pos = gap = e;
  }
  if (gap < n) out.emplace_back(uint32_t(gap), uint32_t(n));
}

void Pretokenizer::split(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& out) const {
  if (text.size() >= (size_t(1) << 32)) throw Error("pretokenizer: a text of 4 GiB or more must be split first");
  size_t valid = utf8_valid_prefix(text);
  auto split_valid = [&](size_t base, std::string_view part) {
    if (part.empty()) return;
    if (regexes_.empty()) {
      out.emplace_back(uint32_t(base), uint32_t(base + part.size()));
      return;
    }
    size_t first = out.size();
    regexes_[0]->split(part, out);
    for (size_t k = first; k < out.size(); ++k) {
      out[k].first += uint32_t(base);
      out[k].second += uint32_t(base);
    }
    for (size_t r = 1; r < regexes_.size(); ++r) {
      std::vector<std::pair<uint32_t, uint32_t>> pieces(out.begin() + first, out.end()), sub;
      out.resize(first);
      for (auto [b, e] : pieces) {
        sub.clear();
        regexes_[r]->split(text.substr(b, e - b), sub);
        for (auto [sb, se] : sub) out.emplace_back(b + sb, b + se);
      }
    }
  };
  if (valid == text.size()) {
    split_valid(0, text);
    return;
  }
  // Valid stretches go through the regex; each run of invalid bytes is a piece of its own.
  size_t i = 0;
  while (i < text.size()) {
    size_t v = i + utf8_valid_prefix(text.substr(i));
    split_valid(i, text.substr(i, v - i));
    if (v >= text.size()) break;
    size_t j = v;
    while (j < text.size() && utf8_char_len(text, j) == 0) ++j;
    out.emplace_back(uint32_t(v), uint32_t(j));
    i = j;
  }
}

}  // namespace lmf::tok
