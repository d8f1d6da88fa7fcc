// The normalize stage: Unicode forms against utf8proc applied to the whole text (the stage
// sends only the non-ASCII runs through it), and the whitespace / control rules on
// hand-made texts.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <random>

#include "data/pipeline/normalize.h"

using namespace lmf::data::pipeline;

namespace {

std::string whole_text_form(const std::string& s, bool compat) {
  utf8proc_uint8_t* out = compat ? utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()))
                                 : utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()));
  std::string r(reinterpret_cast<const char*>(out));
  std::free(out);
  return r;
}

}  // namespace

TEST(PipelineNormalize, UnicodeFormsEqualWholeTextNormalization) {
  // ASCII, combining marks, precomposed letters, Hangul jamo, compatibility forms, a
  // composition exclusion, canonical singletons, Indic nukta sequences.
  const std::vector<std::string> pieces = {
      "a", "e", "A", "o", " ", "1", ".", "\n", "\xCC\x81" /* U+0301 */, "\xCC\x88" /* U+0308 */,
      "\xCC\xA7" /* U+0327 */, "\xCC\xA3" /* U+0323 */, "\xC3\xA9" /* é */, "\xC3\x85" /* Å */,
      "\xE1\x84\x80" /* U+1100 */, "\xE1\x85\xA1" /* U+1161 */, "\xE1\x86\xA8" /* U+11A8 */,
      "\xEF\xAC\x81" /* U+FB01 */, "\xEF\xBC\xA1" /* U+FF21 */, "\xC2\xB2" /* ² */, "\xC2\xA0" /* NBSP */,
      "\xE2\x84\xAB" /* U+212B */, "\xCD\x84" /* U+0344 */, "\xE0\xA4\x95" /* क */, "\xE0\xA4\xBC" /* U+093C */,
      "\xE2\x80\x94" /* — */, "\xCE\xB1" /* α */, "\xCD\x85" /* U+0345 */};
  std::mt19937 rng(7);
  int changed = 0;
  for (int t = 0; t < 3000; ++t) {
    std::string s;
    const int n = 1 + int(rng() % 12);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    for (bool compat : {false, true}) {
      NormalizeOptions o;
      o.form = compat ? "NFKC" : "NFC";
      o.whitespace = o.controls = false;
      const std::string want = whole_text_form(s, compat);
      changed += want != s;
      ASSERT_EQ(normalize_text(s, o), want) << o.form << " of [" << s << "]";
    }
  }
  EXPECT_GT(changed, 1000);  // the texts do exercise normalization
}

TEST(PipelineNormalize, WhitespaceAndControls) {
  NormalizeOptions o;
  EXPECT_EQ(normalize_text("  Hello,\t\tworld!  \r\n\r\n\r\n\r\nNext\x01 line\xE2\x80\x8B.\n", o), "Hello, world!\n\nNext line.");
  EXPECT_EQ(normalize_text("a \n b\rc\xE2\x80\xA8" "d\xC2\xA0\xC2\xA0" "e", o), "a\nb\nc\nd e");
  o.whitespace = false;
  EXPECT_EQ(normalize_text(" a\x7F  b\x1B\n", o), " a  b\n");
}

TEST(PipelineNormalize, SpaceRunsAnywhereInLongLines) {
  // Lines longer than the 64-byte blocks the ASCII runs are scanned in, with a doubled
  // space, a tab or trailing spaces at every offset: the words joined by single spaces.
  NormalizeOptions o;
  std::string words_line;
  for (int w = 0; w < 40; ++w) words_line += (w ? " " : "") + std::string("w") + char('a' + w % 26) + "x";
  for (size_t at = 1; at + 1 < words_line.size(); ++at) {
    if (words_line[at] != ' ') continue;
    for (const char* extra : {" ", "\t", "  \t "}) {
      std::string text = words_line;
      text.insert(at, extra);
      EXPECT_EQ(normalize_text(text, o), words_line) << at;
      EXPECT_EQ(normalize_text(text + "   \nnext", o), words_line + "\nnext") << at;
    }
  }
}
