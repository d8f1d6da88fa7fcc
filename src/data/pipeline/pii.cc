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

enum class Check { none, card, phone, outside_phone, ipv6, assigned_secret, named_secret, ssn };

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

int count_digits(std::string_view m) {
  int digits = 0;
  for (char c : m) digits += c >= '0' && c <= '9';
  return digits;
}

// A number in national notation (trunk prefix 0): 9 to 12 digits; in groups that one kind
// of separator joins, two groups only when the second has 5 digits or more (not a ZIP+4
// code, an ISSN or a range of hours) and a '/' only between two groups (German style); or
// an area code in parentheses followed by the rest.
bool national_phone(std::string_view m) {
  const int digits = count_digits(m);
  if (digits < 9 || digits > 12) return false;
  if (m[0] == '(') return true;
  int groups = 1, last = 0;
  char sep = 0;
  for (char c : m) {
    if (c >= '0' && c <= '9') {
      ++last;
      continue;
    }
    sep = c, ++groups, last = 0;
  }
  if (groups == 2 && last < 5) return false;
  return sep != '/' || groups == 2;
}

// Whether a phone word ends just before `at`, with at most a '.', a number word (no, nr,
// number), a ':' and spaces between: "Tel: ", "phone no. ", "Mobile ", "Tél. : ".
bool after_phone_word(std::string_view text, size_t at) {
  std::string before(text.substr(at - std::min<size_t>(at, 32), std::min<size_t>(at, 32)));
  for (char& c : before) c = char(std::tolower((unsigned char)c));
  auto strip = [&](std::string_view tail) {
    if (before.size() < tail.size() || before.compare(before.size() - tail.size(), tail.size(), tail) != 0) return false;
    before.resize(before.size() - tail.size());
    return true;
  };
  for (int i = 0; i < 3 && strip(" ");) ++i;
  strip(":");
  strip(" ");
  strip(".");
  for (const char* n : {"number", "no", "nr"})
    if (strip(n)) {
      strip(" ");
      break;
    }
  strip(".");
  static const char* const kWords[] = {"tel",  "t\xC3\xA9l", "telephone", "t\xC3\xA9l\xC3\xA9phone", "telefon",
                                       "phone", "ph",          "mob",       "mobile",                 "mobil",
                                       "cell",  "cellphone",   "fax",       "handy",                  "portable",
                                       "whatsapp"};
  for (const char* w : kWords) {
    const size_t n = std::strlen(w);
    if (before.size() >= n && before.compare(before.size() - n, n, w) == 0 &&
        (before.size() == n || !(std::isalnum((unsigned char)before[before.size() - n - 1]) || before[before.size() - n - 1] == '_')))
      return true;
  }
  return false;
}

// Whether `c` may be part of a setting's name (DB_PASSWORD, spring.datasource.password,
// --api-key, $apiKey).
bool name_char(char c) { return std::isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '$'; }

bool lower_ascii(char c) { return c >= 'a' && c <= 'z'; }

// Values that name no secret: empty or type-like words, placeholders, references to
// variables, calls and templates.
bool placeholder_value(std::string_view v, bool quoted) {
  if (v.size() < 4) return true;
  const char first = v[0];
  if (std::strchr("$<[{%*!&|>@#(", first)) return true;
  std::string low(v);
  for (char& c : low) c = char(std::tolower((unsigned char)c));
  static const char* const kWords[] = {"none",     "null",     "nil",      "true",     "false",  "undefined",
                                       "required", "optional", "string",   "integer",  "bool",   "boolean",
                                       "bytes",    "object",   "number",   "secret",   "password", "passwd",
                                       "token",    "changeme", "placeholder", "redacted", "hidden", "empty",
                                       "example",  "dummy",    "xxxx",     "****",     "...."};
  for (const char* w : kWords)
    if (low == w) return true;
  if (low.rfind("your", 0) == 0 || low.find("${") != std::string::npos || low.find("{{") != std::string::npos ||
      low.find("%(") != std::string::npos || low.find("(") != std::string::npos ||
      low.find("environ") != std::string::npos || low.find("getenv") != std::string::npos)
    return true;
  if (low.find_first_not_of("x*.-_") == std::string::npos) return true;  // xxxx, ****, ....
  if (!quoted) {  // an unquoted dotted name is a reference: settings.SECRET_KEY, self.token
    bool dotted = false, ident = true, at_start = true;
    for (char c : v) {
      if (c == '.') {
        dotted = true, ident &= !at_start, at_start = true;
        continue;
      }
      ident &= std::isalpha((unsigned char)c) || c == '_' || (!at_start && std::isdigit((unsigned char)c));
      at_start = false;
    }
    if (dotted && ident && !at_start) return true;
  }
  return false;
}

