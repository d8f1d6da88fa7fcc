// core/utf8: validation and lossy repair against Python's decode(errors="replace"), one
// character decoded and encoded for every code point class, code point counts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/utf8.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) h += d[c >> 4], h += d[c & 15];
  return h;
}

}  // namespace

TEST(Utf8, LossyRepairAndFirstInvalidByteMatchPython) {
  const std::vector<std::string> cases = {
      "plain ascii", "caf\xc3\xa9", "bad \xff byte", "\xc3", "trunc \xe2\x82", "\xe2\x82\xac ok", "\xed\xa0\x80 surrogate",
      "\xc0\xaf overlong", "\xf4\x90\x80\x80 too big", "\xf0\x9f\x98\x80 emoji", "\xf0\x9f\x98 cut", "\x80\x80\x80",
      "mix \xe2\x28\xa1 end", "\xe0\x80\xaf", "\xf8\x88\x80\x80\x80", "a\xc3\xa9\xff\xc3"};
  const std::string in = lmf::test::temp_dir() + "/utf8.txt";
  std::string lines;
  for (auto& c : cases) lines += hex(c) + "\n";
  std::ofstream(in, std::ios::binary) << lines;
  std::string out;
  ASSERT_EQ(lmf::test::run_command("/usr/bin/python3 -c \"import sys\nfor l in open('" + in +
                                       "'):\n b=bytes.fromhex(l.strip())\n try:\n  b.decode('utf-8'); p=-1\n "
                                       "except UnicodeDecodeError as e: p=e.start\n print(b.decode('utf-8','replace')"
                                       ".encode().hex(), p)\"",
                                   &out),
            0);
  std::istringstream ss(out);
  for (auto& c : cases) {
    std::string want_hex;
    long long want_pos;
    ss >> want_hex >> want_pos;
    size_t replaced = 0;
    EXPECT_EQ(hex(utf8_lossy(c, &replaced)), want_hex) << hex(c);
    const size_t pos = utf8_valid_prefix(c);
    EXPECT_EQ(pos == c.size() ? -1LL : (long long)pos, want_pos) << hex(c);
    EXPECT_EQ(utf8_valid(c), want_pos < 0) << hex(c);
    EXPECT_EQ(replaced > 0, want_pos >= 0);
  }
}

TEST(Utf8, DecodeInvertsAppendAtEveryLengthBoundary) {
  for (uint32_t cp : {0x0u, 0x41u, 0x7Fu, 0x80u, 0xE9u, 0x7FFu, 0x800u, 0x20ACu, 0xD7FFu, 0xE000u, 0xFFFDu, 0xFFFFu,
                      0x10000u, 0x1F600u, 0x10FFFFu}) {
    std::string s;
    utf8_append(s, cp);
    const size_t want_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    ASSERT_EQ(s.size(), want_len) << cp;
    uint32_t got = 0xFFFFFFFF;
    EXPECT_EQ(utf8_decode(s, 0, &got), want_len) << cp;
    EXPECT_EQ(got, cp);
    EXPECT_EQ(utf8_char_len(s, 0), want_len);
    EXPECT_EQ(utf8_code_points(s + "a" + s), 3u);
  }
  uint32_t cp = 7;
  // Overlong '/', a surrogate, above U+10FFFF, a lone continuation byte, a cut sequence.
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82"}) {
    EXPECT_EQ(utf8_decode(bad, 0, &cp), 0u) << hex(bad);
    EXPECT_EQ(cp, 7u);  // untouched
  }
  const std::string text = "a\xC3\xA9\xE2\x82\xAC";  // a é €, decoded from the middle
  EXPECT_EQ(utf8_decode(text, 1, &cp), 2u);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(utf8_decode(text, 3, &cp), 3u);
  EXPECT_EQ(cp, 0x20ACu);
}
