// The `retrieve` tool (tools/retrieve_tool.h) on a tiny index: its result is the index's
// best chunks (ids, chunk numbers, texts) in order, k limits them, bad arguments are error
// results; it needs an index. `generate --tools` runs the same loop as `chat --tools` (the
// same greedy reply), and --rag goes with --tools only for retrieve.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "augment/rag_index.h"
#include "infer/chat_template.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tools/retrieve_tool.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::string make_index(const std::string& dir) {
  const std::string docs = dir + "/docs.jsonl";
  io::write_text_atomic(docs, R"({"id": "otters", "text": "Sea otters hold hands while they sleep so they do not drift apart."}
{"id": "bees", "text": "Honey bees dance to tell other bees where the flowers are."}
{"id": "moon", "text": "The moon moves about four centimetres away from the earth every year."}
)");
  std::string out;
  EXPECT_EQ(test::run_command(kBin + " rag index --quiet --docs " + docs + " --out " + dir + "/idx 2>&1", &out), 0) << out;
  return dir + "/idx";
}

}  // namespace

TEST(RetrieveTool, BestChunksOfTheIndex) {
  const std::string dir = test::temp_dir();
  const augment::RagIndex index(make_index(dir));
  const tools::ToolRegistry r = tools::registry_with_retrieve({"calculator", "retrieve"}, &index);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"calculator", "retrieve"}));
  const tools::ToolResult got = r.run("retrieve", {{"query", "why do otters hold hands"}});
  ASSERT_TRUE(got.ok) << got.error;
  const std::vector<augment::RagHit> want = index.query("why do otters hold hands", tools::kRetrieveDefaultK);
  ASSERT_EQ(got.result.size(), want.size());
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got.result[0]["id"], "otters");
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got.result[i]["id"], want[i].doc->id);
    EXPECT_EQ(got.result[i]["chunk"], want[i].chunk);
    EXPECT_EQ(got.result[i]["text"], std::string(want[i].text()));
  }
  const tools::ToolResult one = r.run("retrieve", {{"query", "bees and flowers"}, {"k", 1}});
  ASSERT_TRUE(one.ok);
  ASSERT_EQ(one.result.size(), 1u);
  EXPECT_EQ(one.result[0]["id"], "bees");
  EXPECT_EQ(r.run("retrieve", {{"query", "moon"}, {"k", 0}}).error, "k must be from 1 to 20, got 0");
  EXPECT_FALSE(r.run("retrieve", {{"query", "moon"}, {"k", 21}}).ok);
  EXPECT_FALSE(r.run("retrieve", {{"query", "  "}}).ok);
  EXPECT_NE(r.run("retrieve", {{"k", 2}}).error.find("missing required argument 'query'"), std::string::npos);
  EXPECT_NE(r.run("retrieve", {{"query", "x"}, {"mode", "bm25"}}).error.find("unexpected argument 'mode'"), std::string::npos);
  EXPECT_THROW(tools::registry_with_retrieve({"retrieve"}, nullptr), Error);
}

TEST(RetrieveTool, GenerateWithToolsIsTheChatLoop) {
  const std::string dir = test::temp_dir(), model = dir + "/m", idx = make_index(dir);
  const tok::Tokenizer tk = test::chatml_test_tokenizer();
  test::write_scaled_model(model, {.arch = Arch::Llama, .vocab = int64_t(tk.vocab_size()), .width = 64, .layers = 2,
                                   .heads = 4, .kv_heads = 2, .inner = 128, .positions = 1024, .seed = 9, .scale = 2.f},
                           tk);
  write_chat_template(model);
  const std::string common = " --temperature 0 --max-new-tokens 10 --json 2>/dev/null";
  std::string gen, chat;
  for (const std::string& tools : std::vector<std::string>{" --tools calculator", " --tools retrieve --rag " + idx}) {
    gen.clear();  // run_command appends
    chat.clear();
    ASSERT_EQ(test::run_command(kBin + " generate --model " + model + " --prompt 'What is 2+3?'" + tools + common, &gen), 0)
        << tools;
    ASSERT_EQ(test::run_command("printf 'What is 2+3?\\n' | " + kBin + " chat --model " + model + tools + common, &chat), 0)
        << tools;
    const json g = json::parse(gen), c = json::parse(chat);
    EXPECT_EQ(g["reply"], c["reply"]) << tools;
    EXPECT_EQ(g["finish_reason"], c["finish_reason"]);
    EXPECT_EQ(g["tool_calls"], c["tool_calls"]);
  }
  gen.clear();
  EXPECT_NE(test::run_command(kBin + " generate --model " + model + " --prompt x --tools calculator --rag " + idx + " 2>&1", &gen), 0);
  EXPECT_NE(gen.find("--tools retrieve"), std::string::npos) << gen;
  gen.clear();
  EXPECT_NE(test::run_command(kBin + " generate --model " + model + " --prompt x --tools retrieve 2>&1", &gen), 0);
  EXPECT_NE(gen.find("--rag INDEX"), std::string::npos) << gen;
  EXPECT_NE(test::run_command(kBin + " generate --model " + model + " --prompt x --tools calculator --samples 2 2>&1", &gen), 0);
}
