// The safety filter (eval/safety_filter.h):
// - every entry of the default list (npm naughty-words' English list, read here from the
//   npm package itself, not from our compiled copy) is caught inside a sentence in its plain,
//   mixed-case and split-across-pieces forms, and the output is cut where it begins;
// - word boundaries: a listed word inside a longer word is not a match;
// - PII from the data pipeline's detector, also when it streams in pieces;
// - FILE rules and their errors (FILE:LINE);
// - the benign prompts of the safety tasks are not refused by the filter (rate reported).
#include "eval/safety_filter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "support/oracle.h"

using namespace lmf;
using eval::OutputGuard;
using eval::SafetyFilter;
using nlohmann::json;

namespace {

std::vector<std::string> npm_list() {
  std::ifstream in(test::source_path("peers/node_modules/naughty-words/en.json"));
  EXPECT_TRUE(in) << "npm naughty-words is missing (scripts/install-deps)";
  return json::parse(in).get<std::vector<std::string>>();
}

// "aBcD..." : every other letter upper case (ASCII).
std::string mixed_case(const std::string& s) {
  std::string out = s;
  for (size_t i = 0; i < out.size(); ++i)
    if (i % 2 == 0 && out[i] >= 'a' && out[i] <= 'z') out[i] = char(out[i] - 'a' + 'A');
  return out;
}

// The text through a guard in pieces of 1, 2, 3, 1, 2, 3, ... bytes.
std::string streamed(const std::string& text, OutputGuard* g) {
  std::string shown;
  size_t at = 0;
  for (size_t k = 0; at < text.size(); ++k) {
    const size_t n = std::min(text.size() - at, k % 3 + 1);
    shown += g->feed(std::string_view(text).substr(at, n));
    at += n;
  }
  shown += g->finish();
  return shown;
}

}  // namespace

TEST(SafetyFilter, CatchesEveryDefaultEntryPlainMixedCaseAndSplit) {
  const SafetyFilter f = SafetyFilter::load("default");
  const std::vector<std::string> list = npm_list();
  ASSERT_GT(list.size(), 300u);
  const std::string before = "Well, they said ", after = " again and again.";
  int64_t checked = 0;
  for (const std::string& phrase : list) {
    for (const std::string& form : {phrase, mixed_case(phrase)}) {
      const std::string text = before + form + after;
      const auto m = f.check(text);
      ASSERT_TRUE(m.has_value()) << "not caught: '" << form << "'";
      EXPECT_EQ(m->category, "obscene");
      EXPECT_EQ(m->begin, before.size()) << form;
      // Streamed in small pieces: the shown text is cut where the phrase begins.
      OutputGuard g(&f);
      const std::string shown = streamed(text, &g);
      EXPECT_TRUE(g.blocked()) << form;
      EXPECT_EQ(shown, before) << form;
      EXPECT_EQ(g.released(), before) << form;
      ++checked;
    }
  }
  EXPECT_EQ(checked, int64_t(2 * list.size()));
}

TEST(SafetyFilter, MatchesWholeWordsOnly) {
  const SafetyFilter f = SafetyFilter::load("default");
  for (const char* ok : {"The class passed the assessment in Scunthorpe.", "An assistant analysed the cocktail.",
                         "Classic grape shapes.", "Essex and Sussex", ""})
    EXPECT_FALSE(f.check(ok).has_value()) << ok;
  // Case and the separators between a phrase's words do not matter.
  ASSERT_TRUE(f.check("see 2  GIRLS\n1-cup").has_value());
  // A benign text streams through whole, held back only until it is complete.
  OutputGuard g(&f);
  const std::string text = "The assistant passed the class with ease.";
  EXPECT_EQ(streamed(text, &g), text);
  EXPECT_FALSE(g.blocked());
}

TEST(SafetyFilter, CatchesPiiAlsoWhenStreamed) {
  const SafetyFilter f = SafetyFilter::load("default");
  const std::string text = "Write to jane.doe@example.com or call +44 20 7946 0958 today.";
  const auto m = f.check(text);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->category, "pii_email");
  EXPECT_EQ(text.substr(m->begin, m->end - m->begin), "jane.doe@example.com");
  OutputGuard g(&f);
  EXPECT_EQ(streamed(text, &g), "Write to ");
  EXPECT_TRUE(g.blocked());
  const auto phone = f.check("Call +44 20 7946 0958 today.");
  ASSERT_TRUE(phone.has_value());
  EXPECT_EQ(phone->category, "pii_phone");
  OutputGuard g2(&f);
  EXPECT_EQ(streamed("Call +44 20 7946 0958 today.", &g2), "Call ");
  EXPECT_EQ(SafetyFilter::refusal(*phone), "I can't help with that: the safety filter blocked it (category: pii_phone).");
}

TEST(SafetyFilter, FileRulesAndErrors) {
  const std::string dir = test::temp_dir();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  const SafetyFilter f = SafetyFilter::load(write("ok.tsv", "# weapons\nweapons\tpipe bomb\n\nfraud\tfake passport\r\n"));
  ASSERT_EQ(f.rules().size(), 2u);
  const auto m = f.check("How do I make a Fake  Passport?");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->category, "fraud");
  EXPECT_FALSE(f.check("a passport photo").has_value());
  auto error_of = [&](const std::string& path) {
    try {
      SafetyFilter::load(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(write("a.tsv", "weapons\tgun\nno tab here\n")).find("a.tsv:2: expected CATEGORY<TAB>PHRASE"), std::string::npos);
  EXPECT_NE(error_of(write("b.tsv", "\tgun\n")).find("b.tsv:1: the category is empty"), std::string::npos);
  EXPECT_NE(error_of(write("c.tsv", "weapons\t\n")).find("c.tsv:1: the phrase is empty"), std::string::npos);
  EXPECT_NE(error_of(write("d.tsv", "# nothing\n")).find("has no CATEGORY<TAB>PHRASE line"), std::string::npos);
  EXPECT_NE(error_of(dir + "/missing.tsv").find("missing.tsv: cannot read"), std::string::npos);
}

TEST(SafetyFilter, BenignPromptsAreNotRefused) {
  const SafetyFilter f = SafetyFilter::load("default");
  for (const char* task : {"safety_benign", "safety_harmful"}) {
    std::ifstream in(test::source_path(std::string("tasks/") + task + "/test.jsonl"));
    ASSERT_TRUE(in) << task;
    int64_t n = 0, refused = 0;
    for (std::string line; std::getline(in, line); ++n) refused += f.check(json::parse(line)["prompt"].get<std::string>()).has_value();
    std::printf("%s: the default filter refuses %lld of %lld prompts\n", task, (long long)refused, (long long)n);
    ASSERT_GT(n, 30);
    if (std::string(task) == "safety_benign") EXPECT_LE(double(refused) / double(n), 0.01);
  }
}
