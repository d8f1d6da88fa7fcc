// Hugging Face normalizers (see normalizer.h).
#include "tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "core/error.h"
#include "core/utf8.h"
#include "tokenizer/char_class.h"

namespace lmf::tok {
namespace {

bool all_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Calls f(code point) for each character of valid UTF-8 text.
template <class F>
void for_each_char(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = utf8_decode(s, i, &cp);
    if (n == 0) throw Error("normalizer: invalid UTF-8 at byte " + std::to_string(i));
    f(cp);
    i += n;
  }
}

std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for_each_char(s, [&](uint32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return out.push_back(' ');
    if (cp == 0 || cp == 0xFFFD || chars::is_other(cp)) return;
    if (chars::is_whitespace(cp)) return out.push_back(' ');
    utf8_append(out, cp);
  });
  return out;
}

std::string chinese_chars(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for_each_char(s, [&](uint32_t cp) {
    bool cjk = chars::is_chinese(cp);
    if (cjk) out.push_back(' ');
    utf8_append(out, cp);
    if (cjk) out.push_back(' ');
  });
  return out;
}

std::string normal_form(std::string_view s, int options) {
  if (all_ascii(s)) return std::string(s);
  utf8proc_uint8_t* mapped = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), utf8proc_ssize_t(s.size()), &mapped,
                        utf8proc_option_t(options | UTF8PROC_STABLE));
  if (n < 0) throw Error(std::string("normalizer: ") + utf8proc_errmsg(n));
  std::string out(reinterpret_cast<const char*>(mapped), size_t(n));
  std::free(mapped);
  return out;
}

template <class Drop>
std::string drop_chars(std::string_view s, Drop drop) {
  std::string out;
  out.reserve(s.size());
  for_each_char(s, [&](uint32_t cp) {
    if (!drop(cp)) utf8_append(out, cp);
  });
  return out;
}

std::string lowercase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for_each_char(s, [&](uint32_t cp) {
    if (cp < 0x80) return out.push_back(char(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    if (cp == 0x130) {  // the one unconditional multi-character lowercase mapping
      out.push_back('i');
      return utf8_append(out, 0x307);
    }
    utf8_append(out, uint32_t(utf8proc_tolower(utf8proc_int32_t(cp))));
  });
  return out;
}

std::string strip(std::string_view s, bool left) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e) {
      uint32_t cp = 0;
      size_t n = utf8_decode(s, b, &cp);
      if (n == 0 || !chars::is_whitespace(cp)) break;
      b += n;
    }
  } else {
    while (e > b) {
      size_t start = e - 1;
      while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
      uint32_t cp = 0;
      if (utf8_decode(s, start, &cp) == 0 || !chars::is_whitespace(cp)) break;
      e = start;
    }
  }
  return std::string(s.substr(b, e - b));
}

}  // namespace

void Normalizer::add_bert(bool clean, bool chinese, bool strip_accents, bool lower) {
  if (clean) add(Step::kCleanText);
  if (chinese) add(Step::kChineseChars);
  if (strip_accents) add(Step::kNfd), add(Step::kStripNonspacing);
  if (lower) add(Step::kLowercase);
}

std::string Normalizer::apply(std::string_view text) const {
  std::string s(text);
  for (Step step : steps_) {
    switch (step) {
      case Step::kCleanText: s = clean_text(s); break;
      case Step::kChineseChars: s = all_ascii(s) ? s : chinese_chars(s); break;
      case Step::kNfd: s = normal_form(s, UTF8PROC_DECOMPOSE); break;
      case Step::kNfkd: s = normal_form(s, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT); break;
      case Step::kNfc: s = normal_form(s, UTF8PROC_COMPOSE); break;
      case Step::kNfkc: s = normal_form(s, UTF8PROC_COMPOSE | UTF8PROC_COMPAT); break;
      case Step::kStripNonspacing: s = all_ascii(s) ? s : drop_chars(s, chars::is_nonspacing_mark); break;
      case Step::kStripMarks: s = all_ascii(s) ? s : drop_chars(s, chars::is_mark); break;
      case Step::kLowercase: s = lowercase(s); break;
      case Step::kStripLeft: s = strip(s, true); break;
      case Step::kStripRight: s = strip(s, false); break;
    }
  }
  return s;
}

}  // namespace lmf::tok
