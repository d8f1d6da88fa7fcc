// Gopher quality, Gopher repetition and C4 rules, each on hand-made documents just at (kept)
// and just past (removed) its published threshold, with the other rules switched off.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "data/pipeline/quality_filter.h"

using namespace lmf::data::pipeline;

namespace {

// Gopher quality options with every rule off; a test turns one back on.
GopherQualityOptions quality_off() {
  GopherQualityOptions o;
  o.min_doc_words = 0, o.max_doc_words = 1 << 30;
  o.min_avg_word_length = 0, o.max_avg_word_length = 1e9;
  o.max_symbol_word_ratio = o.max_bullet_lines_ratio = o.max_ellipsis_lines_ratio = 1e9;
  o.min_alpha_word_ratio = 0, o.min_stop_words = 0;
  return o;
}
GopherRepetitionOptions repetition_off() {
  GopherRepetitionOptions o;
  o.dup_line_frac = o.dup_para_frac = o.dup_line_char_frac = o.dup_para_char_frac = 2;
  o.top_n_grams.clear();
  o.dup_n_grams.clear();
  return o;
}
const GopherQualityOptions kQ;     // published defaults
const GopherRepetitionOptions kR;

// n distinct 5-letter words ("wa000", "wa001", ...), joined by sep.
std::string unique_words(int n, int offset = 0, const std::string& sep = " ") {
  std::string s;
  for (int i = 0; i < n; ++i) {
    char w[8];
    std::snprintf(w, sizeof w, "w%c%03d", 'a' + (i + offset) / 1000, (i + offset) % 1000);
    s += (i ? sep : "") + std::string(w);
  }
  return s;
}
std::string repeat(const std::string& w, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + w;
  return s;
}

}  // namespace

TEST(PipelineGopherQuality, WordCount) {
  auto o = quality_off();
  o.min_doc_words = kQ.min_doc_words;
  EXPECT_EQ(gopher_quality(repeat("word", 50), o), "");
  EXPECT_EQ(gopher_quality(repeat("word", 49) + " ! ?", o), "gopher_min_words");  // symbols are not words
  o = quality_off();
  o.max_doc_words = kQ.max_doc_words;
  EXPECT_EQ(gopher_quality(repeat("the", 100000), o), "");
  EXPECT_EQ(gopher_quality(repeat("the", 100001), o), "gopher_max_words");
}

TEST(PipelineGopherQuality, MeanWordLength) {
  auto o = quality_off();
  o.min_avg_word_length = kQ.min_avg_word_length;
  o.max_avg_word_length = kQ.max_avg_word_length;
  EXPECT_EQ(gopher_quality(repeat("the", 50), o), "");                      // 3.0
  EXPECT_EQ(gopher_quality(repeat("the", 49) + " to", o), "gopher_short_words");  // 2.98
  const std::string ten = repeat("abcdefghij", 46) + " the and " + repeat("abcdefghijklmnopq", 2);  // 500 / 50
  EXPECT_EQ(gopher_quality(ten, o), "");
  EXPECT_EQ(gopher_quality(ten + "x", o), "gopher_long_words");  // 501 / 50
  EXPECT_EQ(gopher_quality(repeat("\u00e9t\u00e9", 50), o), "");  // code points, not bytes: 3.0
}

TEST(PipelineGopherQuality, SymbolRatio) {
  auto o = quality_off();
  o.max_symbol_word_ratio = kQ.max_symbol_word_ratio;
  EXPECT_EQ(gopher_quality(repeat("tag#", 5) + " " + repeat("word", 45), o), "");  // 5 / 50
  EXPECT_EQ(gopher_quality(repeat("tag#", 4) + " more... " + repeat("word", 45), o), "");
  EXPECT_EQ(gopher_quality(repeat("tag#", 6) + " " + repeat("word", 44), o), "gopher_symbol_ratio");  // 6 / 50
  EXPECT_EQ(gopher_quality(repeat("tag#", 5) + " more\u2026 " + repeat("word", 44), o), "gopher_symbol_ratio");
}