// A value assigned to a secret's name (`text[kb, ke)` is the name's last word, see the
// pattern): the name must be a word of its own (start of the name, after _ . - or a
// camelCase boundary) and not a tokenizer's special-token field; then, by the way it is
// written:
//   quoted value ("..." or '...') after = : =>      JSON, code, keyword arguments, YAML, env
//   unquoted value after = : =>, at a line's start (after indentation, "export " or "- ")
//     with nothing but a comment after it             env files, YAML, INI, properties
//   unquoted value on a command line: --name=VALUE or --name VALUE
bool named_secret(std::string_view text, size_t kb, size_t ke, std::string_view sep, bool quoted, size_t vb,
                  size_t ve) {
  if (kb > 0 && std::isalnum((unsigned char)text[kb - 1]) &&
      !(std::isupper((unsigned char)text[kb]) && (lower_ascii(text[kb - 1]) || std::isdigit((unsigned char)text[kb - 1]))))
    return false;
  size_t nb = kb;
  while (nb > 0 && name_char(text[nb - 1])) --nb;
  std::string name(text.substr(nb, ke - nb));
  for (char& c : name) c = char(std::tolower((unsigned char)c));
  for (const char* special : {"bos_", "eos_", "pad_", "unk_", "sep_", "cls_", "mask_"})
    if (name.find(special) != std::string::npos) return false;
  const std::string_view value = text.substr(vb, ve - vb);
  if (placeholder_value(value, quoted)) return false;
  const bool flag = name.rfind("--", 0) == 0;
  const bool spaced = sep.find_first_not_of(" \t") == std::string_view::npos;
  if (spaced) return flag && value[0] != '-';
  if (quoted || flag) return true;
  // At the start of a line: only indentation, "export " or "- " before the name.
  size_t ls = nb;
  while (ls > 0 && text[ls - 1] != '\n') --ls;
  std::string_view before = text.substr(ls, nb - ls);
  while (!before.empty() && (before[0] == ' ' || before[0] == '\t')) before.remove_prefix(1);
  if (!before.empty() && before != "export " && before != "- ") return false;
  // Nothing after the value on its line but white space or a comment.
  size_t at = ve;
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r')) ++at;
  return at == text.size() || text[at] == '\n' || text[at] == '#' || text[at] == ';';
}

