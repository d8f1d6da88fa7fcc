// Retrieval index: chunking (coverage, offsets), `lmforge rag index` / `rag query` end to
// end (the --json contract, folders, --add, dense and hybrid retrieval) and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "augment/chunker.h"
#include "core/utf8.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/scaled_model.h"

namespace lmf::augment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBin = LMFORGE_BINARY;

struct CliRun {
  int rc;
  std::string out;
};
CliRun lmforge(const std::string& args) {
  CliRun r;
  r.rc = test::run_command(kBin + " " + args + " 2>&1", &r.out);
  return r;
}
CliRun lmforge_stdout(const std::string& args) {
  CliRun r;
  r.rc = test::run_command(kBin + " " + args + " 2>/dev/null", &r.out);
  return r;
}
std::vector<json> json_lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(json::parse(line));
  return v;
}
void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
std::string io_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(RagChunker, CoversEveryByteOnCharacterBoundaries) {
  const std::vector<std::string> texts = {
      "The quick brown fox jumps over the lazy dog. " + std::string(test::kMixedText),
      "日本語のテキストと絵文字 🦊🐶 mixed with English words and numbers 12345.",
      "x"};
  for (const std::string spec : {"tiktoken:gpt2", "tiktoken:cl100k_base"}) {
    const tok::Tokenizer tk = load_tokenizer(spec);
    for (const std::string& text : texts) {
      for (ChunkParams p : {ChunkParams{8, 2}, ChunkParams{5, 0}, ChunkParams{1, 0}, ChunkParams{3, 2}, ChunkParams{256, 32}}) {
        const std::vector<ChunkSpan> chunks = chunk_text(text, tk, p);
        ASSERT_FALSE(chunks.empty());
        EXPECT_EQ(chunks.front().start, 0u);
        EXPECT_EQ(chunks.back().end, text.size());
        const size_t tokens = tk.encode(text).size();
        if (tokens <= size_t(p.chunk_tokens)) EXPECT_EQ(chunks.size(), 1u);
        for (size_t i = 0; i < chunks.size(); ++i) {
          const ChunkSpan& c = chunks[i];
          ASSERT_LT(c.start, c.end) << spec << " chunk " << i;
          EXPECT_TRUE(utf8_valid(std::string_view(text).substr(c.start, c.end - c.start))) << spec << " chunk " << i;
          if (i > 0) {
            EXPECT_LE(c.start, chunks[i - 1].end) << "a gap before chunk " << i;  // every byte covered
            EXPECT_GE(c.start, chunks[i - 1].start) << "chunk " << i;
            EXPECT_GE(c.end, chunks[i - 1].end) << "chunk " << i;
            EXPECT_TRUE(c.start != chunks[i - 1].start || c.end != chunks[i - 1].end) << "chunk " << i << " repeated";
            if (p.overlap > 0) EXPECT_LT(c.start, chunks[i - 1].end) << "no overlap at chunk " << i;
          }
        }
      }
    }
  }
  const tok::Tokenizer tk = load_tokenizer("tiktoken:gpt2");
  EXPECT_THROW(chunk_text("abc", tk, {4, 4}), Error);
  EXPECT_THROW(chunk_text("abc", tk, {0, 0}), Error);
}

// Three documents: a string id with metadata, no id (its line number), an integer id.
std::string write_docs(const std::string& dir) {
  const std::string path = dir + "/docs.jsonl";
  write(path,
        "{\"id\": \"alpha\", \"text\": \"The zebrafish regrows its fins. Zebrafish live in rivers.\", \"source\": \"x\", \"year\": 2020}\n"
        "{\"text\": \"Bread is baked from flour, water and yeast in an oven.\"}\n"
        "\n"
        "{\"id\": 7, \"text\": \"Rivers carry water to the sea; fish swim upstream in rivers.\"}\n");
  return path;
}

