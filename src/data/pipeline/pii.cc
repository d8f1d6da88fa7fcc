#define PCRE2_CODE_UNIT_WIDTH 8
#include "data/pipeline/pii.h"

#include <pcre2.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace lmf::data::pipeline {

const char* pii_type_name(PiiType t) {
  static const char* names[] = {"SECRET", "EMAIL", "CREDIT_CARD", "SSN", "PHONE", "IP"};
  return names[int(t)];
}
const char* pii_placeholder(PiiType t) {
  static const char* names[] = {"<SECRET>", "<EMAIL>", "<CREDIT_CARD>", "<SSN>", "<PHONE>", "<IP>"};
  return names[int(t)];
}

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    dbl = !dbl;
  }
  return !digits.empty() && sum % 10 == 0;
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  int counts[256] = {};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (int c : counts)
    if (c) {
      const double p = double(c) / double(s.size());
      h -= p * std::log2(p);
    }
  return h;
}

namespace {

bool local_char(char c) {  // characters of an e-mail address's local part
  return std::isalnum((unsigned char)c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

enum class Check { none, card, phone, ipv6, assigned_secret, ssn };

bool card_prefix(std::string_view d) {
  auto starts = [&](int lo, int hi, int len) {
    if (d.size() < size_t(len)) return false;
    const int v = std::stoi(std::string(d.substr(0, size_t(len))));
    return v >= lo && v <= hi;
  };
  return d[0] == '4' || starts(51, 55, 2) || starts(2221, 2720, 4) || starts(34, 34, 2) || starts(37, 37, 2) ||
         starts(6011, 6011, 4) || starts(65, 65, 2) || starts(644, 649, 3) || starts(3528, 3589, 4) ||
         starts(300, 305, 3) || starts(36, 36, 2) || starts(38, 39, 2);
}

// The checks a regex match must also pass; `value` is the part to replace.
bool accept(Check check, std::string_view m) {
  switch (check) {
    case Check::none:
    case Check::ssn:
      return true;
    case Check::card: {
      std::string digits;
      bool space = false, dash = false;
      for (char c : m) {
        if (c >= '0' && c <= '9') digits += c;
        else if (c == ' ') space = true;
        else if (c == '-') dash = true;
      }
      if (space && dash) return false;
      return digits.size() >= 13 && digits.size() <= 19 && card_prefix(digits) && luhn_valid(digits);
    }
    case Check::phone: {
      int digits = 0;
      for (char c : m) digits += c >= '0' && c <= '9';
      return digits >= 8 && digits <= 15;
    }
    case Check::ipv6: {
      int colons = 0;
      bool digit = false;
      for (char c : m) colons += c == ':', digit |= c >= '0' && c <= '9';
      return colons >= 2 && digit;
    }
    case Check::assigned_secret: {
      bool alpha = false, digit = false;
      for (char c : m) alpha |= std::isalpha((unsigned char)c) != 0, digit |= c >= '0' && c <= '9';
      return m.size() >= 16 && alpha && digit && shannon_entropy(m) >= 3.5;
    }
  }
  return false;
}

}  // namespace

struct PiiDetector::Pattern {
  PiiType type;
  Check check;
  int group;              // capture group to replace (0: the whole match)
  const char* required;   // a byte string that must occur in the text for a match, or null
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

PiiDetector::PiiDetector() {
  struct Spec {
    PiiType type;
    Check check;
    int group;
    const char* required;
    const char* regex;
  };
  static const Spec specs[] = {
      {PiiType::secret, Check::none, 0, "-----BEGIN",
       R"(-----BEGIN[A-Z ]{0,30} PRIVATE KEY-----[\s\S]*?-----END[A-Z ]{0,30} PRIVATE KEY-----)"},
      {PiiType::secret, Check::none, 0, nullptr,
       R"(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,255}\b|)"
       R"(\bgithub_pat_[A-Za-z0-9_]{22,255}\b|\bxox[abposr]-[A-Za-z0-9-]{10,250}|)"
       R"(\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"},
      {PiiType::secret, Check::assigned_secret, 1, nullptr,
       R"((?i)(?:key|token|secret|passw(?:or)?d|pwd|credential)[a-z0-9_.-]*["']?\s{0,3}(?:=|:|=>)\s{0,3}["']?([A-Za-z0-9_+/=.~-]{16,256}))"},
      {PiiType::email, Check::none, 0, "@",  // tried only where a local part ends at an '@' (see find)
       R"([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b)"},
      {PiiType::credit_card, Check::card, 0, nullptr, R"((?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d))"},
      {PiiType::ssn, Check::ssn, 0, nullptr,
       R"((?<![\w.,-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]|[.,]\d))"},
      {PiiType::phone, Check::phone, 0, "+",
       R"((?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,8}){1,6}(?![\w-]|[.,]\d))"},
      {PiiType::phone, Check::phone, 0, nullptr,
       R"((?<![\w.,+-])(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[.-]|\d{3} (?=\d{3} \d{4}))\d{3}[ .-]\d{4}(?![\w-]|[.,]\d))"},
      {PiiType::ip, Check::ipv6, 0, ":",
       R"((?<![\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|)"
       R"(::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?![\w:]))"},
      {PiiType::ip, Check::none, 0, ".",
       // Not after a word that numbers a part of a text ("Section 4.2.1.3", "§ 1.2.3.4").
       R"((?<![\w.])(?<!(?i:version )|(?i:section )|(?i:sections )|(?i:chapter )|)"
       R"((?i:clause )|(?i:article )|(?i:figure )|(?i:table )|(?i:appendix )|)"
       R"((?i:paragraph )|(?i:rule )|(?i:step )|(?i:part )|(?i:item )|(?i:sec\. )|)"
       R"((?i:ch\. )|(?i:art\. )|(?i:fig\. )|§ |§))"
       R"((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d))"},
  };
  for (const Spec& s : specs) {
    auto p = std::make_unique<Pattern>();
    p->type = s.type;
    p->check = s.check;
    p->group = s.group;
    p->required = s.required;
    int err = 0;
    PCRE2_SIZE off = 0;
    p->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(s.regex), PCRE2_ZERO_TERMINATED, 0, &err, &off, nullptr);
    if (!p->code) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw Error(std::string("pii: pattern does not compile at ") + std::to_string(off) + ": " +
                  reinterpret_cast<char*>(msg));
    }
    pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
    patterns_.push_back(std::move(p));
  }
}