TEST(PipelineGopherQuality, BulletAndEllipsisLines) {
  auto o = quality_off();
  o.max_bullet_lines_ratio = kQ.max_bullet_lines_ratio;
  o.max_ellipsis_lines_ratio = kQ.max_ellipsis_lines_ratio;
  auto lines = [](int bullets, int ellipses) {
    std::string s;
    for (int i = 0; i < 10; ++i) {
      s += i < bullets ? (i % 2 ? "  - " : "\u2022 ") : "";
      s += "some words on this line";
      s += i >= 10 - ellipses ? "...\n" : ".\n";
    }
    return s;
  };
  EXPECT_EQ(gopher_quality(lines(9, 0), o), "");  // 0.9
  EXPECT_EQ(gopher_quality(lines(10, 0), o), "gopher_bullet_lines");
  EXPECT_EQ(gopher_quality(lines(0, 3), o), "");  // 0.3
  EXPECT_EQ(gopher_quality(lines(0, 4), o), "gopher_ellipsis_lines");
}

TEST(PipelineGopherQuality, AlphabeticWordsAndStopWords) {
  auto o = quality_off();
  o.min_alpha_word_ratio = kQ.min_alpha_word_ratio;
  EXPECT_EQ(gopher_quality(repeat("word", 40) + " " + repeat("1234", 10), o), "");  // 0.8
  EXPECT_EQ(gopher_quality(repeat("word", 39) + " " + repeat("1234", 11), o), "gopher_alpha_words");
  o = quality_off();
  o.min_stop_words = kQ.min_stop_words;
  EXPECT_EQ(gopher_quality("the cat and " + repeat("word", 47), o), "");
  EXPECT_EQ(gopher_quality("a cat and " + repeat("word", 47), o), "gopher_stop_words");
}

TEST(PipelineGopherRepetition, DuplicateLinesAndParagraphs) {
  // 10 pieces of equal length, k of them repeating the first: fraction k / 10 vs 0.3.
  auto doc = [](int dups, const std::string& sep) {
    std::string s;
    for (int i = 0; i < 10; ++i) s += (i ? sep : "") + unique_words(4, i >= 10 - dups ? 0 : 4 * i);
    return s;
  };
  auto o = repetition_off();
  o.dup_line_frac = kR.dup_line_frac;
  EXPECT_EQ(gopher_repetition(doc(3, "\n"), o), "");
  EXPECT_EQ(gopher_repetition(doc(4, "\n"), o), "gopher_dup_lines");
  o = repetition_off();
  o.dup_para_frac = kR.dup_para_frac;
  EXPECT_EQ(gopher_repetition(doc(3, "\n\n"), o), "");
  EXPECT_EQ(gopher_repetition(doc(4, "\n\n"), o), "gopher_dup_paragraphs");
  // Characters: 4 pieces of 23 characters and a copy of the first: 23 / 115 = 0.2 (kept);
  // one character less elsewhere: 23 / 114 (removed).
  auto chars = [](const std::string& sep, bool shorter) {
    std::string s;
    for (int i = 0; i < 4; ++i) s += unique_words(4, 4 * i) + sep;
    if (shorter) s.erase(s.size() - sep.size() - 1, 1);
    return s + unique_words(4, 0);
  };
  o = repetition_off();
  o.dup_line_char_frac = kR.dup_line_char_frac;
  EXPECT_EQ(gopher_repetition(chars("\n", false), o), "");
  EXPECT_EQ(gopher_repetition(chars("\n", true), o), "gopher_dup_line_chars");
  o = repetition_off();
  o.dup_para_char_frac = kR.dup_para_char_frac;
  EXPECT_EQ(gopher_repetition(chars("\n\n", false), o), "");
  EXPECT_EQ(gopher_repetition(chars("\n\n", true), o), "gopher_dup_paragraph_chars");
}