TEST(RagCli, QueryJsonFollowsTheContract) {
  const std::string dir = test::temp_dir();
  const std::string docs = write_docs(dir);
  ASSERT_EQ(lmforge("rag index --quiet --docs " + docs + " --out " + dir + "/idx").rc, 0);
  const CliRun r = lmforge_stdout("rag query --index " + dir + "/idx --query 'zebrafish rivers' -k 5 --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::vector<json> hits = json_lines(r.out);
  ASSERT_EQ(hits.size(), 2u) << r.out;  // "bread" shares no term
  EXPECT_EQ(hits[0]["id"], "alpha");    // both terms, zebrafish twice
  EXPECT_EQ(hits[1]["id"], 7);          // an integer stays an integer
  EXPECT_EQ(hits[0]["metadata"], (json{{"source", "x"}, {"year", 2020}}));
  EXPECT_EQ(hits[1]["metadata"], json::object());
  const std::map<json, std::string> texts = {{"alpha", "The zebrafish regrows its fins. Zebrafish live in rivers."},
                                             {7, "Rivers carry water to the sea; fish swim upstream in rivers."}};
  for (const json& h : hits) {
    for (const char* f : {"id", "chunk", "start", "end", "score", "text", "metadata"}) EXPECT_TRUE(h.contains(f)) << f;
    const std::string& text = texts.at(h["id"]);
    EXPECT_EQ(h["text"], text.substr(h["start"].get<size_t>(), h["end"].get<size_t>() - h["start"].get<size_t>()));
    EXPECT_EQ(h["chunk"], 0);
  }
  EXPECT_GT(hits[0]["score"].get<double>(), hits[1]["score"].get<double>());
  // Without an id, the 0-based line number.
  const std::vector<json> bread = json_lines(lmforge_stdout("rag query --index " + dir + "/idx --query bread --json").out);
  ASSERT_EQ(bread.size(), 1u);
  EXPECT_EQ(bread[0]["id"], 1);
}

TEST(RagCli, ChunksOfALongDocumentCarryTheirOffsets) {
  const std::string dir = test::temp_dir();
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Sentence number " + std::to_string(i) + " talks about topic" + std::to_string(i) + ". ";
  write(dir + "/d.jsonl", json{{"id", "long"}, {"text", text}}.dump() + "\n");
  ASSERT_EQ(lmforge("rag index --quiet --docs " + dir + "/d.jsonl --out " + dir + "/idx --chunk-tokens 32 --overlap 8").rc, 0);
  for (int i : {0, 17, 39}) {
    const std::vector<json> hits = json_lines(lmforge_stdout("rag query --index " + dir + "/idx -k 1 --json --query topic" + std::to_string(i)).out);
    ASSERT_EQ(hits.size(), 1u);
    const size_t start = hits[0]["start"], end = hits[0]["end"];
    EXPECT_EQ(hits[0]["text"], text.substr(start, end - start));
    EXPECT_NE(hits[0]["text"].get<std::string>().find("topic" + std::to_string(i)), std::string::npos);
    if (i == 39) EXPECT_GT(hits[0]["chunk"].get<int>(), 0);
  }
}

TEST(RagCli, AFolderOfFilesUsesTheirPathsAsIds) {
  const std::string dir = test::temp_dir();
  fs::create_directories(dir + "/docs/sub");
  write(dir + "/docs/a.txt", "Kangaroos hop across Australia.");
  write(dir + "/docs/sub/b.md", "# Notes\nPenguins cannot fly but swim well.");
  write(dir + "/docs/ignored.bin", "penguins penguins");
  ASSERT_EQ(lmforge("rag index --quiet --docs " + dir + "/docs --out " + dir + "/idx").rc, 0);
  const std::vector<json> hits = json_lines(lmforge_stdout("rag query --index " + dir + "/idx --query penguins --json").out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["id"], "sub/b.md");
}

TEST(RagCli, AddingDocumentsEqualsBuildingAtOnce) {
  const std::string dir = test::temp_dir();
  std::string all, first, second;
  for (int i = 0; i < 30; ++i) {
    const std::string line = json{{"id", "d" + std::to_string(i)}, {"text", "alpha beta word" + std::to_string(i % 7) + " gamma" + std::string(size_t(i % 5), 'x')}}.dump() + "\n";
    all += line;
    (i < 18 ? first : second) += line;
  }
  write(dir + "/all.jsonl", all);
  write(dir + "/first.jsonl", first);
  write(dir + "/second.jsonl", second);
  ASSERT_EQ(lmforge("rag index --quiet --docs " + dir + "/all.jsonl --out " + dir + "/once").rc, 0);
  ASSERT_EQ(lmforge("rag index --quiet --docs " + dir + "/first.jsonl --out " + dir + "/inc").rc, 0);
  ASSERT_EQ(lmforge("rag index --quiet --add --docs " + dir + "/second.jsonl --out " + dir + "/inc").rc, 0);
  for (const std::string q : {"word3 gamma", "alpha", "gammaxx word6"}) {
    const CliRun a = lmforge_stdout("rag query --json -k 30 --index " + dir + "/once --query '" + q + "'");
    const CliRun b = lmforge_stdout("rag query --json -k 30 --index " + dir + "/inc --query '" + q + "'");
    EXPECT_EQ(a.out, b.out) << q;
    EXPECT_FALSE(a.out.empty());
  }
  // Adding an id that is already there is refused and changes nothing.
  const CliRun again = lmforge("rag index --quiet --add --docs " + dir + "/second.jsonl --out " + dir + "/inc");
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.out.find("already in the index"), std::string::npos) << again.out;
}