// The checks a regex match must also pass: `m` is the whole match, `value` the part to
// replace; `ov` the match's ovector (for the named-secret pattern's groups).
bool accept(Check check, std::string_view text, std::string_view m, std::string_view value, const PCRE2_SIZE* ov) {
  switch (check) {
    case Check::none:
    case Check::ssn:
      return true;
    case Check::card: {
      std::string digits;
      bool space = false, dash = false;
      for (char c : value) {
        if (c >= '0' && c <= '9') digits += c;
        else if (c == ' ') space = true;
        else if (c == '-') dash = true;
      }
      if (space && dash) return false;
      return digits.size() >= 13 && digits.size() <= 19 && card_prefix(digits) && luhn_valid(digits);
    }
    case Check::phone: {
      const int digits = count_digits(m);
      return digits >= 8 && digits <= 15;
    }
    case Check::outside_phone:  // the groups of its branches (see the pattern)
      if (ov[3] > ov[2]) return count_digits(m) >= 10 && count_digits(m) <= 17;  // 00, 8 to 15 digits as after '+'
      if (ov[5] > ov[4]) return national_phone(m);
      if (ov[9] > ov[8]) return true;
      return after_phone_word(text, ov[0]);
    case Check::named_secret:  // groups: 1 the name's last word, 2 the separator, 3 the quote, 4 the value
      return named_secret(text, ov[2], ov[3], text.substr(ov[4], ov[5] - ov[4]), ov[7] > ov[6], ov[8], ov[9]);
    case Check::ipv6: {
      int colons = 0;
      bool digit = false;
      for (char c : value) colons += c == ':', digit |= c >= '0' && c <= '9';
      return colons >= 2 && digit;
    }
    case Check::assigned_secret: {
      bool alpha = false, digit = false;
      for (char c : value) alpha |= std::isalpha((unsigned char)c) != 0, digit |= c >= '0' && c <= '9';
      return value.size() >= 16 && alpha && digit && shannon_entropy(value) >= 3.5;
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
  secret_name, // pas(s..), pwd, sec(ret), tok(en), api(key), acc(ess_key), pri(vate_key), aut(h), cre(dential),
               // any case, at a word of a name (see named_secret)
  card,        // a digit not after [\w.,-]
  ssn,         // ddd[- ] not after [\w.,-]
  phone_plus,  // '+' and a digit, not after [\w+]
  phone,       // a digit or '(' not after [\w.,+-]
  phone_zero,  // the same, a '0' or "(0" or 6-9 and four more digits (see outside_phone)
  ipv6,        // a hex digit or ':' with a ':' within 5 bytes, not after [\w:.]
  ipv4,        // a digit with a '.' 1 to 3 bytes on, not after [\w.]
};
constexpr int kStarts = 12;

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
    const uint64_t tok = f0.eq('t') & f1.eq('o') & f2.eq('k'), sec = f0.eq('s') & f1.eq('e') & f2.eq('c');
    const uint64_t pas = f0.eq('p') & f1.eq('a') & f2.eq('s'), pwd = f0.eq('p') & f1.eq('w') & f2.eq('d');
    const uint64_t cre = f0.eq('c') & f1.eq('r') & f2.eq('e');
    set(Start::assigned, (f0.eq('k') & f1.eq('e') & f2.eq('y')) | tok | sec | pas | pwd | cre);
    // A name's word starts after a byte that is not a letter or digit, or at a camelCase step.
    const uint64_t word_start = ~(prev.in_range('0', '9') | prev.folded().in_range('a', 'z')) |
                                ((prev.in_range('a', 'z') | prev.in_range('0', '9')) & b0.in_range('A', 'Z'));
    set(Start::secret_name, word_start & (tok | sec | pas | pwd | cre | (f0.eq('a') & f1.eq('p') & f2.eq('i')) |
                                          (f0.eq('a') & f1.eq('c') & f2.eq('c')) | (f0.eq('p') & f1.eq('r') & f2.eq('i')) |
                                          (f0.eq('a') & f1.eq('u') & f2.eq('t'))));
    const uint64_t card = d0 & ~(pw | pdot | pcomma | pdash);
    set(Start::card, card);
    set(Start::ssn, card & d1 & d2 & (b3.eq('-') | b3.eq(' ')));
    set(Start::phone_plus, b0.eq('+') & d1 & ~(pw | pplus));
    const uint64_t phone = (d0 | b0.eq('(')) & ~(pw | pdot | pcomma | pplus | pdash);
    set(Start::phone, phone);
    set(Start::phone_zero, phone & (b0.eq('0') | (b0.eq('(') & b1.eq('0')) |
                                    (b0.in_range('6', '9') & d1 & d2 & b3.in_range('0', '9') & b4.in_range('0', '9'))));
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
      // A value assigned to a name whose last word names a secret (named_secret() checks the
      // context): groups 1 the word, 2 the separator, 3 the quote, 4 the value.
      {PiiType::secret, Check::named_secret, Start::secret_name, 4, nullptr,
       R"((?i)(passw(?:or)?d|passphrase|pass|pwd|secret[_-]?key|secret|token|api[_-]?key|access[_-]?key|)"
       R"(private[_-]?key|auth[_-]?key|auth|credentials?)(?![A-Za-z0-9_])["']?[ \t]{0,3}(=>|=|:|[ \t])[ \t]{0,3})"
       R"((?|(["'])([^"'\r\n]{1,256}?)\3|()([^\s"'`,;)}\]]{1,256})))"},
      {PiiType::secret, Check::assigned_secret, Start::assigned, 1, nullptr,
       R"((?i)(?:key|token|secret|passw(?:or)?d|pwd|credential)[a-z0-9_.-]*["']?\s{0,3}(?:=|:|=>)\s{0,3}["']?([A-Za-z0-9_+/=.~-]{16,256}))"},
      {PiiType::email, Check::none, Start::at_sign, 0, "@",  // tried only where a local part ends at an '@' (see find)
       R"([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b)"},
      {PiiType::credit_card, Check::card, Start::card, 0, nullptr, R"((?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d))"},
      {PiiType::ssn, Check::ssn, Start::ssn, 0, nullptr,
       R"((?<![\w.,-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]|[.,]\d))"},
      {PiiType::phone, Check::phone, Start::phone_plus, 0, "+",
       R"((?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,8}){1,6}(?![\w-]|[.,]\d))"},
      // Phone numbers without a '+', one pattern tried once per position (outside_phone()
      // checks the branch that matched): 1 "00" for the '+' and a separator after the country
      // code (0044 20 ...); 2 national notation with the trunk prefix 0, an area code in
      // parentheses or groups joined by one kind of separator (3); 4 Indian mobile numbers
      // without the trunk prefix (98765 43210); 5 digits without separators, which count only
      // after a word that says they are a phone number ("Tel: 0142685300").
      {PiiType::phone, Check::outside_phone, Start::phone_zero, 0, nullptr,
       R"((?<![\w.,+/-])(?<!\d[ .-])(?:(00[1-9]\d{0,2}(?:[ .-]\(0\))?(?:[ .-]\d{1,8}){2,6})|)"
       R"((\(0[1-9]\d{0,4}\)[ -]?\d{2,8}(?:[ .-]\d{2,8}){0,3}|0[1-9]\d{0,4}([ ./-])\d{2,8}(?:\3\d{2,8}){0,4})|)"
       R"(([6-9]\d{4}[ -]\d{5})|(0\d{8,11}|[6-9]\d{9}))(?![\w-]|[.,/]\d))"},
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
       // 0.x.y.z is no host's address but 0.0.0.0 ("OpenSSL 0.9.8.1" is a version).
       R"((?!0\.(?!0\.0\.0\b))(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d))"},
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
      if (b == PCRE2_UNSET || !accept(p->check, text, text.substr(mb, me - mb), text.substr(b, e - b), ov)) {
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
