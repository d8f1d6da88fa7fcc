// The web chat page (src/serve/web/chat.html, served at GET /): embedded in the library byte
// for byte, self-contained, and working as a person uses it in a real browser against a real
// `lmforge serve` (tests/reference/web_chat.js drives Debian's chromium with playwright-core).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "finetune/instruction_data.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "models/config.h"
#include "models/transformer.h"
#include "serve/chat_page.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"
#include "support/finetune_base.h"
#include "support/oracle.h"
#include "support/serve_process.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

// A model that talks long and slowly enough to be stopped by hand: an untrained Llama over
// bytes with the ChatML markers (as the fine-tuning base), 4096 positions, wide enough that
// a reply of a thousand tokens takes seconds on two cores. Its LM head rows are zero for
// every token but printable ASCII, so under greedy decoding (the top logit of the others is
// positive) it never ends a reply on its own and writes only printable text.
std::string long_talker() {
  static const std::string dir = test::cached_dir("lmforge-web-chat-long-talker", {{"seed", 7}}, "model.safetensors",
                                                  [](const std::string& tmp) {
    ModelConfig cfg = ModelConfig::preset("tiny-llama");
    cfg.vocab_size = 259;
    cfg.n_positions = 4096;
    cfg.n_embd = 384;
    cfg.n_layer = 6;
    cfg.n_head = 6;
    cfg.n_kv_head = 2;
    cfg.n_inner = 1024;
    Transformer model(cfg);
    model.init_weights(7);
    Tensor& head = model.param("lm_head.weight");  // (V, C)
    float* w = head.f32();
    for (int64_t v = 0; v < cfg.vocab_size; ++v)
      if (v < 0x20 || v >= 0x7f) std::fill(w + v * cfg.n_embd, w + (v + 1) * cfg.n_embd, 0.f);
    save_model(model, tmp);
    test::byte_tokenizer(true).save_json(tmp + "/tokenizer.json");
  });
  return dir;
}

}  // namespace

TEST(ChatPage, IsTheFileByteForByte) {
  const std::string file = io::read_file(test::source_path("src/serve/web/chat.html"));
  ASSERT_GT(file.size(), 1000u);
  EXPECT_TRUE(serve::chat_page() == file) << "the embedded page (" << serve::chat_page().size()
                                          << " bytes) differs from src/serve/web/chat.html (" << file.size() << " bytes)";
}

TEST(ChatPage, LoadsNothingFromElsewhere) {
  const std::string_view page = serve::chat_page();
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  for (const char* s : {"http://", "https://", "src=\"", "href=\"", "@import", "url(", "new EventSource", ".innerHTML",
                        ".outerHTML", "insertAdjacentHTML", "document.write"})
    EXPECT_EQ(page.find(s), std::string_view::npos) << "the page contains \"" << s << "\"";
  EXPECT_NE(page.find("Content-Security-Policy\" content=\"default-src 'none';"), std::string_view::npos)
      << "the page no longer forbids requests outside its own origin";
}

// The whole page in Debian's chromium against two servers: the fine-tuning base (it answers
// the arithmetic questions; started with an API key, so the page's 401 handling is checked
// too) and the long talker, whose long reply the Stop button ends. The screenshots go to
// web_chat.png and web_chat-stop.png in the build folder (beside the lmforge binary).
TEST(WebChat, WorksInChromiumAgainstTheServer) {
  ASSERT_TRUE(fs::exists("/usr/bin/chromium")) << "Debian's chromium is missing: run scripts/install-deps";
  const test::FinetuneBase& base = test::finetune_base();
  const ft::InstructionExample& x = base.data.train.at(0);
  const std::string question = ft::alpaca_user_message(x.instruction, x.input);
  const std::string key = "web-chat-test-key";
  test::ServeProcess server({"--model", base.model_dir, "--api-key", key});
  test::ServeProcess talker({"--model", long_talker()});
  const std::string screenshot = (fs::absolute(LMFORGE_BINARY).parent_path() / "web_chat.png").string();
  fs::remove(screenshot);
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string log;
  const int rc = test::run_command("node " + quote(test::source_path("tests/reference/web_chat.js")) + " " +
                                       quote(server.url()) + " " + quote(screenshot) + " --question " + quote(question) +
                                       " --answer " + quote(x.output) + " --api-key " + quote(key) + " --stop-url " +
                                       quote(talker.url()) + " --stop-max-tokens 1000 2>&1",
                                   &log);
  EXPECT_EQ(rc, 0) << log;
  EXPECT_TRUE(fs::exists(screenshot)) << "no screenshot at " << screenshot;
  if (rc == 0) std::cout << log;
}
