#include "data/pipeline/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "data/pipeline/byte_masks.h"
#include "data/pipeline/options.h"

namespace lmf::data::pipeline {

NormalizeOptions NormalizeOptions::from_json(const nlohmann::json& j) {
  NormalizeOptions o;
  OptionReader r("normalize", j);
  r.get("form", o.form);
  r.get("whitespace", o.whitespace);
  r.get("controls", o.controls);
  r.done();
  if (o.form != "NFC" && o.form != "NFKC" && o.form != "none")
    throw Error("normalize: form \"" + o.form + "\" must be NFC, NFKC or none");
  return o;
}

namespace {

bool is_space(int32_t c) {
  return c == ' ' || c == '\t' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0x0B || c == 0x0C;
}
bool is_newline(int32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool is_dropped(int32_t c) {
  return (c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != 0x0B && c != 0x0C) || c == 0x7F ||
         (c >= 0x80 && c <= 0x9F && c != 0x85) || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF ||
         c == 0xFFFD;
}

void append_utf8(std::string& out, int32_t c) {
  uint8_t buf[4];
  const auto n = utf8proc_encode_char(c, buf);
  out.append(reinterpret_cast<const char*>(buf), size_t(n));
}

// Unicode NFC or NFKC of text into out. Every ASCII character is a normalization boundary
// (it never combines with what precedes it, and nothing reorders across it), so only the
// runs of non-ASCII characters, each with the one character before it (a base letter may
// absorb a combining mark), go through utf8proc; the rest is copied. The result is the
// same as normalizing the whole text at once.
void unicode_form(std::string_view text, const NormalizeOptions& o, std::string& out) {
  int options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (o.form == "NFKC") options |= UTF8PROC_COMPAT;
  out.clear();
  const size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < n;) {
    size_t a = i;
    while (a < n && p[a] < 0x80) ++a;
    if (a == n) {
      out.append(text.substr(i));
      break;
    }
    const size_t from = a > i ? a - 1 : a;  // a == i only at the start of the text
    size_t b = a;
    while (b < n && p[b] >= 0x80) ++b;
    out.append(text.substr(i, from - i));
    utf8proc_uint8_t* mapped = nullptr;
    const auto m = utf8proc_map(p + from, utf8proc_ssize_t(b - from), &mapped, utf8proc_option_t(options));
    if (m < 0) throw Error(std::string("normalize: ") + utf8proc_errmsg(m));
    out.append(reinterpret_cast<const char*>(mapped), size_t(m));
    std::free(mapped);
    i = b;
  }
}

// normalize_text into out (cleared first).
void normalize_into(const std::string& text, const NormalizeOptions& o, std::string& out) {
  thread_local std::string formed;
  std::string_view s(text);
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return (unsigned char)c < 0x80; });
  if (o.form != "none" && !ascii) {  // NFC and NFKC leave ASCII as it is
    unicode_form(text, o, formed);
    s = formed;
  }
  out.clear();
  if (!o.whitespace && !o.controls) {
    out.assign(s);
    return;
  }
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t len = utf8proc_ssize_t(s.size());
  int newlines = 0;         // pending newlines (written before the next visible character)
  bool pending_space = false;
  bool started = false;
  // Before a visible character: the pending separator (a paragraph break, a newline or
  // one space; nothing at the start), then no separator pending.
  auto visible_next = [&] {
    if (started) {
      if (newlines) out.append(newlines >= 2 ? "\n\n" : "\n");
      else if (pending_space) out += ' ';
    }
    newlines = 0;
    pending_space = false;
    started = true;
  };
  for (utf8proc_ssize_t i = 0; i < len;) {
    if (p[i] - 0x21u <= 0x7Eu - 0x21u) {
      // A run of visible ASCII and single spaces each followed by visible ASCII: written as
      // it is, in either mode (its spaces are the single ones the rules would write).
      utf8proc_ssize_t j = i + 1;
      const auto* c = reinterpret_cast<const char*>(p);
      for (; j + 65 <= len; j += 64) {
        const Block64 b(c + j), next(c + j + 1);
        const uint64_t ok = b.in_range(0x21, 0x7E) | (b.eq(' ') & next.in_range(0x21, 0x7E));
        if (~ok) {
          j += __builtin_ctzll(~ok);
          goto run_end;
        }
      }
      for (; j < len; ++j) {
        if (p[j] - 0x21u <= 0x7Eu - 0x21u) continue;
        if (p[j] == ' ' && j + 1 < len && p[j + 1] - 0x21u <= 0x7Eu - 0x21u) continue;
        break;
      }
    run_end:
      if (o.whitespace) visible_next();
      out.append(reinterpret_cast<const char*>(p + i), size_t(j - i));
      i = j;
      continue;
    }
    int32_t c;
    const auto k = p[i] < 0x80 ? (c = p[i], 1) : utf8proc_iterate(p + i, len - i, &c);
    if (k <= 0) {  // invalid UTF-8 cannot reach here (the reader repairs it); keep the byte
      c = 0xFFFD;
      i += 1;
    } else {
      i += k;
    }
    if (o.controls && is_dropped(c)) continue;
    if (o.whitespace) {
      if (c == '\r' && i < len && p[i] == '\n') continue;  // \r\n: the \n follows
      if (is_newline(c)) {
        ++newlines;
        pending_space = false;
        continue;
      }
      if (is_space(c)) {
        pending_space = true;
        continue;
      }
      visible_next();
    }
    if (c < 0x80) out += char(c);
    else append_utf8(out, c);
  }
}

}  // namespace

std::string normalize_text(const std::string& text, const NormalizeOptions& o) {
  std::string out;
  normalize_into(text, o, out);
  return out;
}

NormalizeStage::NormalizeStage(NormalizeOptions o) : o_(std::move(o)) {}

void NormalizeStage::process(Document& doc, int64_t, int64_t* counters) const {
  thread_local std::string t;  // reused: no allocation (and no fresh pages) per document
  normalize_into(doc.text, o_, t);
  if (t != doc.text) {
    ++counters[0];
    doc.text.assign(t);  // within doc.text's capacity unless the text grew
  }
  if (doc.text.empty()) doc.remove(name(), "empty");
}

void NormalizeStage::report(nlohmann::ordered_json& out) const {
  out["settings"] = {{"form", o_.form}, {"whitespace", o_.whitespace}, {"controls", o_.controls}};
}

}  // namespace lmf::data::pipeline