TEST(RagCli, AnInterruptedWriteLeavesThePreviousIndex) {
  const std::string dir = test::temp_dir();
  const std::string docs = write_docs(dir);
  ASSERT_EQ(lmforge("rag index --quiet --docs " + docs + " --out " + dir + "/idx").rc, 0);
  const std::string before = lmforge_stdout("rag query --json --index " + dir + "/idx --query rivers").out;
  // What a writer killed before its manifest was replaced leaves: the next generation's
  // files, one of them torn, and a temporary.
  const json manifest = json::parse(std::ifstream(dir + "/idx/manifest.json"));
  const int64_t g = manifest["generation"].get<int64_t>() + 1;
  write(dir + "/idx/documents." + std::to_string(g) + ".jsonl", "{\"id\": \"torn\", \"te");
  write(dir + "/idx/bm25." + std::to_string(g) + ".bin", "LMFBM25");
  write(dir + "/idx/manifest.json.tmp.12345", "{");
  EXPECT_EQ(lmforge_stdout("rag query --json --index " + dir + "/idx --query rivers").out, before);
  // A real interruption: kill a rebuild over many documents while it runs.
  std::string many;
  for (int i = 0; i < 200000; ++i) many += json{{"text", "rivers and fish number " + std::to_string(i)}}.dump() + "\n";
  write(dir + "/many.jsonl", many);
  test::run_command("timeout -s KILL 0.5 " + kBin + " rag index --quiet --docs " + dir + "/many.jsonl --out " + dir + "/idx >/dev/null 2>&1");
  EXPECT_EQ(lmforge_stdout("rag query --json --index " + dir + "/idx --query rivers").out, before);
  // The next build removes what the interrupted ones left: only the manifest and the
  // files it names remain.
  ASSERT_EQ(lmforge("rag index --quiet --docs " + docs + " --out " + dir + "/idx").rc, 0);
  std::set<std::string> named{"manifest.json"};
  const json rebuilt = json::parse(std::ifstream(dir + "/idx/manifest.json"));
  for (const auto& [k, v] : rebuilt["files"].items()) named.insert(v.get<std::string>());
  for (const fs::directory_entry& e : fs::directory_iterator(dir + "/idx")) EXPECT_TRUE(named.count(e.path().filename().string())) << e.path();
  EXPECT_EQ(lmforge_stdout("rag query --json --index " + dir + "/idx --query rivers").out, before);
}

void expect_error(const CliRun& r, int rc, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.rc, rc) << r.out;
  for (const std::string& p : parts) EXPECT_NE(r.out.find(p), std::string::npos) << "'" << p << "' not in: " << r.out;
}

