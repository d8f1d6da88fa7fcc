#define PCRE2_CODE_UNIT_WIDTH 8
#include "data/pipeline/pii.h"

#include <pcre2.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "data/pipeline/byte_masks.h"

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

// Where the matches of a pattern can begin. Each kind is a condition that every match start
// of its pattern meets (its first bytes and the byte before, which the pattern's look-behind
// or \b tests), so trying the pattern anchored at just those positions finds the same
// matches as a search through the whole text.
enum class Start {
  anywhere,    // searched by PCRE2 itself
  at_sign,     // e-mail: the local part before each '@' (see find)
  token,       // \b then AKIA.. ASIA.. AGPA.. AIDA.. AROA.. ANPA.. ANVA.. AIPA.. AIza gh gi xo ey
  assigned,    // key, tok(en), sec(ret), pas(sw..d), pwd, cre(dential), any case
  card,        // a digit not after [\w.,-]
  ssn,         // ddd[- ] not after [\w.,-]
  phone_plus,  // '+' and a digit, not after [\w+]
  phone,       // a digit or '(' not after [\w.,+-]
  ipv6,        // a hex digit or ':' with a ':' within 5 bytes, not after [\w:.]
  ipv4,        // a digit with a '.' 1 to 3 bytes on, not after [\w.]
};
constexpr int kStarts = 10;

// Bitmaps (bit i of word i / 64 for byte i) of the positions of each kind, from one pass over
// text in 64-byte blocks.
struct StartMaps {
  std::vector<uint64_t> map[kStarts];
  size_t size = 0;
  // The first position >= from of kind k, or npos.
  size_t next(Start k, size_t from) const {
    const std::vector<uint64_t>& m = map[int(k)];
    size_t w = from / 64;
    if (w >= m.size()) return std::string_view::npos;
    uint64_t bits = m[w] & (~uint64_t(0) << (from % 64));
    while (!bits) {
      if (++w == m.size()) return std::string_view::npos;
      bits = m[w];
    }
    return w * 64 + size_t(__builtin_ctzll(bits));
  }
};

uint64_t word_bytes(const Block64& b) {  // [A-Za-z0-9_], PCRE2's \w
  return b.in_range('0', '9') | b.folded().in_range('a', 'z') | b.eq('_');
}

void find_starts(std::string_view text, StartMaps& s) {
  thread_local std::string buf;  // the text with 64 zero bytes before and after, so blocks may start at -1..+4
  buf.assign(64, '\0');
  buf.append(text);
  buf.append(128, '\0');
  const size_t words = (text.size() + 63) / 64;
  s.size = text.size();
  for (auto& m : s.map) m.resize(words);
  const char* base = buf.data() + 64;
  for (size_t w = 0; w < words; ++w) {
    const char* p = base + 64 * w;
    const Block64 prev(p - 1), b0(p), b1(p + 1), b2(p + 2), b3(p + 3), b4(p + 4);
    const Block64 f0 = b0.folded(), f1 = b1.folded(), f2 = b2.folded();
    const uint64_t pw = word_bytes(prev), pdot = prev.eq('.'), pcomma = prev.eq(','), pdash = prev.eq('-');
    const uint64_t pplus = prev.eq('+'), pcolon = prev.eq(':');
    const uint64_t d0 = b0.in_range('0', '9'), d1 = b1.in_range('0', '9'), d2 = b2.in_range('0', '9');
    const uint64_t c0 = b0.eq(':'), c1 = b1.eq(':'), c2 = b2.eq(':'), c3 = b3.eq(':'), c4 = b4.eq(':');
    const uint64_t valid = w + 1 < words || text.size() % 64 == 0 ? ~uint64_t(0) : (uint64_t(1) << (text.size() % 64)) - 1;
    auto set = [&](Start k, uint64_t m) { s.map[int(k)][w] = m & valid; };
    set(Start::token, ~pw & ((b0.eq('A') & (b1.eq('K') | b1.eq('S') | b1.eq('G') | b1.eq('I') | b1.eq('R') | b1.eq('N'))) |
                             (b0.eq('g') & (b1.eq('h') | b1.eq('i'))) | (b0.eq('x') & b1.eq('o')) |
                             (b0.eq('e') & b1.eq('y'))));
    set(Start::assigned, (f0.eq('k') & f1.eq('e') & f2.eq('y')) | (f0.eq('t') & f1.eq('o') & f2.eq('k')) |
                             (f0.eq('s') & f1.eq('e') & f2.eq('c')) | (f0.eq('p') & f1.eq('a') & f2.eq('s')) |
                             (f0.eq('p') & f1.eq('w') & f2.eq('d')) | (f0.eq('c') & f1.eq('r') & f2.eq('e')));
    const uint64_t card = d0 & ~(pw | pdot | pcomma | pdash);
    set(Start::card, card);
    set(Start::ssn, card & d1 & d2 & (b3.eq('-') | b3.eq(' ')));
    set(Start::phone_plus, b0.eq('+') & d1 & ~(pw | pplus));
    set(Start::phone, (d0 | b0.eq('(')) & ~(pw | pdot | pcomma | pplus | pdash));
    set(Start::ipv6, (d0 | f0.in_range('a', 'f') | c0) & (c0 | c1 | c2 | c3 | c4) & ~(pw | pcolon | pdot));
    set(Start::ipv4, d0 & (b1.eq('.') | b2.eq('.') | b3.eq('.')) & ~(pw | pdot));
  }
}

}  // namespace