TEST(PipelineGopherRepetition, TopNGrams) {
  // W unique-looking 5-letter words of which the n-gram "aaaaa bbbbb ..." covers n·k:
  // its character share is n·k / W.
  auto doc = [](int n, int k, int w) {
    static const char* g[] = {"aaaaa", "bbbbb", "ccccc", "ddddd"};
    std::string s = unique_words(w - n * k, 0);
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < n; ++j) s += std::string(" ") + g[j];
    return s;
  };
  auto o = repetition_off();
  o.top_n_grams = {{2, 0.20}};
  EXPECT_EQ(gopher_repetition(doc(2, 10, 100), o), "");                 // 0.2
  EXPECT_EQ(gopher_repetition(doc(2, 10, 99), o), "gopher_top_2gram");  // 0.202
  o.top_n_grams = {{3, 0.18}};
  EXPECT_EQ(gopher_repetition(doc(3, 6, 100), o), "");                  // 0.18
  EXPECT_EQ(gopher_repetition(doc(3, 6, 99), o), "gopher_top_3gram");
  o.top_n_grams = {{4, 0.16}};
  EXPECT_EQ(gopher_repetition(doc(4, 4, 100), o), "");                  // 0.16
  EXPECT_EQ(gopher_repetition(doc(4, 4, 99), o), "gopher_top_4gram");
}

TEST(PipelineGopherRepetition, DuplicateNGrams) {
  // A 5-gram repeated 3 times covers 15 of W words: 15 / 100 = 0.15 (kept), 15 / 99 (removed).
  auto doc = [](int w) {
    std::string s = unique_words(w - 15, 0);
    for (int i = 0; i < 3; ++i) s += " ppppp qqqqq rrrrr sssss ttttt";
    return s;
  };
  auto o = repetition_off();
  o.dup_n_grams = {{5, 0.15}};
  EXPECT_EQ(gopher_repetition(doc(100), o), "");
  EXPECT_EQ(gopher_repetition(doc(99), o), "gopher_dup_5gram");
}

TEST(PipelineC4, LineRules) {
  C4Options o;
  o.min_num_sentences = 0;
  C4LineCounts c;
  std::string text =
      "This line has terminal punctuation.\n"
      "This line does not\n"
      "Two words.\n"
      "Three words here.\n"
      "Please enable JavaScript to continue.\n"
      "This site uses cookies to work.\n"
      "Cited claim [12] stays here.\n"
      "An ellipsis is not an end...\n"
      "A long word " + std::string(999, 'x') + ".\n"       // 1000 characters
      "A longer word " + std::string(1000, 'x') + ".";  // 1001
  EXPECT_EQ(c4_filter(text, o, &c), "");
  EXPECT_EQ(text, "This line has terminal punctuation.\nThree words here.\nCited claim  stays here.\nA long word " +
                      std::string(999, 'x') + ".");
  EXPECT_EQ(c.no_terminal_punct, 2);
  EXPECT_EQ(c.too_few_words, 1);
  EXPECT_EQ(c.javascript, 1);
  EXPECT_EQ(c.policy, 1);
  EXPECT_EQ(c.long_word, 1);
}

TEST(PipelineC4, DocumentRules) {
  C4Options o;
  std::string five = "One is here. Two is here! Three is here? Four is here.\nFive is here.";
  std::string four = "One is here. Two is here! Three is here?\nFour is here.";
  EXPECT_EQ(c4_filter(five, o), "");
  EXPECT_EQ(c4_filter(four, o), "c4_too_few_sentences");
  std::string lorem = five + "\nLorem ipsum dolor sit amet.";
  EXPECT_EQ(c4_filter(lorem, o), "c4_lorem_ipsum");
  std::string curly = five + "\nint main() { return 0; }.";
  EXPECT_EQ(c4_filter(curly, o), "c4_curly_bracket");
}