TEST(RagCli, BadInputGetsAClearError) {
  const std::string dir = test::temp_dir();
  auto index = [&](const std::string& docs_text, const std::string& name) {
    write(dir + "/" + name, docs_text);
    return lmforge("rag index --quiet --docs " + dir + "/" + name + " --out " + dir + "/idx_" + name);
  };
  expect_error(index("{\"text\": \"fine\"}\n{\"text\": \"  \"}\n", "empty.jsonl"), 1, {"empty.jsonl:2", "empty document"});
  expect_error(index("{\"text\": \"fine\"}\n{\"text\": 5}\n", "type.jsonl"), 1, {"type.jsonl:2", "`text` must be a string"});
  expect_error(index("{\"id\": 1, \"body\": \"x\"}\n", "missing.jsonl"), 1, {"missing.jsonl:1", "missing field `text`"});
  expect_error(index("{\"text\": \"a\"}\n{\"text\": \"b\xff\"}\n", "utf8.jsonl"), 1, {"utf8.jsonl:2", "not valid JSON"});
  expect_error(index("{\"id\": \"a\", \"text\": \"a\"}\n{\"id\": \"a\", \"text\": \"b\"}\n", "dup.jsonl"), 1, {"dup.jsonl:2", "given twice"});
  expect_error(index("{\"id\": [1], \"text\": \"a\"}\n", "idtype.jsonl"), 1, {"idtype.jsonl:1", "`id` must be a string or an integer"});
  for (const std::string& name : {"empty.jsonl", "type.jsonl", "missing.jsonl", "utf8.jsonl", "dup.jsonl"})
    EXPECT_FALSE(fs::exists(dir + "/idx_" + name)) << name;
  fs::create_directories(dir + "/folder");
  write(dir + "/folder/ok.txt", "fine text");
  write(dir + "/folder/bad.txt", "abc\xc3(def");
  expect_error(lmforge("rag index --quiet --docs " + dir + "/folder --out " + dir + "/fidx"), 1, {"bad.txt", "invalid UTF-8 at byte 3"});
  expect_error(lmforge("rag index --quiet --docs " + dir + "/nothing.jsonl --out " + dir + "/x"), 1, {"nothing.jsonl", "no such file"});
  write(dir + "/good.jsonl", "{\"text\": \"rivers and fish\"}\n{\"text\": \"bread and yeast\"}\n");
  expect_error(lmforge("rag index --quiet --docs " + dir + "/good.jsonl --out " + dir + "/folder"), 1, {"is not a retrieval index"});
  expect_error(lmforge("rag index --quiet --docs " + dir + "/good.jsonl --out " + dir + "/y --overlap 300"), 1, {"--overlap"});

  // A good index, then damaged in several ways.
  ASSERT_EQ(lmforge("rag index --quiet --docs " + dir + "/good.jsonl --out " + dir + "/idx").rc, 0);
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish -k 0"), 2, {"-k"});
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish --mode dense"), 1, {"no dense vectors"});
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish --mode fuzzy"), 1, {"unknown retrieval mode 'fuzzy'"});
  expect_error(lmforge("rag query --index " + dir + "/nope --query fish"), 1, {"nope", "no such index"});
  const json manifest = json::parse(std::ifstream(dir + "/idx/manifest.json"));
  const std::string bm25 = dir + "/idx/" + manifest["files"]["bm25"].get<std::string>();
  const std::string bm25_bytes = io_read(bm25);
  write(bm25, bm25_bytes.substr(0, bm25_bytes.size() - 5));
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish"), 1, {"bm25.", "not a valid BM25 index"});
  write(bm25, bm25_bytes);
  const std::string chunks = dir + "/idx/" + manifest["files"]["chunks"].get<std::string>();
  write(chunks, "[0,0,0,15]\n");
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish"), 1, {"damaged index", "count differs"});
  write(dir + "/idx/manifest.json", "{\"format\": ");
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish"), 1, {"damaged index"});
}

