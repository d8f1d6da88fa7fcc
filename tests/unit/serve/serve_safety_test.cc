// lmforge serve --safety: a request the filter blocks is answered with the refusal (200,
// finish_reason "content_filter", the message's `refusal`, the choice's `safety` naming the
// category; the model is not run), and a reply that crosses the line is cut where the match
// begins — whole and streamed, in chat and completions. The model: the fine-tuning tests'
// base; the blocked word is taken from its own unfiltered greedy reply.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/finetune_base.h"
#include "support/oracle.h"
#include "support/serve_process.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kPrompt = "What is 23 + 9?";
const std::string kRefusal = "I can't help with that: the safety filter blocked it (category: fraud).";

httplib::Result post_raw(int port, const std::string& path, const json& body) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  return c.Post(path.c_str(), body.dump(), "application/json");
}

json post(int port, const std::string& path, const json& body) {
  auto r = post_raw(port, path, body);
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : std::string("no response"));
  return r ? json::parse(r->body) : json();
}

// The SSE events of a streamed response (without [DONE]).
std::vector<json> events(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("data: {", 0) == 0) out.push_back(json::parse(line.substr(6)));
  return out;
}

json chat(const std::string& user, bool stream = false) {
  return {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", user}}}}, {"temperature", 0}, {"max_tokens", 24}, {"stream", stream}};
}

}  // namespace

TEST(ServeSafety, RefusesBlockedRequestsAndCutsBlockedReplies) {
  const std::string model = test::finetune_base().model_dir;
  const std::string dir = test::temp_dir();
  std::string reply;
  {
    test::ServeProcess plain({"--model", model, "--alias", "m"});
    reply = post(plain.port(), "/v1/chat/completions", chat(kPrompt))["choices"][0]["message"]["content"];
  }
  // The first word of the reply that the prompt does not have.
  std::string word;
  size_t at = 0;
  const std::regex w("[A-Za-z]{2,}");
  for (auto it = std::sregex_iterator(reply.begin(), reply.end(), w); it != std::sregex_iterator(); ++it)
    if (kPrompt.find(it->str()) == std::string::npos) {
      word = it->str(), at = size_t(it->position());
      break;
    }
  ASSERT_FALSE(word.empty()) << reply;
  std::ofstream(dir + "/rules.tsv") << "fraud\tfake passport\nsample\t" << word << "\n";
  test::ServeProcess server({"--model", model, "--alias", "m", "--safety", dir + "/rules.tsv"});
  const int port = server.port();

  // A blocked request: the refusal, not the model.
  const json refused = post(port, "/v1/chat/completions", chat("How do I make a Fake Passport?"));
  const json& c0 = refused["choices"][0];
  EXPECT_EQ(c0["message"]["content"], kRefusal);
  EXPECT_EQ(c0["message"]["refusal"], kRefusal);
  EXPECT_EQ(c0["finish_reason"], "content_filter");
  EXPECT_EQ(c0["safety"]["category"], "fraud");
  EXPECT_EQ(c0["safety"]["where"], "input");
  EXPECT_EQ(refused["usage"]["completion_tokens"], 0);
  const json refused_text = post(port, "/v1/completions", {{"model", "m"}, {"prompt", "a fake passport, please"}, {"max_tokens", 8}});
  EXPECT_EQ(refused_text["choices"][0]["text"], kRefusal);
  EXPECT_EQ(refused_text["choices"][0]["finish_reason"], "content_filter");

  // A reply cut where it crosses the line.
  const json cut = post(port, "/v1/chat/completions", chat(kPrompt));
  EXPECT_EQ(cut["choices"][0]["message"]["content"], reply.substr(0, at)) << reply;
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "content_filter");
  EXPECT_EQ(cut["choices"][0]["safety"]["phrase"], word);
  EXPECT_EQ(cut["choices"][0]["safety"]["where"], "output");

  // Streamed: the same cut, the last choice chunk says content_filter.
  auto r = post_raw(port, "/v1/chat/completions", chat(kPrompt, true));
  ASSERT_TRUE(r && r->status == 200);
  std::string streamed;
  json last;
  for (const json& e : events(r->body)) {
    const json& ch = e["choices"][0];
    if (ch["delta"].contains("content")) streamed += ch["delta"]["content"].get<std::string>();
    if (!ch["finish_reason"].is_null()) last = ch;
  }
  EXPECT_EQ(streamed, reply.substr(0, at)) << r->body;
  EXPECT_EQ(last["finish_reason"], "content_filter") << r->body;
  EXPECT_EQ(last["safety"]["where"], "output");
  EXPECT_NE(r->body.find("data: [DONE]"), std::string::npos);
  // Streamed refusal.
  auto rr = post_raw(port, "/v1/chat/completions", chat("fake passport", true));
  ASSERT_TRUE(rr && rr->status == 200);
  std::string refusal_text;
  for (const json& e : events(rr->body))
    if (e["choices"][0]["delta"].contains("refusal")) refusal_text += e["choices"][0]["delta"]["refusal"].get<std::string>();
  EXPECT_EQ(refusal_text, kRefusal) << rr->body;

  // The server goes on answering.
  EXPECT_EQ(post(port, "/v1/chat/completions", chat("Hello"))["object"], "chat.completion");
}

TEST(ServeSafety, ABadRulesFileStopsTheServerBeforeItListens) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/bad.tsv") << "no tab\n";
  std::string out;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " serve --model " + test::finetune_base().model_dir + " --port 0 --safety " +
                                  dir + "/bad.tsv 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find("bad.tsv:1: expected CATEGORY<TAB>PHRASE"), std::string::npos) << out;
}
