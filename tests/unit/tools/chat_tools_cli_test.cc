// `lmforge chat --tools`: the model is prompted with the documented tools system message
// (the same greedy reply as a plain chat given that text as --system), replies come as JSON
// with their tool calls and finish reason, and bad flag combinations are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "infer/chat_template.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tools/tool_prompt.h"

namespace {

using nlohmann::json;
const std::string kBin = LMFORGE_BINARY;

// The one JSON line `out` holds; a failure of the test otherwise.
json parse_line(const std::string& out) {
  const json j = json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j.is_discarded() ? json::object() : j;
}

// Runs `cmd`; its exit status, and its stdout in `out` (replaced).
int run(const std::string& cmd, std::string& out) {
  out.clear();
  return lmf::test::run_command(cmd, &out);
}

std::string sh(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

TEST(ChatToolsCli, PromptsWithTheToolsSystemMessage) {
  const std::string dir = lmf::test::temp_dir(), model = dir + "/m";
  const lmf::tok::Tokenizer tk = lmf::test::chatml_test_tokenizer();
  lmf::test::write_scaled_model(model, {.arch = lmf::Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2,
                                        .heads = 4, .kv_heads = 2, .inner = 128, .positions = 1024, .seed = 9, .scale = 2.f},
                                tk);
  const std::string plain = dir + "/plain";
  lmf::test::write_scaled_model(plain, {.arch = lmf::Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2,
                                        .heads = 4, .kv_heads = 2, .inner = 128, .positions = 1024, .seed = 9, .scale = 2.f},
                                tk);
  lmf::write_chat_template(model);
  const std::string common = " --temperature 0 --max-new-tokens 12 --json 2>" + dir + "/err";
  const std::string chat = "printf 'What is 2+3?\\n' | " + kBin + " chat --model ";

  std::string out;
  ASSERT_EQ(run(chat + model + " --tools calculator --max-tool-calls 2" + common, out), 0) << out;
  const json got = parse_line(out);
  ASSERT_TRUE(got["reply"].is_string()) << out;
  ASSERT_TRUE(got["tool_calls"].is_array()) << out;
  EXPECT_TRUE(got["finish_reason"] == "stop" || got["finish_reason"] == "tool_calls_limit") << out;
  // A random model writes no call: its reply is the plain chat's with the same system text.
  ASSERT_TRUE(got["tool_calls"].empty()) << out;
  const std::string system = lmf::tools::tools_system_message("Be exact.", lmf::tools::ToolRegistry::with_builtins());
  ASSERT_EQ(run(chat + model + " --tools calculator --system 'Be exact.'" + common, out), 0) << out;
  const json with_tools = parse_line(out);
  ASSERT_EQ(run(chat + model + " --system " + sh(system) + common, out), 0) << out;
  EXPECT_EQ(with_tools["reply"], parse_line(out)["reply"]);
  // The reply depends on the system text (else the comparison above would prove nothing).
  ASSERT_EQ(run(chat + model + " --system 'Be exact.'" + common, out), 0) << out;
  EXPECT_NE(with_tools["reply"], parse_line(out)["reply"]);

  // Refused: a model without the ChatML template, an unreadable tools file, --rag with --tools.
  EXPECT_NE(run(chat + plain + " --tools calculator 2>&1", out), 0);
  EXPECT_NE(out.find("ChatML"), std::string::npos) << out;
  EXPECT_NE(run(chat + model + " --tools " + dir + "/missing.json 2>&1", out), 0);
  EXPECT_NE(out.find("missing.json"), std::string::npos) << out;
  EXPECT_NE(run(chat + model + " --tools calculator --rag " + dir + "/idx 2>&1", out), 0);
  EXPECT_NE(out.find("--rag and --tools"), std::string::npos) << out;
}
