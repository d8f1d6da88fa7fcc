// lmforge serve refuses bad requests with the right status and an OpenAI error object, and
// survives them all; a client that disconnects mid-stream frees its slot; SIGTERM lets the
// stream in flight finish and exits 0. The model here is a randomly initialised Llama over
// bytes with no end-of-text token and a long context, so a generation runs for seconds.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/serve_process.h"
#include "support/tiny_models.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

// A slow model directory (built once per process).
const std::string& slow_model() {
  static const std::string dir = [] {
    const std::string d = test::temp_dir() + "/slow";
    json cfg = test::tiny_llama_config({.vocab = 256, .width = 192, .mlp = 512, .positions = 4096});
    cfg["num_hidden_layers"] = 4;
    Transformer m(ModelConfig::from_json(cfg, "slow model"));
    m.init_weights(1);
    save_model(m, d);
    std::vector<std::string> bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(std::string(1, char(i)));
    tok::Tokenizer::from_merges(bytes, {}, {}, tok::builtin_pattern("gpt2"), "bytes").save_json(d + "/tokenizer.json");
    return d;
  }();
  return dir;
}

struct Reply {
  int status = 0;
  json body;
};

Reply post(httplib::Client& c, const std::string& path, const std::string& body, const httplib::Headers& h = {}) {
  auto r = c.Post(path.c_str(), h, body, "application/json");
  if (!r) return {};
  Reply out{r->status, json()};
  try {
    out.body = json::parse(r->body);
  } catch (...) {
    out.body = r->body;
  }
  return out;
}

// POSTs to /v1/completions, handing the streamed body to `on_data` (false: hang up).
void stream_post(int port, const std::string& body, const std::function<bool(const char*, size_t)>& on_data) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = body;
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* d, size_t n, uint64_t, uint64_t) { return on_data(d, n); };
  httplib::Response res;
  httplib::Error err;
  c.send(req, res, err);
}

// The error object's shape, and the field it names.
void expect_error(const Reply& r, int status, const std::string& param, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body.dump();
  ASSERT_TRUE(r.body.is_object() && r.body.contains("error")) << what << ": " << r.body.dump();
  const json& e = r.body["error"];
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << what;
  EXPECT_TRUE(e.contains("type") && e.contains("param") && e.contains("code")) << what;
  if (!param.empty()) {
    EXPECT_EQ(e["param"], param) << what;
  }
}

}  // namespace

