// Few-shot prompts: the builder and both selections equal tests/reference/fewshot.py (the
// harness's form and CPython's random.sample, written from the definition) byte for byte;
// the same seed gives the same shots; bad pools and flags are clear errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "augment/fewshot.h"
#include "core/error.h"
#include "support/oracle.h"

namespace lmf::augment {
namespace {

using nlohmann::json;

std::vector<FewshotExample> pool_of_words() {
  const std::vector<std::string> animals = {"cat", "dog", "horse", "fish", "eagle", "snake", "frog", "whale"};
  const std::vector<std::string> things = {"chair", "table", "lamp", "spoon", "river stone", "cup", "book"};
  std::vector<FewshotExample> pool;
  for (const std::string& a : animals) pool.push_back({"Word: " + a + " (a living " + a + ")\nKind:", "animal"});
  for (const std::string& t : things) pool.push_back({"Word: " + t + "\nKind:", "object"});
  pool.push_back({"Word: question without a label\nKind:", ""});
  return pool;
}

TEST(Fewshot, PromptsEqualTheReferenceForEverySelection) {
  const std::vector<FewshotExample> examples = pool_of_words();
  json pool = json::array(), cases = json::array();
  for (const FewshotExample& e : examples) pool.push_back({{"input", e.input}, {"output", e.output}});
  struct Case {
    std::string query;
    int64_t k;
    std::string select;
    uint64_t seed;
    std::string description;
  };
  std::vector<Case> cs;
  const std::vector<std::string> queries = {"Word: dog (a living dog)\nKind:", "Word: living lamp\nKind:", "Word: zebra\nKind:",
                                            "Word: river stone\nKind:"};
  for (const std::string& q : queries)
    for (int64_t k : {0, 1, 3, 8, 15})
      for (const char* sel : {"random", "similar"})
        for (uint64_t seed : {1234u, 7u}) cs.push_back({q, k, sel, seed, k == 3 ? "Classify each word.\n\n" : ""});
  for (const Case& c : cs)
    cases.push_back({{"query", c.query}, {"k", c.k}, {"select", c.select}, {"seed", c.seed}, {"description", c.description}});
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/spec.json") << json{{"pool", pool}, {"cases", cases}}.dump();
  std::string out;
  ASSERT_EQ(test::run_command("cd " + test::source_path("tests/reference") + " && /usr/bin/python3 fewshot.py " + dir + "/spec.json", &out), 0);
  const json want = json::parse(out)["prompts"];
  const FewshotPool p(examples);
  ASSERT_EQ(want.size(), cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    const Case& c = cs[i];
    const std::string got = fewshot_prompt({c.description, " ", "\n\n"}, p.select(c.query, c.k, parse_fewshot_select(c.select), c.seed), c.query);
    EXPECT_EQ(got, want[i].get<std::string>()) << c.select << " k " << c.k << " seed " << c.seed << " query " << c.query;
  }
  // The query's own entry is never a shot; the same seed gives the same shots, another seed others.
  for (const FewshotExample* s : p.select(queries[0], 15, FewshotSelect::kRandom, 3)) EXPECT_NE(s->input, queries[0]);
  EXPECT_EQ(p.select(queries[2], 4, FewshotSelect::kRandom, 5), p.select(queries[2], 4, FewshotSelect::kRandom, 5));
  EXPECT_NE(p.select(queries[2], 4, FewshotSelect::kRandom, 5), p.select(queries[2], 4, FewshotSelect::kRandom, 6));
}

TEST(Fewshot, TheDocumentedTemplate) {
  const FewshotExample a{"2+2=", "4"}, b{"3+5=", "8"};
  EXPECT_EQ(fewshot_prompt({}, {&a, &b}, "1+6="), "2+2= 4\n\n3+5= 8\n\n1+6=");
  EXPECT_EQ(fewshot_prompt({"Add.\n", ":", "|"}, {&a}, "1+6="), "Add.\n2+2=:4|1+6=");
}

TEST(Fewshot, BadPoolsAndRequestsAreErrors) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/bad.jsonl") << "{\"input\": \"a\", \"output\": \"b\"}\n{\"input\": \"a\"}\n";
  try {
    FewshotPool::read(dir + "/bad.jsonl");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/ok.jsonl") << "{\"input\": \"a\", \"output\": \"b\"}\n{\"input\": \"c\", \"output\": \"d\"}\n";
  const FewshotPool p = FewshotPool::read(dir + "/ok.jsonl");
  EXPECT_THROW(p.select("x", 3, FewshotSelect::kRandom, 1), Error);
  EXPECT_THROW(p.select("a", 2, FewshotSelect::kSimilar, 1), Error);  // "a" itself is left out
  EXPECT_EQ(p.select("a", 1, FewshotSelect::kSimilar, 1).at(0)->input, "c");
  EXPECT_THROW(parse_fewshot_select("best"), Error);
  EXPECT_THROW(FewshotPrompter({.k = 2}), Error);  // no pool
}

}  // namespace
}  // namespace lmf::augment