// The rules scan text 64 bytes at a time: word, symbol and sentence counts must not depend
// on where words, white space of each kind, "...", "#" and multi-byte letters fall relative
// to those blocks. Random texts with known counts (by construction), each rule set just at
// and just past the count.
TEST(PipelineGopherQuality, CountsDoNotDependOnBlockBoundaries) {
  std::mt19937 rng(11);
  const char* spaces[] = {" ", "\t", "\n", "\v", "\f", "\r", "  ", " \n ", "\n\n"};
  for (int t = 0; t < 300; ++t) {
    std::string text;
    size_t words = 0, letters = 0, symbols = 0;
    const int n = 1 + int(rng() % 60);
    if (rng() % 2) text += spaces[rng() % 9];
    for (int w = 0; w < n; ++w) {
      if (w) text += spaces[rng() % 9];
      const int len = 1 + int(rng() % (rng() % 4 ? 9 : 80));
      for (int k = 0; k < len; ++k) text += rng() % 8 ? std::string(1, char('a' + rng() % 26)) : std::string("\xC3\xA9");
      letters += size_t(len);
      if (rng() % 6 == 0) text += "...", letters += 3, symbols += 1;  // a word with an ellipsis in it
      if (rng() % 6 == 0) text += "#", letters += 1, symbols += 1;
      ++words;
    }
    if (rng() % 2) text += spaces[rng() % 9];
    auto o = quality_off();
    o.min_doc_words = int(words);
    EXPECT_EQ(gopher_quality(text, o), "") << t;
    o.min_doc_words = int(words) + 1;
    EXPECT_EQ(gopher_quality(text, o), "gopher_min_words") << t;
    o = quality_off();
    const double mean = double(letters) / double(words);
    o.min_avg_word_length = mean;
    EXPECT_EQ(gopher_quality(text, o), "") << t;
    o.min_avg_word_length = std::nextafter(mean, 1e9);
    EXPECT_EQ(gopher_quality(text, o), "gopher_short_words") << t;
    o = quality_off();
    const double ratio = double(symbols) / double(words);
    o.max_symbol_word_ratio = ratio;
    EXPECT_EQ(gopher_quality(text, o), "") << t;
    o.max_symbol_word_ratio = std::nextafter(ratio, -1.0);
    if (symbols) {
      EXPECT_EQ(gopher_quality(text, o), "gopher_symbol_ratio") << t;
    }
  }
}

TEST(PipelineC4, SentenceCountDoesNotDependOnBlockBoundaries) {
  std::mt19937 rng(12);
  const char* ends[] = {".", "!", "?", "?!", "..!", "."};
  for (int t = 0; t < 300; ++t) {
    std::string text;
    int sentences = 0;
    const int lines = 1 + int(rng() % 5);
    for (int l = 0; l < lines; ++l) {
      if (l) text += "\n";
      const int n = 3 + int(rng() % 30);
      for (int w = 0; w < n; ++w) {
        if (w) text += " ";
        const int len = 1 + int(rng() % 12);
        for (int k = 0; k < len; ++k) text += char('a' + rng() % 26);
        if (w + 1 == n) {  // the line ends a sentence (terminal punctuation)
          text += ends[rng() % 6], ++sentences;
        } else if (rng() % 4 == 0) {  // a sentence end inside the line, before a space or a quote
          text += ends[rng() % 6], ++sentences;
          if (rng() % 3 == 0) text += "\"";
        } else if (rng() % 5 == 0) {  // a dot inside a word is no sentence end
          text += ".x";
        }
      }
    }
    C4Options o;
    o.min_num_sentences = sentences;
    std::string kept = text;
    EXPECT_EQ(c4_filter(kept, o), "") << t << ": " << text;
    EXPECT_EQ(kept, text);
    o.min_num_sentences = sentences + 1;
    std::string removed = text;
    EXPECT_EQ(c4_filter(removed, o), "c4_too_few_sentences") << t << ": " << text;
  }
}