TEST(ServeErrors, EveryBadRequestGetsItsStatusAndTheServerLives) {
  test::ServeProcess server({"--model", slow_model(), "--api-key", "sekret", "--max-body", "4096", "--ctx", "256"});
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(120, 0);  // httplib's default of 5 s is short for a loaded machine
  const httplib::Headers auth = {{"Authorization", "Bearer sekret"}};
  const std::string chat = "/v1/chat/completions", comp = "/v1/completions";

  // Auth: every route but / and /health.
  expect_error(post(c, comp, R"({"prompt":"a"})"), 401, "", "no key");
  expect_error(post(c, comp, R"({"prompt":"a"})", {{"Authorization", "Bearer wrong"}}), 401, "", "wrong key");
  EXPECT_EQ(post(c, comp, R"({"prompt":"a","max_tokens":1})", {{"x-api-key", "sekret"}}).status, 200);
  EXPECT_EQ(c.Get("/v1/models")->status, 401);
  EXPECT_EQ(c.Get("/health")->status, 200);
  EXPECT_EQ(c.Get("/")->status, 200);

  // Malformed bodies.
  expect_error(post(c, comp, R"({"prompt":"a",)", auth), 400, "", "malformed JSON");
  expect_error(post(c, comp, "{\"prompt\":\"a\xff\xfe\"}", auth), 400, "", "invalid UTF-8");
  expect_error(post(c, comp, R"([1,2])", auth), 400, "", "not an object");
  expect_error(post(c, comp, "", auth), 400, "", "empty body");
  // Fields: wrong types and values are named; unknown fields are ignored.
  expect_error(post(c, comp, R"({"prompt":"a","max_tokens":-1})", auth), 400, "max_tokens", "negative max_tokens");
  expect_error(post(c, comp, R"({"prompt":"a","max_tokens":100000000})", auth), 400, "max_tokens", "huge max_tokens");
  expect_error(post(c, comp, R"({"prompt":"a","max_tokens":"ten"})", auth), 400, "max_tokens", "string max_tokens");
  expect_error(post(c, comp, R"({"prompt":"a","temperature":9})", auth), 400, "temperature", "temperature");
  expect_error(post(c, comp, R"({"prompt":"a","stop":[1]})", auth), 400, "stop", "stop");
  expect_error(post(c, comp, R"({"prompt":"a","seed":9223372036854775808.0})", auth), 400, "seed", "seed past int64");
  expect_error(post(c, comp, R"({"prompt":"a","seed":18446744073709551615})", auth), 400, "seed", "seed past int64");
  EXPECT_EQ(post(c, comp, R"({"prompt":"a","max_tokens":1,"seed":9223372036854775807})", auth).status, 200);
  expect_error(post(c, comp, R"({"prompt":["a","b","c","d","e"],"n":16,"max_tokens":1})", auth), 400, "n",
               "more generations than slots and queue hold");
  expect_error(post(c, comp, R"({"prompt":5})", auth), 400, "prompt", "prompt type");
  expect_error(post(c, comp, R"({"prompt":[999]})", auth), 400, "prompt", "token id outside the vocabulary");
  expect_error(post(c, comp, R"({})", auth), 400, "prompt", "no prompt");
  expect_error(post(c, chat, R"({"messages":[]})", auth), 400, "messages", "no messages");
  expect_error(post(c, chat, R"({"messages":[{"role":"wizard","content":"a"}]})", auth), 400, "messages[0].role", "role");
  expect_error(post(c, chat, R"({"messages":[{"role":"user","content":7}]})", auth), 400, "messages[0].content", "content");
  expect_error(post(c, chat, R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"string","pattern":"a+"}}}})", auth),
               400, "", "unsupported schema keyword");
  EXPECT_NE(post(c, chat, R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"string","pattern":"a+"}}}})", auth)
                .body["error"]["message"].get<std::string>().find("pattern"), std::string::npos);
  EXPECT_EQ(post(c, comp, R"({"prompt":"a","max_tokens":2,"an_unknown_field":{"x":1},"user":"u"})", auth).status, 200);
  // Prompt longer than the context, unknown model, body over --max-body, unknown route.
  expect_error(post(c, comp, json{{"prompt", std::string(300, 'a')}}.dump(), auth), 400, "prompt", "prompt too long");
  expect_error(post(c, comp, R"({"prompt":"a","model":"nope"})", auth), 404, "model", "unknown model");
  expect_error(post(c, comp, json{{"prompt", std::string(5000, 'a')}}.dump(), auth), 413, "", "body too large");
  auto nf = c.Get("/v2/nothing", auth);
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_TRUE(json::parse(nf->body).contains("error"));

  auto wrong = c.Get("/v1/chat/completions", auth);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST");
  EXPECT_EQ(json::parse(wrong->body)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(c.Delete("/v1/models", auth)->status, 405);

  // A JSON reply whose max_tokens exceeds the room the context leaves closes within that
  // room: sampled replies all parse.
  const std::string long_message(150, 'x');
  for (int seed = 0; seed < 5; ++seed) {
    Reply js = post(c, chat,
                    json{{"messages", {{{"role", "user"}, {"content", long_message}}}}, {"max_tokens", 200}, {"seed", seed},
                         {"temperature", 1.0}, {"response_format", {{"type", "json_object"}}}}
                        .dump(),
                    auth);
    ASSERT_EQ(js.status, 200) << js.body.dump() << "\n" << server.log();
    const std::string text = js.body["choices"][0]["message"]["content"];
    EXPECT_TRUE(json::accept(text)) << "seed " << seed << ": " << text;
    EXPECT_LT(js.body["usage"]["prompt_tokens"].get<int64_t>() + js.body["usage"]["completion_tokens"].get<int64_t>(), 258);
  }

  // Still serving.
  Reply ok = post(c, comp, R"({"prompt":"hello","max_tokens":3,"temperature":0})", auth);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["usage"]["completion_tokens"], 3);
  EXPECT_EQ(ok.body["choices"][0]["finish_reason"], "length");
  // A second server on the same port, and one whose model does not load, exit 1 with the reason.
  std::string out;
  EXPECT_EQ(test::run_command("timeout 120 " + std::string(LMFORGE_BINARY) + " serve --model '" + slow_model() + "' --port " +
                                  std::to_string(server.port()) + " 2>&1", &out), 1);
  EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(server.port())), std::string::npos) << out;
  EXPECT_EQ(test::run_command("timeout 120 " + std::string(LMFORGE_BINARY) + " serve --model /no/such/model --port 0 2>&1", &out), 1);
  EXPECT_NE(out.find("/no/such/model: no such model directory"), std::string::npos) << out;

  auto metrics = c.Get("/metrics", auth);
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("lmforge_requests_total{route=\"/v1/completions\",status=\"400\"}"), std::string::npos);
}

