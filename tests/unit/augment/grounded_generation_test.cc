// Grounded generation: the citation parser, and `generate --rag` / `chat --rag` / `serve
// --rag` — the prompt the model sees is the documented one built from the sources the index
// returns (checked by greedy generation from that prompt written out here), and --json (or
// the response's `sources`) reports those sources.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "augment/grounded_prompt.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "support/serve_process.h"

namespace lmf::augment {
namespace {

using nlohmann::json;
const std::string kBin = LMFORGE_BINARY;

TEST(GroundedPrompt, CitationsAreNumbersOfGivenSources) {
  EXPECT_EQ(cited_sources("1742 [2]", 4), std::vector<int>{2});
  EXPECT_EQ(cited_sources("A [3], B [1][3] and [9] or [0] [x] [12", 4), (std::vector<int>{3, 1}));
  EXPECT_TRUE(cited_sources("The answer is not in the sources.", 4).empty());
  EXPECT_EQ(cited_sources("[10] and [2]", 10), (std::vector<int>{10, 2}));
}

TEST(GroundedPrompt, TheDocumentedForm) {
  EXPECT_EQ(grounded_prompt("  When was Zorbia founded?\n", {"Zorbia was founded in 1742.\n", " It rains."}),
            "Answer the question from the sources below and cite them as [1], [2].\n"
            "If they do not contain the answer, reply: The answer is not in the sources.\n\n"
            "Sources:\n[1] Zorbia was founded in 1742.\n[2] It rains.\n\nQuestion: When was Zorbia founded?");
}

struct Out {
  int rc;
  std::string text;
};
Out lmforge(const std::string& args) {
  Out o;
  o.rc = test::run_command(kBin + " " + args + " 2>/dev/null", &o.text);
  return o;
}
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A folder with a random ChatML-tokenizer Llama (m/) and a BM25 index (idx/) of three
// short documents.
std::string model_and_index() {
  const std::string dir = test::temp_dir();
  const tok::Tokenizer tk = test::chatml_test_tokenizer();
  test::write_scaled_model(dir + "/m", {.arch = Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2, .heads = 4,
                                        .kv_heads = 2, .inner = 128, .positions = 512, .seed = 5},
                           tk);
  std::ofstream(dir + "/docs.jsonl") << "{\"id\": \"z\", \"text\": \"Zorbia was founded in 1742 by river people.\"}\n"
                                        "{\"id\": \"q\", \"text\": \"Quellan is the capital of Marrow.\"}\n"
                                        "{\"id\": \"b\", \"text\": \"Bread needs flour and a river mill.\"}\n";
  EXPECT_EQ(lmforge("rag index --quiet --docs " + dir + "/docs.jsonl --out " + dir + "/idx").rc, 0);
  return dir;
}

TEST(GroundedGeneration, GenerateAndChatPromptFromTheRetrievedSources) {
  const std::string dir = model_and_index();
  const std::string question = "When was Zorbia founded by the river?";
  const Out r = lmforge("generate --model " + dir + "/m --chat --temperature 0 --max-new-tokens 12 --rag " + dir +
                        "/idx --rag-k 2 --json --prompt " + shell_quote(question));
  ASSERT_EQ(r.rc, 0) << r.text;
  const json j = json::parse(r.text);
  // The sources are what `rag query` returns for the question.
  const Out q = lmforge("rag query --json -k 2 --index " + dir + "/idx --query " + shell_quote(question));
  std::istringstream lines(q.text);
  std::vector<std::string> texts;
  size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const json hit = json::parse(line);
    ASSERT_LT(n, j["sources"].size());
    const json& s = j["sources"][n];
    EXPECT_EQ(s["n"], n + 1);
    for (const char* f : {"id", "chunk", "start", "end", "text"}) EXPECT_EQ(s[f], hit[f]) << f;
    texts.push_back(hit["text"]);
  }
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(j["sources"].size(), 2u);
  EXPECT_EQ(j["sources"][0]["id"], "z");
  // The model saw exactly the documented prompt: greedy generation from it, written out
  // here, gives the same reply.
  std::string prompt = "Answer the question from the sources below and cite them as [1], [2].\n"
                       "If they do not contain the answer, reply: The answer is not in the sources.\n\nSources:\n";
  for (size_t i = 0; i < texts.size(); ++i) prompt += "[" + std::to_string(i + 1) + "] " + texts[i] + "\n";
  prompt += "\nQuestion: " + question;
  const Out direct = lmforge("generate --model " + dir + "/m --chat --temperature 0 --max-new-tokens 12 --json --prompt " + shell_quote(prompt));
  ASSERT_EQ(direct.rc, 0);
  EXPECT_EQ(json::parse(direct.text)["reply"], j["reply"]);
  EXPECT_EQ(j["citations"].size(), cited_sources(j["reply"].get<std::string>(), 2).size());
  // chat --rag: the same reply for the same first turn.
  Out chat;
  chat.rc = test::run_command("printf '%s\\n' " + shell_quote(question) + " | " + kBin + " chat --model " + dir +
                                  "/m --temperature 0 --max-new-tokens 12 --json --rag " + dir + "/idx --rag-k 2 2>/dev/null",
                              &chat.text);
  ASSERT_EQ(chat.rc, 0);
  const json c = json::parse(chat.text);
  EXPECT_EQ(c["sources"], j["sources"]);
  // A missing index is a clear error before any generation.
  std::string err;
  EXPECT_EQ(test::run_command(kBin + " generate --model " + dir + "/m --rag " + dir + "/none --prompt x 2>&1", &err), 1);
  EXPECT_NE(err.find("no such index"), std::string::npos) << err;
}

TEST(GroundedGeneration, ServeAnswersChatRequestsFromTheIndex) {
  const std::string dir = model_and_index();
  const std::string question = "When was Zorbia founded?";
  const Out gen = lmforge("generate --model " + dir + "/m --chat --temperature 0 --max-new-tokens 10 --rag " + dir +
                          "/idx --rag-k 2 --json --prompt " + shell_quote(question));
  ASSERT_EQ(gen.rc, 0);
  const json want = json::parse(gen.text);

  test::ServeProcess srv({"--model", dir + "/m", "--rag", dir + "/idx", "--rag-k", "2"});
  httplib::Client cli("127.0.0.1", srv.port());
  cli.set_read_timeout(60);
  const json req = {{"messages", {{{"role", "user"}, {"content", question}}}}, {"max_tokens", 10}, {"temperature", 0}};
  auto res = cli.Post("/v1/chat/completions", req.dump(), "application/json");
  ASSERT_TRUE(res) << srv.log();
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = json::parse(res->body);
  EXPECT_EQ(body["sources"], want["sources"]);
  EXPECT_EQ(body["choices"][0]["message"]["content"], want["reply"]);
  EXPECT_EQ(body["choices"][0]["message"]["citations"], json(cited_sources(want["reply"].get<std::string>(), 2)));
  // Streaming: the first chunk carries the sources.
  json stream_req = req;
  stream_req["stream"] = true;
  auto sres = cli.Post("/v1/chat/completions", stream_req.dump(), "application/json");
  ASSERT_TRUE(sres);
  ASSERT_EQ(sres->status, 200);
  const std::string first = sres->body.substr(6, sres->body.find("\n\n") - 6);
  EXPECT_EQ(json::parse(first)["sources"], want["sources"]) << first;
}

}  // namespace
}  // namespace lmf::augment