PiiDetector::~PiiDetector() = default;

std::vector<PiiMatch> PiiDetector::find(std::string_view text) const {
  struct MatchData {
    pcre2_match_data* md = pcre2_match_data_create(8, nullptr);
    ~MatchData() { pcre2_match_data_free(md); }
  };
  thread_local MatchData data;
  std::vector<PiiMatch> found;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  for (const auto& p : patterns_) {
    if (p->required && text.find(p->required) == std::string_view::npos) continue;
    const bool at_sign = p->type == PiiType::email;
    for (size_t start = 0; start < text.size();) {
      uint32_t flags = 0;
      if (at_sign) {  // start of the longest local part before the next '@', matched anchored there
        const size_t at = text.find('@', start);
        if (at == std::string_view::npos) break;
        size_t b = at;
        while (b > start && at - b < 64 && local_char(text[b - 1]))
          --b;
        while (b < at && !std::isalnum((unsigned char)text[b])) ++b;
        if (b == at || (b > 0 && local_char(text[b - 1]))) {
          start = at + 1;
          continue;
        }
        start = b;
        flags = PCRE2_ANCHORED;
      }
      const int rc = pcre2_match(p->code, subject, text.size(), start, flags, data.md, nullptr);
      if (rc < 0 && at_sign) {
        start = text.find('@', start) + 1;
        continue;
      }
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
      const size_t mb = ov[0], me = ov[1];
      start = me > mb ? me : mb + 1;
      const size_t b = ov[2 * p->group], e = ov[2 * p->group + 1];
      if (b == PCRE2_UNSET || !accept(p->check, text.substr(b, e - b))) {
        if (p->check != Check::none && me > mb) start = mb + 1;  // a rejected match may hide a shorter valid one
        continue;
      }
      const bool overlaps = std::any_of(found.begin(), found.end(), [&](const PiiMatch& m) {
        return b < m.end && m.begin < e;
      });
      if (!overlaps) found.push_back({p->type, b, e});
    }
  }
  std::sort(found.begin(), found.end(), [](const PiiMatch& a, const PiiMatch& b) { return a.begin < b.begin; });
  return found;
}

std::string PiiDetector::redact(std::string_view text, int64_t* counts) const {
  return redact(text, find(text), counts);
}

std::string PiiDetector::redact(std::string_view text, const std::vector<PiiMatch>& found, int64_t* counts) {
  if (found.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const PiiMatch& m : found) {
    out.append(text.substr(at, m.begin - at));
    out += pii_placeholder(m.type);
    at = m.end;
    if (counts) ++counts[int(m.type)];
  }
  out.append(text.substr(at));
  return out;
}

std::vector<std::string> PiiStage::counter_names() const {
  std::vector<std::string> names;
  for (int t = 0; t < kPiiTypes; ++t) names.push_back(pii_type_name(PiiType(t)));
  return names;
}

void PiiStage::process(Document& doc, int64_t, int64_t* counters) const {
  const std::vector<PiiMatch> found = detector_.find(doc.text);
  if (!found.empty()) doc.text = PiiDetector::redact(doc.text, found, counters);  // else the text stays as read
}

}  // namespace lmf::data::pipeline