// Dense retrieval through the index equals a brute-force cosine search over the vectors
// `lmforge embed` gives the same chunks; hybrid equals reciprocal rank fusion (constant
// 60) of the two rankings, computed here; the wrong or a changed model is refused.
TEST(RagCli, DenseAndHybridRetrieval) {
  const std::string dir = test::temp_dir();
  const tok::Tokenizer tk = test::chatml_test_tokenizer();
  test::write_scaled_model(dir + "/emb", {.arch = Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2, .heads = 4,
                                          .kv_heads = 2, .inner = 128, .positions = 64, .seed = 3, .scale = 1.f},
                           tk);
  std::string docs;
  const std::vector<std::string> words = {"river", "bread", "fish", "oven", "yeast", "water", "sea", "flour", "boat", "salt"};
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) {
    std::string t = words[size_t(i) % words.size()] + " and " + words[size_t(i * 3 + 1) % words.size()] + " number " + std::to_string(i);
    texts.push_back(t);
    docs += json{{"id", i}, {"text", t}}.dump() + "\n";
  }
  write(dir + "/docs.jsonl", docs);
  const CliRun built = lmforge("rag index --quiet --docs " + dir + "/docs.jsonl --out " + dir + "/idx --embed-model " + dir +
                               "/emb --chunk-tokens 64 --overlap 8");
  ASSERT_EQ(built.rc, 0) << built.out;
  // Each document is one chunk here; embed the texts and the query with `lmforge embed`.
  std::string inputs;
  for (const std::string& t : texts) inputs += json{{"text", t}}.dump() + "\n";
  const std::string query = "fish and salt";
  inputs += json{{"text", query}}.dump() + "\n";
  write(dir + "/inputs.jsonl", inputs);
  const CliRun embedded = lmforge_stdout("embed --quiet --model " + dir + "/emb --input " + dir + "/inputs.jsonl");
  ASSERT_EQ(embedded.rc, 0) << embedded.out;
  const std::vector<json> vecs = json_lines(embedded.out);
  ASSERT_EQ(vecs.size(), texts.size() + 1);
  const std::vector<double> q = vecs.back()["embedding"].get<std::vector<double>>();
  std::vector<std::pair<double, int>> cosine;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<double> v = vecs[i]["embedding"].get<std::vector<double>>();
    double dot = 0;
    for (size_t j = 0; j < v.size(); ++j) dot += v[j] * q[j];
    cosine.push_back({-dot, int(i)});
  }
  std::sort(cosine.begin(), cosine.end());
  const CliRun dense_run = lmforge_stdout("rag query --json -k 50 --mode dense --index " + dir + "/idx --query '" + query + "'");
  const std::vector<json> dense = json_lines(dense_run.out);
  ASSERT_EQ(dense.size(), texts.size()) << lmforge("rag query --json -k 50 --mode dense --index " + dir + "/idx --query '" + query + "'").out;
  for (size_t r = 0; r < dense.size(); ++r) {
    EXPECT_NEAR(dense[r]["score"].get<double>(), -cosine[r].first, 1e-4) << "rank " << r;
    if (r + 1 < cosine.size() && cosine[r + 1].first - cosine[r].first > 1e-5) EXPECT_EQ(dense[r]["id"], cosine[r].second) << "rank " << r;
  }
  const std::vector<json> sparse = json_lines(lmforge_stdout("rag query --json -k 50 --mode bm25 --index " + dir + "/idx --query '" + query + "'").out);
  ASSERT_FALSE(sparse.empty());
  std::map<int, double> fused;
  for (const std::vector<json>* ranking : {&sparse, &dense})
    for (size_t r = 0; r < ranking->size(); ++r) fused[(*ranking)[r]["id"].get<int>()] += 1.0 / (60.0 + double(r + 1));
  std::vector<std::pair<double, int>> want;
  for (auto [id, s] : fused) want.push_back({-s, id});
  std::sort(want.begin(), want.end());
  const CliRun hybrid_run = lmforge_stdout("rag query --json -k 10 --index " + dir + "/idx --query '" + query + "'");  // hybrid: the default with dense vectors
  const std::vector<json> hybrid = json_lines(hybrid_run.out);
  ASSERT_EQ(hybrid.size(), 10u);
  for (size_t r = 0; r < hybrid.size(); ++r) {
    EXPECT_NEAR(hybrid[r]["score"].get<double>(), -want[r].first, 1e-12) << "rank " << r;
    EXPECT_EQ(hybrid[r]["id"], want[r].second) << "rank " << r;
  }

  // Another model named at query time, a changed model, a query longer than its context.
  test::write_scaled_model(dir + "/other", {.arch = Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2, .heads = 4,
                                            .kv_heads = 2, .inner = 128, .positions = 64, .seed = 4, .scale = 1.f},
                           tk);
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish --embed-model " + dir + "/other"), 1,
               {"was built with the embedding model", "cannot be compared"});
  std::string long_query;
  for (int i = 0; i < 80; ++i) long_query += "fish ";
  expect_error(lmforge("rag query --index " + dir + "/idx --query '" + long_query + "'"), 1, {"the query", "context"});
  EXPECT_EQ(lmforge("rag query --index " + dir + "/idx --mode bm25 --query '" + long_query + "'").rc, 0);  // BM25 has no context
  fs::copy_file(dir + "/other/model.safetensors", dir + "/emb/model.safetensors", fs::copy_options::overwrite_existing);
  expect_error(lmforge("rag query --index " + dir + "/idx --query fish"), 1, {"changed since the index was built"});
  expect_error(lmforge("rag index --quiet --docs " + dir + "/docs.jsonl --out " + dir + "/idx2 --embed-model " + dir +
                       "/emb --chunk-tokens 100"),
               1, {"--chunk-tokens 100", "context of 64"});
}

}  // namespace
}  // namespace lmf::augment
