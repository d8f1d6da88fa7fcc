// Personal information and secrets: detection and replacement by typed placeholders, and
// the `pii` stage built on it.
//
//   <EMAIL>        addresses local@domain.tld
//   <PHONE>        international numbers written with "+CC" (8 to 15 digits; "+44 (0)20 ...",
//                  separators space . -) or "00CC" and a separator (0044 20 ...); North
//                  American numbers (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-...;
//                  national numbers with the trunk prefix 0 as Britain, France, Germany,
//                  Korea, India and others write them: 020 7946 0958, 01 42 68 53 00,
//                  030/901820, (030) 901820, 010-1234-5678, 022 2345 6789 (9 to 12 digits in
//                  groups joined by one kind of separator, or an area code in parentheses;
//                  two groups only when the second has 5 digits or more); Indian mobile
//                  numbers 98765 43210; and unseparated digits (0 and 8 to 11 more, or 10
//                  from 6-9) after a word such as tel, phone, mobile, fax ("Tel: 0142685300")
//   <IP>           IPv4 dotted quads (each part 0..255; not after "version ", not inside a
//                  longer dotted number) and IPv6 (full, "::"-compressed)
//   <CREDIT_CARD>  13 to 19 digits, optionally grouped by one kind of separator (space or
//                  '-'), with a card-network prefix (Visa, Mastercard, Amex, Discover, JCB,
//                  Diners) and a valid Luhn check digit
//   <SSN>          US social security numbers AAA-GG-SSSS (or spaces), with the invalid
//                  areas 000, 666, 9xx and the zero group/serial excluded
//   <SECRET>       AWS access key ids, GitHub tokens (ghp_..., github_pat_...), Slack
//                  tokens (xox?-), Google API keys (AIza...), JWTs, PEM private-key blocks;
//                  values assigned to a name whose last word names a secret (password,
//                  passwd, pass, pwd, passphrase, secret, token, api_key, access_key,
//                  secret_key, private_key, auth_key, auth, credentials: DB_PASSWORD,
//                  client_secret, apiKey, --api-key) when written as a setting: quoted after
//                  = : or => (JSON, YAML, code, keyword arguments, env files), unquoted at
//                  the start of a line with only a comment after it (env, YAML, INI,
//                  properties), or on a command line (--token VALUE, --password=VALUE);
//                  placeholders and references ($VAR, ${...}, <...>, your..., calls,
//                  settings.NAME, None, null, str, ...) are not secrets; and values
//                  assigned to names containing key/token/secret/password that look random
//                  (length >= 16, letters and digits, Shannon entropy >= 3.5 bits per
//                  character). Only the value is replaced.
// Matches never overlap: when two would, the earlier type in the list below wins
// (secret, email, credit card, SSN, phone, IP). Patterns are PCRE2 (JIT) plus the checks
// above; ASCII word boundaries. One scan of the text (64-byte blocks) marks where each
// pattern can begin (its first bytes and the byte before: a digit not after a word
// character, a '+' and a digit, a key-name prefix, ...); a pattern is tried, anchored, only
// there, which finds exactly the matches a search through the whole text would.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

enum class PiiType { secret, email, credit_card, ssn, phone, ip };
constexpr int kPiiTypes = 6;
const char* pii_type_name(PiiType t);    // "SECRET", "EMAIL", ...
const char* pii_placeholder(PiiType t);  // "<SECRET>", "<EMAIL>", ...

struct PiiMatch {
  PiiType type;
  size_t begin, end;  // byte range in the text
};

bool luhn_valid(std::string_view digits);
double shannon_entropy(std::string_view s);  // bits per character

class PiiDetector {
 public:
  PiiDetector();
  ~PiiDetector();
  // Non-overlapping matches sorted by position. Thread-safe.
  std::vector<PiiMatch> find(std::string_view text) const;
  // text with every match replaced by its placeholder; counts[type] += matches.
  std::string redact(std::string_view text, int64_t* counts = nullptr) const;
  // The same with the matches already found (find(text)).
  static std::string redact(std::string_view text, const std::vector<PiiMatch>& found, int64_t* counts);

 private:
  struct Pattern;
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

class PiiStage : public Stage {
 public:
  std::string name() const override { return "pii"; }
  std::vector<std::string> counter_names() const override;
  void process(Document& doc, int64_t position, int64_t* counters) const override;

 private:
  PiiDetector detector_;
};

}  // namespace lmf::data::pipeline