TEST(ServeErrors, FullQueueDisconnectAndSigterm) {
  test::ServeProcess server({"--model", slow_model(), "--parallel", "1", "--max-queue", "0", "--threads", "1"});
  // About 4 s of tokens at one thread here.
  const std::string long_stream = R"({"prompt":"once upon a time","max_tokens":3000,"temperature":0,"stream":true})";

  // A streaming client that reads until told to hang up.
  std::atomic<int> chunks{0};
  std::atomic<bool> hang_up{false};
  std::thread reader([&] {
    stream_post(server.port(), long_stream, [&](const char*, size_t) {
      ++chunks;
      return !hang_up;  // false: close the connection
    });
  });
  for (int i = 0; i < 3000 && chunks < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (chunks < 2) {
    server.stop(SIGKILL);
    reader.join();
    FAIL() << "the stream did not start:\n" << server.log();
  }
  // The one slot is busy and nothing may queue: 429.
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(120, 0);
  expect_error(post(c, "/v1/completions", R"({"prompt":"a","max_tokens":2})"), 429, "", "queue full");
  hang_up = true;
  reader.join();
  // The disconnected stream's slot is free again: a short request runs (with the slot still
  // held by the 3000-token stream it would get 429, as above), and the stream was cut short
  // (the tokens generated so far are its and the short request's, far fewer than 3000).
  Reply next;
  for (int i = 0; i < 3000 && next.status != 200; ++i) {
    next = post(c, "/v1/completions", R"({"prompt":"a","max_tokens":2})");
    if (next.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(next.status, 200) << next.body.dump();
  auto generated = c.Get("/metrics");
  ASSERT_TRUE(generated);
  const size_t at = generated->body.find("\nlmforge_generated_tokens_total ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(std::stoll(generated->body.substr(at + 32)), 2000) << "the stream ran on after its client left";

  // SIGTERM with a stream in flight: the stream completes, the server exits 0.
  std::string body;
  std::atomic<bool> started{false};
  std::thread inflight([&] {
    // The short request's slot is released just after its response: until then this one
    // may still meet a full queue (429), so it asks again.
    for (int attempt = 0; attempt < 300 && !started; ++attempt) {
      body.clear();
      stream_post(server.port(), R"({"prompt":"abc","max_tokens":300,"temperature":0,"stream":true})",
                  [&](const char* d, size_t n) {
                    body.append(d, n);
                    if (body.rfind("data: ", 0) == 0) started = true;
                    return true;
                  });
      if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  for (int i = 0; i < 3000 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!started) {
    server.stop(SIGKILL);
    inflight.join();
    FAIL() << "the stream did not start:\n" << server.log();
  }
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
  inflight.join();
  EXPECT_NE(body.find("\"finish_reason\":\"length\""), std::string::npos) << body.substr(body.size() > 400 ? body.size() - 400 : 0);
  EXPECT_NE(body.find("data: [DONE]"), std::string::npos);
}
