// Pipeline input and output: the readers (JSONL with other fields, text files and
// paragraphs, folders, gzip and zstd written by the gzip and zstd tools), the outputs with
// conservation, invalid UTF-8 repaired or removed, and sharding.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "data/pipeline/runner.h"
#include "support/oracle.h"

using namespace lmf::data::pipeline;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::vector<nlohmann::ordered_json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::ordered_json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::ordered_json::parse(line));
  return out;
}

}  // namespace

TEST(PipelineRunner, ReadsAllFormatsKeepsFieldsAndConserves) {
  const std::string dir = lmf::test::temp_dir(), in = dir + "/in", out = dir + "/out";
  write(in + "/a.jsonl",
        "{\"url\": \"u1\", \"text\": \"first\", \"id\": 7}\n"
        "\n"
        "not json\n"
        "{\"id\": 8, \"body\": \"no text field\"}\n"
        "{\"id\": 9, \"text\": \"bad \xff byte\"}\n");
  write(in + "/b.txt", "a whole file\nis one document\n");
  write(in + "/sub/c.jsonl", "{\"text\": \"gz one\"}\n{\"text\": \"gz two\"}\n");
  write(in + "/sub/d.jsonl", "{\"text\": \"zst one\"}\n");
  write(in + "/sub/e.json", "{\"text\": \"a json file\",\n \"n\": 1}\n");
  write(in + "/.hidden.txt", "skipped");
  ASSERT_EQ(lmf::test::run_command("gzip -f " + in + "/sub/c.jsonl && zstd -q --rm " + in + "/sub/d.jsonl"), 0);
  RunOptions o;
  o.inputs = {in};
  o.out_dir = out;
  o.threads = 2;
  o.progress = false;
  std::vector<std::unique_ptr<Stage>> none;
  RunResult r = run_pipeline(none, o);
  EXPECT_EQ(r.documents_in, 9);  // 4 lines of a.jsonl, b.txt, 2 gzip lines, 1 zstd line, e.json
  EXPECT_EQ(r.kept, 7);
  EXPECT_EQ(r.removed, 2);
  const auto kept = read_jsonl(out + "/kept.jsonl"), removed = read_jsonl(out + "/removed.jsonl");
  ASSERT_EQ(kept.size(), 7u);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(kept[0].dump(), R"({"url":"u1","text":"first","id":7})");  // other fields kept, in order
  EXPECT_EQ(kept[1]["text"], "bad \xef\xbf\xbd byte");
  EXPECT_EQ(kept[2]["text"], "a whole file\nis one document\n");
  EXPECT_EQ(kept[3]["text"], "gz one");
  EXPECT_EQ(kept[4]["text"], "gz two");
  EXPECT_EQ(kept[5]["text"], "zst one");
  EXPECT_EQ(kept[6].dump(), R"({"text":"a json file","n":1})");
  EXPECT_EQ(removed[0]["reason"], "invalid_json");
  EXPECT_EQ(removed[0]["stage"], "read");
  EXPECT_EQ(removed[1]["reason"], "no_text_field");
  EXPECT_EQ(removed[1]["id"], 8);
  EXPECT_EQ(r.report["stages"][0]["counts"]["utf8_repaired"], 1);
  EXPECT_TRUE(fs::exists(out + "/report.json"));

  o.repair_utf8 = false;
  r = run_pipeline(none, o);
  EXPECT_EQ(r.removed, 3);
  EXPECT_EQ(read_jsonl(out + "/removed.jsonl")[2]["reason"], "invalid_utf8");
}

TEST(PipelineRunner, ParagraphsShardsAndErrors) {
  const std::string dir = lmf::test::temp_dir(), in = dir + "/p.txt";
  write(in, "one\nstill one\n\n\ntwo\n \nthree\n\nfour\nfive lines? no, four");
  RunOptions o;
  o.inputs = {in};
  o.text_unit = TextUnit::paragraph;
  o.progress = false;
  o.batch_bytes = 8;  // many small batches
  std::vector<std::unique_ptr<Stage>> none;
  std::set<std::string> all;
  for (int shard = 0; shard < 3; ++shard) {
    o.out_dir = dir + "/s" + std::to_string(shard);
    o.shard_index = shard;
    o.shard_count = 3;
    RunResult r = run_pipeline(none, o);
    for (auto& j : read_jsonl(o.out_dir + "/kept.jsonl")) EXPECT_TRUE(all.insert(j["text"].get<std::string>()).second);
    EXPECT_EQ(r.kept, shard == 0 ? 2 : 1);
  }
  EXPECT_EQ(all, (std::set<std::string>{"one\nstill one", "two", "three", "four\nfive lines? no, four"}));
  o.inputs = {dir + "/missing"};
  EXPECT_THROW(run_pipeline(none, o), lmf::FormatError);
  o.inputs = {in};
  o.shard_index = 3;
  EXPECT_THROW(run_pipeline(none, o), lmf::Error);
  // Only the extensions asked for are taken from folders.
  EXPECT_EQ(list_input_files({dir}, {".txt"}), std::vector<std::string>{in});
}

// A compressed input cut short is an error naming the file, and no output is left behind.
TEST(PipelineRunner, TruncatedCompressedInputIsAnError) {
  const std::string dir = lmf::test::temp_dir();
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "{\"text\": \"line " + std::to_string(i * 7919 % 10007) + " of the input\"}\n";
  for (const std::string tool : {"gzip", "zstd"}) {
    const std::string in = dir + "/cut-" + tool + ".jsonl", ext = tool == "gzip" ? ".gz" : ".zst";
    write(in, body);
    ASSERT_EQ(lmf::test::run_command(tool + " -q -f " + in + (tool == "zstd" ? " --rm" : "")), 0);
    const std::string packed = in + ext;
    std::filesystem::resize_file(packed, std::filesystem::file_size(packed) / 2);
    RunOptions o;
    o.inputs = {packed};
    o.out_dir = dir + "/out-" + tool;
    o.progress = false;
    std::vector<std::unique_ptr<Stage>> none;
    try {
      run_pipeline(none, o);
      ADD_FAILURE() << tool << ": a truncated input was read as complete";
    } catch (const lmf::FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(packed), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/kept.jsonl")) << tool;
  }
}
