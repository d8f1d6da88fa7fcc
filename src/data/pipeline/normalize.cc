#include "data/pipeline/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
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

}  // namespace

std::string normalize_text(const std::string& text, const NormalizeOptions& o) {
  std::string s;
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return (unsigned char)c < 0x80; });
  if (o.form == "none" || ascii) {  // NFC and NFKC leave ASCII as it is
    s = text;
  } else {
    utf8proc_uint8_t* mapped = nullptr;
    int options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (o.form == "NFKC") options |= UTF8PROC_COMPAT;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), utf8proc_ssize_t(text.size()),
                                &mapped, utf8proc_option_t(options));
    if (n < 0) throw Error(std::string("normalize: ") + utf8proc_errmsg(n));
    s.assign(reinterpret_cast<const char*>(mapped), size_t(n));
    std::free(mapped);
  }
  if (!o.whitespace && !o.controls) return s;
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t len = utf8proc_ssize_t(s.size());
  int newlines = 0;         // pending newlines (written before the next visible character)
  bool pending_space = false;
  bool started = false;
  for (utf8proc_ssize_t i = 0; i < len;) {
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
      if (started) {
        if (newlines) out.append(newlines >= 2 ? "\n\n" : "\n");
        else if (pending_space) out += ' ';
      }
      newlines = 0;
      pending_space = false;
      started = true;
    }
    if (c < 0x80) out += char(c);
    else append_utf8(out, c);
  }
  return out;
}

NormalizeStage::NormalizeStage(NormalizeOptions o) : o_(std::move(o)) {}

void NormalizeStage::process(Document& doc, int64_t, int64_t* counters) const {
  std::string t = normalize_text(doc.text, o_);
  if (t != doc.text) {
    ++counters[0];
    doc.text = std::move(t);
  }
  if (doc.text.empty()) doc.remove(name(), "empty");
}

void NormalizeStage::report(nlohmann::ordered_json& out) const {
  out["settings"] = {{"form", o_.form}, {"whitespace", o_.whitespace}, {"controls", o_.controls}};
}

}  // namespace lmf::data::pipeline