struct PiiDetector::Pattern {
  PiiType type;
  Check check;
  Start start;
  int group;              // capture group to replace (0: the whole match)
  const char* required;   // a byte string that must occur in the text for a match, or null
  pcre2_code* code = nullptr;      // searches
  pcre2_code* anchored = nullptr;  // matches at the start offset only (compiled so, as JIT needs)
  ~Pattern() {
    pcre2_code_free(code);
    pcre2_code_free(anchored);
  }
};

PiiDetector::PiiDetector() {
  struct Spec {
    PiiType type;
    Check check;
    Start start;
    int group;
    const char* required;
    const char* regex;
  };
  static const Spec specs[] = {
      {PiiType::secret, Check::none, Start::anywhere, 0, "-----BEGIN",
       R"(-----BEGIN[A-Z ]{0,30} PRIVATE KEY-----[\s\S]*?-----END[A-Z ]{0,30} PRIVATE KEY-----)"},
      {PiiType::secret, Check::none, Start::token, 0, nullptr,
       R"(\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,255}\b|)"
       R"(\bgithub_pat_[A-Za-z0-9_]{22,255}\b|\bxox[abposr]-[A-Za-z0-9-]{10,250}|)"
       R"(\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"},
      {PiiType::secret, Check::assigned_secret, Start::assigned, 1, nullptr,
       R"((?i)(?:key|token|secret|passw(?:or)?d|pwd|credential)[a-z0-9_.-]*["']?\s{0,3}(?:=|:|=>)\s{0,3}["']?([A-Za-z0-9_+/=.~-]{16,256}))"},
      {PiiType::email, Check::none, Start::at_sign, 0, "@",  // tried only where a local part ends at an '@' (see find)
       R"([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b)"},
      {PiiType::credit_card, Check::card, Start::card, 0, nullptr, R"((?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d))"},
      {PiiType::ssn, Check::ssn, Start::ssn, 0, nullptr,
       R"((?<![\w.,-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]|[.,]\d))"},
      {PiiType::phone, Check::phone, Start::phone_plus, 0, "+",
       R"((?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,8}){1,6}(?![\w-]|[.,]\d))"},
      {PiiType::phone, Check::phone, Start::phone, 0, nullptr,
       R"((?<![\w.,+-])(?:1[ .-])?(?:\(\d{3}\)[ .-]?|\d{3}[.-]|\d{3} (?=\d{3} \d{4}))\d{3}[ .-]\d{4}(?![\w-]|[.,]\d))"},
      {PiiType::ip, Check::ipv6, Start::ipv6, 0, ":",
       R"((?<![\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|)"
       R"((?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|)"
       R"(::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?![\w:]))"},
      {PiiType::ip, Check::none, Start::ipv4, 0, ".",
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
    p->start = s.start;
    p->group = s.group;
    p->required = s.required;
    auto compile = [&](uint32_t options) {
      int err = 0;
      PCRE2_SIZE off = 0;
      pcre2_code* code =
          pcre2_compile(reinterpret_cast<PCRE2_SPTR>(s.regex), PCRE2_ZERO_TERMINATED, options, &err, &off, nullptr);
      if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        throw Error(std::string("pii: pattern does not compile at ") + std::to_string(off) + ": " +
                    reinterpret_cast<char*>(msg));
      }
      pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
      return code;
    };
    p->code = compile(0);
    if (s.start != Start::anywhere) p->anchored = compile(PCRE2_ANCHORED);
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
  thread_local StartMaps starts;
  std::vector<PiiMatch> found;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  find_starts(text, starts);
  for (const auto& p : patterns_) {
    if (p->required && !contains(text, p->required)) continue;
    const bool at_sign = p->start == Start::at_sign, listed = p->start != Start::anywhere && !at_sign;
    for (size_t start = 0; start < text.size();) {
      const pcre2_code* code = p->code;
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
        code = p->anchored;
      } else if (listed) {  // the next position where a match can begin, matched anchored there
        start = starts.next(p->start, start);
        if (start == std::string_view::npos) break;
        code = p->anchored;
      }
      const int rc = pcre2_match(code, subject, text.size(), start, 0, data.md, nullptr);
      if (rc < 0 && at_sign) {
        start = text.find('@', start) + 1;
        continue;
      }
      if (rc < 0 && listed) {
        start += 1;
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
