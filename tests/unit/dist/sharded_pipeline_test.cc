// `mpirun -np 2 lmforge data run`: the two ranks read alternate documents, dedup exchanges
// its index, and the outputs equal one process's: the same kept.jsonl (input order), the
// same removed documents, the report's sums (in = kept + removed) with "ranks": 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "io/atomic_file.h"
#include "support/mpi_run.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

// 240 documents of 40 words; every 7th repeats an earlier one (case and spaces changed:
// exact), every 11th an earlier one with one word changed (near), one line is not JSON.
// Duplicates sit at both parities of their originals, so they cross the ranks.
std::string corpus() {
  const char* words[] = {"river", "stone", "cloud", "lamp", "forest", "paper", "window", "engine", "garden", "music",
                         "silver", "bridge", "winter", "coffee", "mountain", "letter", "yellow", "market", "candle",
                         "harbor", "planet", "violin", "meadow", "button", "castle", "thunder", "pepper", "marble"};
  std::vector<std::string> docs;
  std::ostringstream os;
  for (int d = 0; d < 240; ++d) {
    std::string text;
    if (d > 20 && d % 7 == 0) {
      text = docs[size_t(d / 3)];
      std::transform(text.begin(), text.end(), text.begin(), ::toupper);
      text = "  " + text + "   ";
    } else if (d > 20 && d % 11 == 0) {
      text = docs[size_t(d / 2 + 1)];
      text.replace(text.rfind(' ') + 1, std::string::npos, "zebra");
    } else {
      for (int w = 0; w < 40; ++w) text += std::string(w ? " " : "") + words[(d * 13 + w * w * 7 + w * d) % 28];
      text += " " + std::to_string(d);
    }
    docs.push_back(text);
    os << json({{"id", d}, {"text", text}}).dump() << "\n";
    if (d == 100) os << "{not json\n";
  }
  return os.str();
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST(ShardedPipeline, TwoRanksKeepAndRemoveWhatOneRankDoes) {
  const std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/in.jsonl", corpus());
  io::write_text_atomic(dir + "/p.json",
                        R"({"stages": [{"stage": "normalize"}, {"stage": "pii"}, {"stage": "dedup"}]})");
  const std::string args = "data run --pipeline " + dir + "/p.json --input " + dir + "/in.jsonl --threads 1 --quiet --out ";
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " " + args + dir + "/one 2>&1", &out), 0) << out;
  ASSERT_EQ(test::run_mpi(2, args + dir + "/two", &out), 0) << out;

  EXPECT_EQ(io::read_file(dir + "/two/kept.jsonl"), io::read_file(dir + "/one/kept.jsonl"));
  EXPECT_EQ(sorted_lines(io::read_file(dir + "/two/removed.jsonl")), sorted_lines(io::read_file(dir + "/one/removed.jsonl")));
  const json one = json::parse(io::read_file(dir + "/one/report.json"));
  const json two = json::parse(io::read_file(dir + "/two/report.json"));
  EXPECT_EQ(two["documents"], one["documents"]);
  EXPECT_EQ(two["ranks"], 2);
  EXPECT_EQ(two["documents"]["in"], 241);
  EXPECT_EQ(two["documents"]["in"].get<int64_t>(),
            two["documents"]["kept"].get<int64_t>() + two["documents"]["removed"].get<int64_t>());
  ASSERT_EQ(two["stages"].size(), one["stages"].size());
  for (size_t s = 0; s < one["stages"].size(); ++s) {
    EXPECT_EQ(two["stages"][s]["removed"], one["stages"][s]["removed"]) << s;
    EXPECT_EQ(two["stages"][s]["documents_in"], one["stages"][s]["documents_in"]) << s;
  }
  // Both kinds of duplicates were found (so the comparison is not between two runs that removed nothing).
  const json& dedup = one["stages"].back()["removed"];
  EXPECT_GT(dedup.value("exact_duplicate", 0), 10);
  EXPECT_GT(dedup.value("near_duplicate", 0), 3);
  EXPECT_FALSE(std::filesystem::exists(dir + "/two/.rank-0"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/two/.rank-1"));
}
